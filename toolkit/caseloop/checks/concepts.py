"""What a reply says, concept by concept, and the rules each case sets for its replies.

A concept (`concepts.yaml` beside this module) is one thing a reply can do or say, such as offering a
refund, sending the buyer to the carrier or asking why an EU buyer withdraws, with case-insensitive
patterns per language written the way agents phrase it. A case file's `reply:` block names, in
concepts, what a correct reply to that buyer must do (`must`), what must never be sent to that buyer
(`wrong`), which numbers it must state right if it states them (`facts`) and which words show the
reply is about the case (`topic`). The reply check reads the block through `reply_rules`.

A concept is matched on the reply flattened to one line. A match preceded within three words of its
clause by a negation of the reply's language ("not", "nicht", "ne ... pas", "no", "non"), or in
Japanese followed by one (ない, ません), does not count, so "you do not need to contact the carrier"
is not sending the buyer to the carrier. Everything is compiled once per process.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from caseloop.checks.languages import flat

LEXICON_FILE = "concepts.yaml"
REGEX_PREFIX = "re:"
UNITS = ("days", "hours", "business_days", "percent", "money")
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
    "ja": re.compile(rf"^[^。、！？!?]{{0,{JA_NEGATION_CHARS}}}?(?:ない|ません|ず|ぬ|かね|不要|なく)"),
}
# Negations a `<gap>` may not step over (weaker words such as "without" or "ohne" may sit in a gap).
_GAP_NEGATIONS = {
    "en": r"(?:not|never|no|cannot|unable|\w+n't)\b",
    "de": r"(?:nicht|kein\w*|nie|niemals)\b",
    "fr": r"(?:ne|n'|pas|jamais)\b",
    "es": r"(?:no|nunca|jamás)\b",
    "it": r"(?:non|mai)\b",
}
_CLAUSE_END = re.compile(r"[.,;:!?¿¡()\[\]\"«»“”。、！？]")
_TOKEN = re.compile(r"\w+(?:'t)?")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？])")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


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
def _case_regex(expression: str) -> re.Pattern:
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


def _entry_match(entry: str, text: str, language: str) -> str | None:
    """The matched text of one `any` entry of a rule (a concept id or `re:<regex>`) in normalised text."""
    if entry.startswith(REGEX_PREFIX):
        return _first_match(_case_regex(entry[len(REGEX_PREFIX):]), text, language)
    found = concept(entry)
    return _first_match(found.regex(language), text, language, found.negatable)


def concept_match(concept_id: str, text: str, language: str) -> str | None:
    """The text in `text` that expresses the concept in `language`, or None (negated mentions do not count).

    Raises ValueError for an unknown concept id or a language the concept has no patterns for.
    """
    found = concept(concept_id)
    return _first_match(found.regex(language), normalise(text), language, found.negatable)


# -- numbers and units -----------------------------------------------------------------------------

_EN_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
             "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_DE_UNITS = ["eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf",
             "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"]
_FR_UNITS = ["un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
             "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"]
_ES_WORDS = ["uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce",
             "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte",
             "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis", "veintisiete",
             "veintiocho", "veintinueve", "treinta", "treinta y uno"]
_IT_WORDS = ["uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove", "dieci", "undici", "dodici",
             "tredici", "quattordici", "quindici", "sedici", "diciassette", "diciotto", "diciannove", "venti",
             "ventuno", "ventidue", "ventitré", "ventiquattro", "venticinque", "ventisei", "ventisette", "ventotto",
             "ventinove", "trenta", "trentuno"]


def _number_words() -> dict[str, dict[str, int]]:
    """Number words 1..31 per language (word -> value), with the common variants (a/an excluded)."""
    en = {word: n for n, word in enumerate(_EN_UNITS, start=1)}
    de = {word: n for n, word in enumerate(_DE_UNITS, start=1)} | {"ein": 1, "eine": 1, "einen": 1, "einem": 1,
                                                                    "einer": 1, "zwanzig": 20, "dreißig": 30}
    fr = {word: n for n, word in enumerate(_FR_UNITS, start=1)} | {"une": 1, "vingt": 20, "trente": 30}
    for tens, en_word, de_word, fr_word in ((20, "twenty", "zwanzig", "vingt"), (30, "thirty", "dreißig", "trente")):
        en[en_word] = tens
        for unit in range(1, 10 if tens == 20 else 2):
            en[f"{en_word}-{_EN_UNITS[unit - 1]}"] = en[f"{en_word} {_EN_UNITS[unit - 1]}"] = tens + unit
            de[f"{'ein' if unit == 1 else _DE_UNITS[unit - 1]}und{de_word}"] = tens + unit
            fr[f"{fr_word} et un" if unit == 1 else f"{fr_word}-{_FR_UNITS[unit - 1]}"] = tens + unit
    es = {word: n for n, word in enumerate(_ES_WORDS, start=1)} | {"un": 1, "una": 1, "veintiún": 21,
                                                                   "treinta y un": 31}
    it = {word: n for n, word in enumerate(_IT_WORDS, start=1)} | {"un": 1, "una": 1, "ventun": 21}
    ja = {}
    digits = "一二三四五六七八九"
    for n in range(1, 32):
        tens, unit = divmod(n, 10)
        tens_word = "" if tens == 0 else "十" if tens == 1 else digits[tens - 1] + "十"
        ja[tens_word + (digits[unit - 1] if unit else "")] = n
    return {"en": en, "de": de, "fr": fr, "es": es, "it": it, "ja": ja}


NUMBER_WORDS = _number_words()
_DIGITS = r"\d+(?:[.,]\d+)*"
_UNIT_PATTERNS = {
    "business_days": {
        "en": r"(?:business|working)[- ]days?\b", "de": r"(?:Werk|Arbeits|Geschäfts)tag\w*|-?werktägig\w*",
        "fr": r"jours?\s+ouvr(?:és|ables|e)s?\b", "es": r"días?\s+(?:hábiles|habiles|laborables)\b",
        "it": r"giorn[oi]\s+(?:lavorativ[oi]|ferial[ei])\b", "ja": r"営業日"},
    "days": {
        "en": r"days?\b", "de": r"Tag(?:e|en|es)?\b|-?tägig\w*", "fr": r"jours?\b(?!\s+ouvr)",
        "es": r"días?\b(?!\s+(?:hábiles|habiles|laborables))", "it": r"giorn[oi]\b(?!\s+(?:lavorativ|ferial))",
        "ja": r"日(?!本)"},
    "hours": {
        "en": r"(?:hours?|hrs?|h)\b", "de": r"(?:Stunden?|Std|h)\b", "fr": r"(?:heures?|h)\b",
        "es": r"(?:horas?|h)\b", "it": r"(?:ore|ora|h)\b", "ja": r"時間"},
    "percent": {
        "en": r"%|per\s?cent\b", "de": r"%|Prozent\b", "fr": r"%|pour\s?cent\b", "es": r"%|por\s?ciento\b",
        "it": r"%|per\s?cento\b", "ja": r"%|パーセント"},
}
_CURRENCY = r"(?:US\$|\$|USD\b|dollars?\b|€|EUR\b|euros?\b|£|GBP\b|pounds?\b|¥|円|JPY\b|yen\b)"
_RANGE = {"en": r"to|-|–|and", "de": r"bis|-|–|und", "fr": r"à|-|–|et", "es": r"a|-|–|y",
          "it": r"a|-|–|e", "ja": r"〜|~|-|–|から"}
# Elapsed time is not a period: "10 days ago", "vor zehn Tagen", "il y a 10 jours", "hace 10 días", "10 giorni fa".
_AGO_BEFORE = {"de": r"\bvor\s+$", "fr": r"\bil\s+y\s+a\s+$", "es": r"\bhace\s+$"}
_AGO_AFTER = {"en": r"^\s+ago\b", "it": r"^\s+fa\b", "ja": r"^前"}


@dataclass(frozen=True)
class Quantity:
    """A number with its unit as a reply states it ("14 Tagen" -> 14.0 days)."""

    value: float
    unit: str
    text: str


def _number_regex(language: str) -> str:
    words = sorted(NUMBER_WORDS[language], key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in words)
    if language == "ja":
        return f"(?:{_DIGITS}|{alternatives})"
    return f"(?:{_DIGITS}|(?<!\\w)(?:{alternatives}))"


@functools.cache
def _quantity_regexes(language: str) -> list[tuple[str, re.Pattern]]:
    number = _number_regex(language)
    space = "" if language == "ja" else r"\s*-?\s*"
    numbers = rf"(?P<a>{number})(?:\s*(?:{_RANGE[language]})\s*(?P<b>{number}))?"
    if language == "ja":
        numbers = rf"(?<!月)(?P<a>{number})(?:\s*(?:{_RANGE[language]})\s*(?P<b>{number}))?"
    regexes = [(unit, re.compile(rf"{numbers}{space}(?:{by_language[language]})", re.IGNORECASE))
               for unit, by_language in _UNIT_PATTERNS.items()]
    money = rf"{_CURRENCY}\s*(?P<a>{_DIGITS})|(?P<c>{_DIGITS})\s*{_CURRENCY}"
    return [*regexes, ("money", re.compile(money, re.IGNORECASE))]


def _value(number: str, language: str) -> float | None:
    word = NUMBER_WORDS[language].get(number.lower())
    if word is not None:
        return float(word)
    if "," in number and "." in number:
        decimal = "," if number.rfind(",") > number.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        number = number.replace(thousands, "").replace(decimal, ".")
    elif "," in number:
        whole, _, part = number.rpartition(",")
        thousands = len(part) == 3 and language in {"en", "ja"}
        number = number.replace(",", "") if thousands else f"{whole.replace(',', '')}.{part}"
    elif "." in number and language not in {"en", "ja"} and len(number.rpartition(".")[2]) == 3:
        number = number.replace(".", "")
    try:
        return float(number)
    except ValueError:
        return None


def quantities(sentence: str, language: str) -> Iterator[Quantity]:
    """Every number with a known unit in one (normalised) sentence; business days are not also days, and
    elapsed time ("10 days ago") is left out."""
    taken: list[tuple[int, int]] = []
    for unit, regex in _quantity_regexes(language):
        for match in regex.finditer(sentence):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            before, after = sentence[:match.start()], sentence[match.end():]
            ago_before, ago_after = _AGO_BEFORE.get(language), _AGO_AFTER.get(language)
            if (ago_before and re.search(ago_before, before, re.IGNORECASE)) or (
                    ago_after and re.search(ago_after, after, re.IGNORECASE)):
                continue
            for name in ("a", "b", "c"):
                number = match.groupdict().get(name)
                value = _value(number, language) if number else None
                if value is not None:
                    yield Quantity(value, unit, match.group())


# -- the rules of one case -------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """Something a reply to this case must do (`must`) or must not do (`wrong`): met by any of `any`."""

    id: str
    zh: str
    en: str
    any: tuple[str, ...]

    def match(self, text: str, language: str) -> str | None:
        """The text of the first entry of `any` found in the normalised reply, or None."""
        for entry in self.any:
            found = _entry_match(entry, text, language)
            if found is not None:
                return found
        return None


@dataclass(frozen=True)
class Fact:
    """A number the reply must state right if it states it: `value` in `unit`, in a sentence about `about`."""

    id: str
    zh: str
    en: str
    about: str
    value: float
    unit: str


@dataclass(frozen=True)
class ReplyRules:
    """What a correct reply to one case must do, must not do, must state right, and is about."""

    case: str
    must: tuple[Rule, ...]
    must_not: tuple[Rule, ...]
    facts: tuple[Fact, ...]
    topic: tuple[str, ...]

    def missing(self, text: str, language: str) -> list[Rule]:
        """The `must` rules the reply does not meet."""
        text = normalise(text)
        return [rule for rule in self.must if rule.match(text, language) is None]

    def wrong(self, text: str, language: str) -> list[tuple[Rule, str]]:
        """The `wrong` rules the reply breaks, each with the text that breaks it."""
        text = normalise(text)
        found = ((rule, rule.match(text, language)) for rule in self.must_not)
        return [(rule, matched) for rule, matched in found if matched is not None]

    def false_facts(self, text: str, language: str) -> list[tuple[Fact, str]]:
        """The facts the reply states wrongly, each with the number as stated.

        A sentence states a fact when it is about the fact's concept (negated or not) and holds a
        number in the fact's unit; it states it wrongly when none of its numbers in that unit is the value.
        """
        sentences = [s for s in _SENTENCE_END.split(normalise(text)) if s.strip()]
        wrong = []
        for fact in self.facts:
            about = concept(fact.about).regex(language)
            for sentence in sentences:
                if not about.search(sentence):
                    continue
                stated = [q for q in quantities(sentence, language) if q.unit == fact.unit]
                if stated and not any(abs(q.value - fact.value) < 0.005 for q in stated):
                    wrong.append((fact, stated[0].text))
                    break
        return wrong

    def on_topic(self, text: str) -> list[str]:
        """The topic words the reply uses (a word also counts with a short ending: earbud, earbuds)."""
        text = normalise(text).lower()
        return [word for word in self.topic if _topic_regex(word).search(text)]


@functools.cache
def _topic_regex(word: str) -> re.Pattern:
    if _CJK.search(word):
        return re.compile(re.escape(word))
    return re.compile(rf"(?<!\w){re.escape(word)}\w{{0,3}}(?!\w)")


def _known(entry: str, where: str, regex: bool = True) -> None:
    """Raise a ValueError naming `where` unless `entry` is a concept id or (where `regex`) a valid `re:` pattern."""
    try:
        if regex and entry.startswith(REGEX_PREFIX):
            _case_regex(entry[len(REGEX_PREFIX):])
        else:
            concept(entry)
    except re.error as err:
        raise ValueError(f"{where}: {entry!r} is not a valid regular expression ({err})") from None
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def reply_rules(case: dict[str, Any]) -> ReplyRules | None:
    """The reply rules of a parsed case file, or None when it has no `reply` block.

    Raises ValueError naming the case and the rule when a rule names an unknown concept, an invalid
    pattern or an unknown unit (`caseloop cases validate` reports the same before any grading).
    """
    block = case.get("reply")
    if block is None:
        return None
    case_id = str(case.get("id", "(case)"))
    rules: dict[str, list[Rule]] = {"must": [], "wrong": []}
    for section, made in rules.items():
        for item in block.get(section) or ():
            rule = Rule(item["id"], item["zh"], item["en"], tuple(item["any"]))
            for entry in rule.any:
                _known(entry, f"{case_id} reply.{section}.{rule.id}")
            made.append(rule)
    facts = []
    for item in block.get("facts") or ():
        where = f"{case_id} reply.facts.{item['id']}"
        _known(item["about"], where, regex=False)
        if item["unit"] not in UNITS:
            raise ValueError(f"{where}: unit {item['unit']!r} is not one of {', '.join(UNITS)}")
        facts.append(Fact(item["id"], item["zh"], item["en"], item["about"], float(item["value"]), item["unit"]))
    return ReplyRules(case_id, tuple(rules["must"]), tuple(rules["wrong"]), tuple(facts),
                      tuple(block.get("topic") or ()))
