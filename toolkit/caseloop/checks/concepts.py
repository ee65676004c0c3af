"""What a reply says, concept by concept, and the rules each case sets for its replies.

A concept (`concepts.yaml` beside this module) is one thing a reply can do or say, such as offering a
refund, sending the buyer to the carrier or asking why an EU buyer withdraws, with case-insensitive
patterns per language written the way agents phrase it. A case file's `reply:` block names rules in
concepts (`caseloop.checks.caserules` reads it).

A concept is matched on the reply flattened to one line. A match preceded within three words of its
clause by a negation of the reply's language ("not", "nicht", "ne ... pas", "no", "non"), or in
Japanese followed by one (ない, ません), does not count, so "you do not need to contact the carrier"
is not sending the buyer to the carrier. Everything is compiled once per process.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import yaml

from caseloop.checks.languages import flat

LEXICON_FILE = "concepts.yaml"
REGEX_PREFIX = "re:"
# Words before a match that are looked at for a negation, within the match's clause.
NEGATION_WINDOW = 3
# Characters after a Japanese match looked at for a negative ending (返金いたしかねます, 返品できません).
JA_NEGATION_CHARS = 10
# `<gap>` in a pattern: up to this many words, none of them a negation.
GAP_WORDS = 4

_NEGATIONS = {
    "en": {"not", "no", "never", "cannot", "can't", "won't", "don't", "doesn't", "didn't", "isn't", "aren't",
           "wasn't", "weren't", "shouldn't", "wouldn't", "couldn't", "haven't", "hasn't", "hadn't", "mustn't",
           "needn't", "unable", "without", "nor", "neither"},
    "de": {"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "ohne", "weder",
           "nichts"},
    "fr": {"ne", "n", "pas", "jamais", "aucun", "aucune", "sans", "ni", "rien"},
    "es": {"no", "nunca", "jamás", "jamas", "sin", "ningún", "ninguno", "ninguna", "ni", "tampoco"},
    "it": {"non", "mai", "senza", "nessun", "nessuno", "nessuna", "né", "neanche", "nemmeno", "neppure"},
    "nl": {"niet", "geen", "nooit", "zonder", "noch", "niets", "nergens"},
}
# Negations that follow what they negate: "eine Erstattung ist nicht möglich", "le retour n'est pas possible".
_NEGATION_AFTER = {
    "en": re.compile(r"^\W*(?:[\w']+\s+){0,2}?(?:(?:is|are|was|were|will be|would be)\s+(?:not|no longer)\b|"
                     r"(?:isn't|aren't|wasn't|weren't)\b|impossible\b)"),
    "de": re.compile(r"^\W*(?:[\w'-]+\s+){0,3}?(?:nicht|kein\w*|nie|niemals|ausgeschlossen|unmöglich)\b"),
    "fr": re.compile(r"^\W*(?:[\w']+\s+){0,2}?(?:(?:n'|ne\s+)(?:est|sera|sont|a|peut|pourra)\s+(?:pas|plus|jamais)"
                     r"|impossible)\b"),
    "es": re.compile(r"^\W*(?:\w+\s+){0,2}?(?:no\s+(?:es|será|son|está|puede|podrá)|imposible)\b"),
    "it": re.compile(r"^\W*(?:\w+\s+){0,2}?(?:non\s+(?:è|sarà|sono|può|potrà)|impossibile)\b"),
    # Dutch puts "niet" after the verb and its object: "wij kunnen het bedrag niet terugbetalen"
    "nl": re.compile(r"^\W*(?:[\w'-]+\s+){0,3}?(?:niet|geen|nooit|uitgesloten|onmogelijk)\b"),
    "ja": re.compile(rf"^[^。、！？!?]{{0,{JA_NEGATION_CHARS}}}?(?:ない|ません|ず|ぬ|かね|不要|なく)"),
}
# Negations a `<gap>` may not step over (weaker words such as "without" or "ohne" may sit in a gap).
_GAP_NEGATIONS = {
    "en": r"(?:not|never|no|cannot|unable|\w+n't)\b",
    "de": r"(?:nicht|kein\w*|nie|niemals)\b",
    "fr": r"(?:ne|n'|pas|jamais)\b",
    "es": r"(?:no|nunca|jamás)\b",
    "it": r"(?:non|mai)\b",
    "nl": r"(?:niet|geen|nooit)\b",
}
_CLAUSE_END = re.compile(r"[.,;:!?¿¡()\[\]\"«»“”。、！？]")
_TOKEN = re.compile(r"\w+(?:'t)?")
SENTENCE_END = re.compile(r"(?<=[.!?;])(?<!\d\.)\s+|(?<=[。！？])")  # not after "3." of "am 3. März"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'"})
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class Concept:
    """One thing a reply can do or say, with its zh/en name and its compiled patterns per language."""

    id: str
    zh: str
    en: str
    patterns: dict[str, tuple[str, ...]]
    negatable: bool = True  # False for what a reply describes, which a negation still states ("hasn't scanned")

    def regex(self, language: str) -> re.Pattern:
        """All of this concept's patterns for `language` as one compiled pattern."""
        if language not in self.patterns:
            raise ValueError(f"concept {self.id!r} has no patterns for language {language!r}; "
                             f"it has {', '.join(sorted(self.patterns))}")
        return _compiled(self.id, language)


def _expand(pattern: str, language: str) -> str:
    """A lexicon pattern as a regular expression: `<gap>` / `<gap:N>` become up to GAP_WORDS (N) words
    that are not negations, `<start>` the start of the text or of a sentence."""
    def gap(match: re.Match) -> str:
        words = int(match.group(1) or GAP_WORDS)
        if language == "ja":
            return f"[^。、！？]{{0,{words * 4}}}?"
        negation = _GAP_NEGATIONS.get(language, r"(?!)")
        return rf"(?:\s+(?!{negation})[\w'-]+){{0,{words}}}?\s+"

    pattern = re.sub(r"<gap(?::(\d+))?>", gap, pattern)
    return pattern.replace("<start>", r"(?:^|(?<=[.!?:;] ))")


def _word_start(expression: str, language: str) -> str:
    """Latin-script patterns match from the start of a word, so "refund" does not match inside "nonrefund"."""
    return f"(?:{expression})" if language == "ja" else f"(?<!\\w)(?:{expression})"


@functools.cache
def lexicon() -> dict[str, Concept]:
    """Every concept of concepts.yaml, by id (parsed once per process)."""
    text = resources.files("caseloop.checks").joinpath(LEXICON_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    concepts = {}
    for concept_id, entry in data.items():
        patterns = {language: tuple(items) for language, items in entry["patterns"].items()}
        concepts[concept_id] = Concept(concept_id, entry["zh"], entry["en"], patterns, entry.get("negatable", True))
    return concepts


def concept(concept_id: str) -> Concept:
    """The concept named `concept_id`; a ValueError naming the known ones when there is none."""
    concepts = lexicon()
    if concept_id not in concepts:
        raise ValueError(f"unknown concept {concept_id!r}; known concepts: {', '.join(sorted(concepts))}")
    return concepts[concept_id]


@functools.cache
def _compiled(concept_id: str, language: str) -> re.Pattern:
    patterns = lexicon()[concept_id].patterns[language]
    expression = "|".join(_word_start(_expand(p, language), language) for p in patterns)
    return re.compile(expression, re.IGNORECASE)


@functools.cache
def case_regex(expression: str) -> re.Pattern:
    return re.compile(expression, re.IGNORECASE)


def normalise(text: str) -> str:
    """The reply as patterns see it: one line, compatibility forms folded (full-width digits), one apostrophe."""
    return flat(unicodedata.normalize("NFKC", text).translate(_APOSTROPHES))


def negated(text: str, start: int, end: int, language: str) -> bool:
    """Whether the match text[start:end] is negated in its clause (see the module docstring)."""
    after = _NEGATION_AFTER.get(language)
    if language == "ja":
        return bool(after.search(text[end:end + JA_NEGATION_CHARS + 4]))
    clause = text[max(0, start - 80):start]
    ends = list(_CLAUSE_END.finditer(clause))
    if ends:
        clause = clause[ends[-1].end():]
    before = _TOKEN.findall(clause.lower())[-NEGATION_WINDOW:]
    if any(word in _NEGATIONS.get(language, ()) for word in before):
        return True
    following = text[end:end + 60]
    cut = _CLAUSE_END.search(following)
    following = following[:cut.start()] if cut else following
    return bool(after and after.search(following))


def _first_match(regex: re.Pattern, text: str, language: str, negatable: bool = True) -> str | None:
    """The first match of `regex` in the normalised text that is not negated (any match if not `negatable`)."""
    position = 0
    while (match := regex.search(text, position)) is not None:
        if not negatable or not negated(text, match.start(), match.end(), language):
            return match.group()
        position = match.start() + 1
    return None


def entry_match(entry: str, text: str, language: str) -> str | None:
    """The matched text of one `any` entry of a rule (a concept id or `re:<regex>`) in normalised text."""
    if entry.startswith(REGEX_PREFIX):
        return _first_match(case_regex(entry[len(REGEX_PREFIX):]), text, language)
    found = concept(entry)
    return _first_match(found.regex(language), text, language, found.negatable)


def concept_match(concept_id: str, text: str, language: str) -> str | None:
    """The text in `text` that expresses the concept in `language`, or None (negated mentions do not count).

    Raises ValueError for an unknown concept id or a language the concept has no patterns for.
    """
    found = concept(concept_id)
    return _first_match(found.regex(language), normalise(text), language, found.negatable)
