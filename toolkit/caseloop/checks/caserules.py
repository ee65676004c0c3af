"""The rules one case sets for its replies, read from the case file's `reply:` block.

The block names, in concepts of the lexicon (`caseloop.checks.concepts`), what a correct reply to that buyer
must do (`must`), what must never be sent to that buyer (`wrong`), what it must state right if it states it
(`facts`: a number in a unit, a software version, a colour, or a day no later than the case allows) and which
words show the reply is about the case (`topic`). The reply check reads the block through `reply_rules`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from caseloop.checks.concepts import CJK, REGEX_PREFIX, SENTENCE_END, case_regex, concept, entry_match, normalise
from caseloop.checks.quantities import UNITS, colours, dates, quantities, versions


@dataclass(frozen=True)
class Rule:
    """Something a reply to this case must do (`must`) or must not do (`wrong`): met by any of `any`.

    A `wrong` rule with `levels` is a mistake a mentor marks down by that many levels; without, the reply
    cannot be sent.
    """

    id: str
    zh: str
    en: str
    any: tuple[str, ...]
    levels: int | None = None

    def match(self, text: str, language: str) -> str | None:
        """The text of the first entry of `any` found in the normalised reply, or None."""
        for entry in self.any:
            found = entry_match(entry, text, language)
            if found is not None:
                return found
        return None


@dataclass(frozen=True)
class FactKind:
    """How one kind of fact is read from a sentence, and when what it states is right for the case."""

    parse: Callable[[Any], tuple]  # the case file's `value` -> the allowed values
    stated: Callable[[str, str, dt.date], Iterator[tuple[Any, str]]]  # sentence -> (value, text) stated
    right: Callable[[Any, tuple], bool]  # a stated value against the allowed values
    value_help: str


def _numbers(value: Any) -> tuple[float, ...]:
    values = value if isinstance(value, list) else [value]
    return tuple(float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)) if all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values) else ()


def _texts(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    return tuple(str(v).strip().lower() for v in values) if all(isinstance(v, str | int | float) for v in
                                                                values) else ()


def _latest(value: Any) -> tuple[dt.date, ...]:
    if isinstance(value, dt.date):
        return (value,)
    try:
        return (dt.date.fromisoformat(str(value)),)
    except ValueError:
        return ()


def _quantity_kind(unit: str) -> FactKind:
    def stated(sentence: str, language: str, today: dt.date) -> Iterator[tuple[float, str]]:
        return ((q.value, q.text) for q in quantities(sentence, language) if q.unit == unit)

    return FactKind(_numbers, stated, lambda v, allowed: any(abs(v - a) < 0.005 for a in allowed),
                    "a number, or a list of the numbers that are right")


# unit -> fact kind; `caseloop cases validate` lists these names
FACT_KINDS: dict[str, FactKind] = {unit: _quantity_kind(unit) for unit in UNITS} | {
    "version": FactKind(_texts, lambda s, lang, today: versions(s, lang), lambda v, allowed: v in allowed,
                        "the versions a reply may name, e.g. ['1.2', '1.4']"),
    "colour": FactKind(_texts, lambda s, lang, today: colours(s, lang), lambda v, allowed: v in allowed,
                       "the colours of this order, e.g. [black, white]"),
    "date": FactKind(_latest, dates, lambda v, allowed: v <= allowed[0],
                     "the latest day a reply may name, as YYYY-MM-DD"),
}


@dataclass(frozen=True)
class Fact:
    """Something the reply must state right if it states it, in a sentence about `about` (any sentence if None)."""

    id: str
    zh: str
    en: str
    about: str | None
    allowed: tuple
    unit: str
    levels: int | None = None  # as on a `wrong` rule: the levels a wrong statement costs (None: cannot be sent)

    def stated_wrongly(self, sentence: str, language: str, today: dt.date) -> str | None:
        """The text of the sentence that states this fact wrongly, or None."""
        if self.about and not concept(self.about).regex(language).search(sentence):
            return None
        kind = FACT_KINDS[self.unit]
        stated = list(kind.stated(sentence, language, today))
        if self.unit in UNITS:  # a number is right when any number of its unit in the sentence is the value
            return stated[0][1] if stated and not any(kind.right(v, self.allowed) for v, _ in stated) else None
        return next((text for value, text in stated if not kind.right(value, self.allowed)), None)


# Wrong for every buyer, whatever the case says: each claim counts against the seller's Order Defect Rate.
EVERY_CASE_WRONG = (
    Rule("invites_atoz_claim", "让买家去提交 A-to-z 索赔：索赔计入订单缺陷率，应由卖家自己解决",
         "sends the buyer to an A-to-z Guarantee claim: claims count against the seller's Order Defect Rate, "
         "so solve it yourself", ("invite_atoz_claim",)),
)


@dataclass(frozen=True)
class ReplyRules:
    """What a correct reply to one case must do, must not do, must state right, and is about."""

    case: str
    must: tuple[Rule, ...]
    must_not: tuple[Rule, ...]
    facts: tuple[Fact, ...]
    topic: tuple[str, ...]
    written: dt.date | None = None  # the day the buyer wrote, from which "Saturday" or "tomorrow" count

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
        """The facts the reply states wrongly, each with the text as stated (the first sentence that does)."""
        sentences = [s for s in SENTENCE_END.split(normalise(text)) if s.strip()]
        today = self.written or dt.date.today()
        wrong = []
        for fact in self.facts:
            stated = next((t for s in sentences if (t := fact.stated_wrongly(s, language, today)) is not None), None)
            if stated is not None:
                wrong.append((fact, stated))
        return wrong

    def on_topic(self, text: str) -> list[str]:
        """The topic words the reply uses (a word also counts with a short ending: earbud, earbuds)."""
        text = normalise(text).lower()
        return [word for word in self.topic if _topic_regex(word).search(text)]


@functools.cache
def _topic_regex(word: str) -> re.Pattern:
    if CJK.search(word):
        return re.compile(re.escape(word))
    return re.compile(rf"(?<!\w){re.escape(word)}\w{{0,3}}(?!\w)")


def _known(entry: str, where: str, regex: bool = True) -> None:
    """Raise a ValueError naming `where` unless `entry` is a concept id or (where `regex`) a valid `re:` pattern."""
    try:
        if regex and entry.startswith(REGEX_PREFIX):
            case_regex(entry[len(REGEX_PREFIX):])
        else:
            concept(entry)
    except re.error as err:
        raise ValueError(f"{where}: {entry!r} is not a valid regular expression ({err})") from None
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def parse_fact(item: dict[str, Any], where: str) -> Fact:
    """One entry of `reply.facts`; a ValueError naming `where` for an unknown unit, concept or a bad value."""
    if item["unit"] not in FACT_KINDS:
        raise ValueError(f"{where}: unit {item['unit']!r} is not one of {', '.join(FACT_KINDS)}")
    if item.get("about") is not None:
        _known(item["about"], where, regex=False)
    kind = FACT_KINDS[item["unit"]]
    allowed = kind.parse(item["value"])
    if not allowed:
        raise ValueError(f"{where}: value {item['value']!r} is not {kind.value_help}")
    return Fact(item["id"], item["zh"], item["en"], item.get("about"), allowed, item["unit"], item.get("levels"))


def reply_rules(case: dict[str, Any]) -> ReplyRules | None:
    """The reply rules of a parsed case file, or None when it has no `reply` block.

    Raises ValueError naming the case and the rule when a rule names an unknown concept, an invalid
    pattern, an unknown unit or a bad value (`caseloop cases validate` reports the same before any grading).
    """
    block = case.get("reply")
    if block is None:
        return None
    case_id = str(case.get("id", "(case)"))
    rules: dict[str, list[Rule]] = {"must": [], "wrong": []}
    for section, made in rules.items():
        for item in block.get(section) or ():
            rule = Rule(item["id"], item["zh"], item["en"], tuple(item["any"]), item.get("levels"))
            for entry in rule.any:
                _known(entry, f"{case_id} reply.{section}.{rule.id}")
            made.append(rule)
    facts = tuple(parse_fact(item, f"{case_id} reply.facts.{item['id']}") for item in block.get("facts") or ())
    written = _latest(case["date"])[0] if case.get("date") and _latest(case["date"]) else None
    return ReplyRules(case_id, tuple(rules["must"]), (*rules["wrong"], *EVERY_CASE_WRONG), facts,
                      tuple(block.get("topic") or ()), written)
