"""The case file's schema and its validation: every problem names the file, line, field and fix."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from caseloop.cases.labels import (
    FULFILMENT,
    MARKETS,
    OUTCOMES,
    PROBLEM_TYPES,
    REVIEW_STATES,
    ROOT_CAUSES,
    SOURCES_FILE,
    Labels,
)
from caseloop.cases.scrub import ORDER_ID, find_personal_data
from caseloop.course import CourseError
from caseloop.languages import LANGUAGES

if TYPE_CHECKING:
    pass

@dataclass(frozen=True)
class Field:
    """One field of a case file: its kind (how it is checked) and what a valid value looks like."""

    name: str
    kind: str
    expected: str
    choices: Labels | None = None
    required: bool = True


def choice_list(labels: Labels) -> str:
    return "one of " + ", ".join(labels)


FIELDS = [
    Field("id", "case_id", "C- and four digits, the same as the file name, e.g. C-0042"),
    Field("title", "text", "one line saying what happened"),
    Field("summary_zh", "text", "一两句中文摘要：问题、原因、处理 / a Chinese summary: problem, cause, fix"),
    Field("problem_type", "choice", choice_list(PROBLEM_TYPES), PROBLEM_TYPES),
    Field("market", "choice", choice_list(MARKETS), MARKETS),
    Field("date", "date", "the ticket's date as YYYY-MM-DD, not in the future"),
    Field("product_line", "text", "the product line, e.g. wireless earbuds"),
    Field("order_id", "order_id", "a scrubbed order id NNN-0000000-NNNNNNN (run `caseloop cases scrub`)"),
    Field("fulfilment", "choice", choice_list(FULFILMENT), FULFILMENT),
    Field("buyer_name", "text", "a pseudonym, never the buyer's real name"),
    Field("language", "choice", "the buyer message's language, " + choice_list(LANGUAGES), LANGUAGES),
    Field("buyer_message", "scrubbed_text", "the buyer's words, scrubbed, as a block (`buyer_message: |`)"),
    Field("core_demand", "text", "what the buyer really wants, in one sentence"),
    Field("root_cause", "text", "why it happened, in one or two sentences"),
    Field("root_cause_category", "choice", choice_list(ROOT_CAUSES), ROOT_CAUSES),
    Field("resolution_steps", "list", "a list of the steps taken, in order"),
    Field("reply_template", "scrubbed_text", "the reply sent, greeting the buyer by buyer_name"),
    Field("key_points", "list", "a list of the points a good reply must make"),
    Field("outcome", "choice", choice_list(OUTCOMES), OUTCOMES),
    Field("evidence", "list", "a list of the evidence kept (screenshots, photos, tracking)"),
    Field("lessons", "text", "lessons and improvement suggestions"),
    Field("tags", "list", "a list of tags, e.g. [packaging, seller fault]"),
    Field("policy_sources", "sources", f"a list of 'KEY url (what it says)' with keys from cases/{SOURCES_FILE}"),
    Field("review", "review", "{state: draft|approved|archived, reviewer: NAME, date: YYYY-MM-DD}"),
    Field("revision_flags", "flags", "a list of {date, module, cell, flag, statistic} written by `caseloop revise`",
          required=False),
    Field("reply", "reply", "what a reply to this buyer must and must not do: {must, wrong, facts, topic}, rules "
          "written in concepts of caseloop/checks/concepts.yaml", required=False),
]
FIELD_NAMES = [f.name for f in FIELDS]
TODO = "TODO"  # marks what a person must still write; `caseloop cases new` leaves it wherever it cannot know
_TODO_MARK = re.compile(rf"\b{TODO}\b")
CASE_ID = re.compile(r"C-\d{4,}")
SCRUBBED_ORDER_ID = re.compile(r"\d{3}-0000000-\d{7}")
_PERSONAL_KINDS = ("order_id", "email", "tracking", "address", "phone")
_FREE_TEXT = ("title", "summary_zh", "buyer_message", "core_demand", "root_cause", "resolution_steps",
              "reply_template", "key_points", "evidence", "lessons")
KIND_LABELS = {"missing": "缺少字段 / missing field", "unknown": "未知字段 / unknown field",
               "type": "类型错误 / wrong type", "invalid": "取值无效 / invalid value",
               "personal": "含个人信息 / personal data", "duplicate": "编号重复 / duplicate id",
               "file": "文件错误 / file problem", "unfinished": "未完成 / unfinished"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case file: where (file, field), what, and how to fix it."""

    path: Path
    field: str
    kind: str
    detail: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {KIND_LABELS[self.kind]}: {self.detail}; fix: {self.fix}"


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def is_todo(value: Any) -> bool:
    """Whether a field's value (a text, or a list of texts) still carries the TODO mark."""
    return any(_TODO_MARK.search(text) for text in _strings(value))


def _strings(value: Any) -> list[str]:
    """The text inside a field value (a string, or the strings of a list)."""
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _check_field(spec: Field, value: Any, sources: dict[str, str], today: dt.date,
                 language: Any = None) -> Iterable[tuple[str, str, str]]:
    """(kind, detail, fix) for each problem of one field's value (`language`: the case's, for its reply rules)."""
    expected = spec.expected
    if spec.kind in {"text", "scrubbed_text"}:
        if not isinstance(value, str) or not value.strip():
            yield "type", f"expected text, found {value!r}", f"write {expected}"
    elif spec.kind == "list":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            yield "type", f"expected a non-empty list of text, found {value!r}", f"write {expected}"
    elif spec.kind == "choice":
        if value not in spec.choices:
            close = difflib.get_close_matches(str(value), list(spec.choices), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            yield "invalid", f"{value!r} is not allowed", f"{hint}use {expected}"
    elif spec.kind == "case_id":
        if not isinstance(value, str) or not CASE_ID.fullmatch(value):
            yield "invalid", f"{value!r} is not a case id", f"use {expected}"
    elif spec.kind == "date":
        day = as_date(value)
        if day is None or day > today:
            yield "invalid", f"{value!r} is not a past date", f"write {expected}"
    elif spec.kind == "order_id":
        if not isinstance(value, str) or not SCRUBBED_ORDER_ID.fullmatch(value):
            found = "a real (unscrubbed) order id" if ORDER_ID.fullmatch(str(value)) else "not an order id"
            yield "personal" if "real" in found else "invalid", f"{value!r} is {found}", f"use {expected}"
    elif spec.kind == "sources":
        yield from _check_sources(value, sources)
    elif spec.kind == "review":
        yield from _check_review(value, today)
    elif spec.kind == "flags":
        yield from _check_flags(value)
    elif spec.kind == "reply":
        yield from _check_reply(value, language)


def _check_sources(value: Any, sources: dict[str, str]) -> Iterable[tuple[str, str, str]]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        yield "type", f"expected a list of citations, found {value!r}", "write a list of 'KEY url (what it says)'"
        return
    for entry in value:
        key, _, rest = entry.partition(" ")
        if key not in sources:
            close = difflib.get_close_matches(key, list(sources), n=1)
            yield ("invalid", f"source key {key!r} is not in cases/{SOURCES_FILE}",
                   (f"did you mean {close[0]!r}? " if close else "") + f"cite a key listed in cases/{SOURCES_FILE}")
        elif not rest.startswith(sources[key]):
            yield ("invalid", f"{key} is cited with {rest.split(' ')[0]!r}, but {key} is {sources[key]}",
                   f"write '{key} {sources[key]} (what it says)'")


def _check_review(value: Any, today: dt.date) -> Iterable[tuple[str, str, str]]:
    fix = "write review: {state: draft|approved|archived, reviewer: NAME, date: YYYY-MM-DD}"
    if not isinstance(value, dict):
        yield "type", f"expected a mapping, found {value!r}", fix
        return
    state = value.get("state")
    if state not in REVIEW_STATES:
        yield "invalid", f"state {state!r} is not allowed", f"use {choice_list(REVIEW_STATES)}"
    unknown = set(value) - {"state", "reviewer", "date"}
    if unknown:
        yield "unknown", f"review has unknown keys {sorted(unknown)}", fix
    if state in {"approved", "archived"}:
        if not isinstance(value.get("reviewer"), str) or not value["reviewer"].strip():
            yield ("missing", f"a {state} case needs a reviewer",
                   "run `caseloop cases review ID --approve --reviewer NAME`")
        day = as_date(value.get("date"))
        if day is None or day > today:
            yield "invalid", f"review date {value.get('date')!r} is not a past date", "write it as YYYY-MM-DD"


def _check_flags(value: Any) -> Iterable[tuple[str, str, str]]:
    keys = {"date", "module", "cell", "flag", "statistic"}
    fix = "each entry needs date, module, cell, flag and a numeric statistic (rerun `caseloop revise`)"
    if not isinstance(value, list):
        yield "type", f"expected a list, found {value!r}", fix
        return
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or not keys <= set(entry):
            yield "invalid", f"entry {number} is {entry!r}", fix
        elif not isinstance(entry["statistic"], int | float) or as_date(entry["date"]) is None:
            yield "invalid", f"entry {number} has a bad date or statistic", fix


_REPLY_SECTIONS = {"must": "rules a correct reply meets", "wrong": "rules a reply must not break",
                   "facts": "numbers, versions, colours and days a reply must state right",
                   "topic": "words that show the reply is about the case"}
_REPLY_ITEM_KEYS = {"must": ("id", "zh", "en", "any"), "wrong": ("id", "zh", "en", "any"),
                    "facts": ("id", "zh", "en", "about", "value", "unit")}


def _check_reply(value: Any, language: Any) -> Iterable[tuple[str, str, str]]:
    """The `reply` block: known sections, each rule and fact complete (id, zh, en), concepts the lexicon has in
    the case's language, valid `re:` patterns, numeric values, known units, a lowercase topic."""
    # Imported when a reply block is checked, so that importing caseloop.cases does not import caseloop.checks.
    from caseloop.checks.concepts import lexicon

    if not isinstance(value, dict):
        yield "type", f"expected a mapping, found {value!r}", "write reply: {must, wrong, facts, topic} as in C-0001"
        return
    for key in value:
        if key not in _REPLY_SECTIONS:
            close = difflib.get_close_matches(str(key), list(_REPLY_SECTIONS), n=1)
            yield "unknown", f"reply has an unknown key {key!r}", f"rename it to {close[0]!r}" if close else (
                "use only " + ", ".join(f"{name} ({what})" for name, what in _REPLY_SECTIONS.items()))
    for section in ("must", "topic"):
        if not value.get(section):
            yield "missing", f"reply has no {section}", f"add {section}: {_REPLY_SECTIONS[section]}"
    for section, keys in _REPLY_ITEM_KEYS.items():
        items = value.get(section) or []
        if not isinstance(items, list):
            yield ("type", f"reply.{section} is {items!r}, not a list",
                   f"write {section} as a list of {{{', '.join(keys)}}}")
            continue
        ids = [item.get("id") for item in items if isinstance(item, dict)]
        for twice in sorted({str(i) for i in ids if ids.count(i) > 1}):
            yield "duplicate", f"reply.{section}: the id {twice!r} is used twice", "give each rule its own id"
        for number, item in enumerate(items, start=1):
            yield from _check_reply_item(f"reply.{section}[{number}]", keys, item, lexicon(), language)
    topic = value.get("topic")
    if topic and (not isinstance(topic, list) or not all(isinstance(word, str) and word.strip() for word in topic)):
        yield "type", f"reply.topic is {topic!r}, not a list of words", "write topic: [word, short phrase, ...]"
    elif topic and any(word != word.lower() for word in topic):
        yield "invalid", f"reply.topic {topic!r} has capital letters", "write the topic words in lowercase"


def _check_reply_item(where: str, keys: tuple[str, ...], item: Any, concepts: dict,
                      language: Any) -> Iterable[tuple[str, str, str]]:
    """One rule ({id, zh, en, any}) or fact ({id, zh, en, about, value, unit}) of a reply block."""
    from caseloop.checks.caserules import FACT_KINDS
    from caseloop.checks.concepts import REGEX_PREFIX

    if not isinstance(item, dict):
        yield "type", f"{where} is {item!r}, not a mapping", f"write it as {{{', '.join(keys)}}}"
        return
    where = f"{where} ({item['id']})" if isinstance(item.get("id"), str) else where
    for key in set(item) - set(keys):
        yield "unknown", f"{where} has an unknown key {key!r}", f"use only {', '.join(keys)}"
    for key in ("id", "zh", "en", "unit") + (("about",) if "about" in item else ()):
        if key in keys and (not isinstance(item.get(key), str) or not item[key].strip()):
            what = "the text the trainee sees, in the terms of this case" if key in {"zh", "en"} else "a value"
            yield "missing", f"{where} has no {key}", f"add {key}: {what}"
    names = [(item["about"], "a concept id of caseloop/checks/concepts.yaml")] if isinstance(item.get("about"),
                                                                                              str) else []
    if "any" in keys:
        entries = item.get("any")
        if not isinstance(entries, list) or not entries or not all(isinstance(e, str) for e in entries):
            yield "missing", f"{where} has no list of concepts in any", "write any: [concept, 're:<regex>', ...]"
            entries = []
        for entry in entries:
            if not entry.startswith(REGEX_PREFIX):
                names.append((entry, "a concept id of caseloop/checks/concepts.yaml or 're:<regex>'"))
                continue
            try:
                re.compile(entry[len(REGEX_PREFIX):])
            except re.error as err:
                yield "invalid", f"{where}: {entry!r} is not a valid regular expression ({err})", "fix the pattern"
    for name, allowed in names:
        if name not in concepts:
            close = difflib.get_close_matches(name, list(concepts), n=1)
            yield ("invalid", f"{where} names the unknown concept {name!r}",
                   (f"did you mean {close[0]!r}? " if close else "") + f"use {allowed}")
        elif isinstance(language, str) and language not in concepts[name].patterns:
            yield ("invalid", f"{where}: the concept {name!r} has no patterns in {language!r}",
                   f"add {language} patterns to {name} in caseloop/checks/concepts.yaml")
    kind = FACT_KINDS.get(item.get("unit")) if isinstance(item.get("unit"), str) else None
    if "value" in keys and kind is not None and not kind.parse(item.get("value")):
        yield "invalid", f"{where} has value {item.get('value')!r}, not {kind.value_help}", f"write {kind.value_help}"
    if "unit" in keys and isinstance(item.get("unit"), str) and kind is None:
        close = difflib.get_close_matches(item["unit"], list(FACT_KINDS), n=1)
        yield "invalid", f"{where} has the unit {item['unit']!r}", (f"did you mean {close[0]!r}? " if close
                                                                   else "") + f"use one of {', '.join(FACT_KINDS)}"


def check_case(case: Any, path: Path, sources: dict[str, str], today: dt.date | None = None) -> list[Problem]:
    """Every schema problem of one parsed case file (file name, fields, state-dependent rules)."""
    today = today or dt.date.today()
    if not isinstance(case, dict):
        return [Problem(path, "(file)", "file", f"expected a mapping of fields, found {type(case).__name__}",
                        "start from `caseloop cases new` and keep one `field: value` per line")]
    problems = []
    for name in case:
        if name not in FIELD_NAMES:
            close = difflib.get_close_matches(str(name), FIELD_NAMES, n=1)
            problems.append(Problem(path, str(name), "unknown", "not a case field",
                                    f"rename it to {close[0]!r}" if close else "remove it"))
    for spec in FIELDS:
        if spec.name not in case:
            if spec.required:
                problems.append(Problem(path, spec.name, "missing", "the field is missing",
                                        f"add {spec.name}: {spec.expected}"))
            continue
        if is_todo(case[spec.name]):
            problems.append(Problem(path, spec.name, "unfinished", f"still marked {TODO}",
                                    f"replace {TODO} with {spec.expected}"))
            continue
        problems += [Problem(path, spec.name, kind, detail, fix)
                     for kind, detail, fix in _check_field(spec, case[spec.name], sources, today,
                                                                 case.get("language"))]
    problems += _check_content(case, path)
    if isinstance(case.get("id"), str) and path.stem != case["id"]:
        problems.append(Problem(path, "id", "file", f"the file name {path.name} does not match id {case['id']}",
                                f"rename the file to {case['id']}.yaml or correct the id"))
    return problems


def _check_content(case: dict, path: Path) -> list[Problem]:
    """Rules across fields: no personal data in free text; approved cases are finished and cite sources."""
    problems = []
    for name in _FREE_TEXT:
        for text in _strings(case.get(name)):
            for _, _, kind, original, _ in find_personal_data(text, kinds=_PERSONAL_KINDS):
                problems.append(Problem(path, name, "personal", f"contains {kind.replace('_', ' ')} {original!r}",
                                        "scrub the text with `caseloop cases scrub` and paste the result"))
    state = case.get("review", {}).get("state") if isinstance(case.get("review"), dict) else None
    if state in {"approved", "archived"}:
        if not case.get("policy_sources"):
            problems.append(Problem(path, "policy_sources", "unfinished", f"a {state} case cites no policy source",
                                    f"cite the rule it relies on with a key from cases/{SOURCES_FILE}"))
        name, reply = case.get("buyer_name"), case.get("reply_template")
        if isinstance(name, str) and isinstance(reply, str) and name not in reply:
            problems.append(Problem(path, "reply_template", "invalid", f"the reply does not greet {name!r}",
                                    "greet the buyer by buyer_name, as agents must"))
    return problems


class _CaseLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML's safe loader (libyaml when present) that keeps dates as text, so a bad date is a field error."""


_CaseLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def yaml_loader() -> type:
    return _CaseLoader


def read_sources(folder: Path) -> tuple[dict[str, str], list[Problem]]:
    """The citable source register (key -> address) kept beside the cases."""
    path = folder / SOURCES_FILE
    fix = f"keep cases/{SOURCES_FILE} as a mapping of source key to address, e.g. M1: sellercentral.amazon.com/..."
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())
    except FileNotFoundError:
        return {}, [Problem(path, "(file)", "file", "the source register is missing", fix)]
    except yaml.YAMLError as err:
        return {}, [Problem(path, "(file)", "file", f"not valid YAML ({err})", fix)]
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return {}, [Problem(path, "(file)", "file", "expected key: address pairs", fix)]
    return {str(k): v for k, v in data.items()}, []


@dataclass
class LibraryFiles:
    """Every case file of a folder, parsed, with every problem found in it."""

    cases: dict[Path, dict] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_library(folder: Path, today: dt.date | None = None) -> LibraryFiles:
    """Parse and check every case file in `folder` (nothing is written), including duplicate ids."""
    if not folder.is_dir():
        raise CourseError(f"{folder}: no case library here; create the folder or pass --course DIR")
    sources, problems = read_sources(folder)
    result = LibraryFiles(problems=problems)
    first_file: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        if path.name == SOURCES_FILE:
            continue
        try:
            case = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())
        except yaml.YAMLError as err:
            where = getattr(err, "problem_mark", None)
            line = f"line {where.line + 1}" if where else "(file)"
            result.problems.append(Problem(path, line, "file", f"not valid YAML: {getattr(err, 'problem', err)}",
                                           "fix the syntax there (quote text with ': ' in it, indent blocks)"))
            continue
        problems = check_case(case, path, sources, today)
        case_id = case.get("id") if isinstance(case, dict) else None
        if isinstance(case_id, str) and case_id in first_file:
            problems.append(Problem(path, "id", "duplicate", f"{case_id} is also the id of {first_file[case_id]}",
                                    f"give this case a free id, e.g. {next_case_id(first_file)}, "
                                    "and rename the file to match"))
        elif isinstance(case_id, str):
            first_file[case_id] = path
        result.problems += problems
        if not problems:
            result.cases[path] = case
    return result


def next_case_id(ids: Iterable[str]) -> str:
    """The id after the highest existing one."""
    numbers = [int(i[2:]) for i in ids if CASE_ID.fullmatch(i)]
    return f"C-{max(numbers, default=0) + 1:04d}"
