"""The case file's schema and its validation: every problem names the file, line, field and fix."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from caseloop.cases.labels import (
    FULFILMENT,
    MARKETS,
    OUTCOMES,
    PROBLEM_TYPES,
    ROOT_CAUSES,
    SOURCES_FILE,
    Labels,
)
from caseloop.cases.scrub import ORDER_ID, find_personal_data
from caseloop.course import CourseError
from caseloop.languages import LANGUAGES
from caseloop.schemas import Document

if TYPE_CHECKING:
    pass

@dataclass(frozen=True)
class Field:
    """One field of a case file: its kind (how it is checked) and what a valid value looks like."""

    name: str
    kind: str
    expected: str
    required: bool = True


def choice_list(labels: Labels) -> str:
    return "one of " + ", ".join(labels)


FIELDS = [
    Field("id", "case_id", "C- and four digits, the same as the file name, e.g. C-0042"),
    Field("title", "text", "one line saying what happened"),
    Field("summary_zh", "text", "一两句中文摘要：问题、原因、处理 / a Chinese summary: problem, cause, fix"),
    Field("problem_type", "choice", choice_list(PROBLEM_TYPES)),
    Field("market", "choice", choice_list(MARKETS)),
    Field("date", "date", "the ticket's date as YYYY-MM-DD, not in the future"),
    Field("product_line", "text", "the product line, e.g. wireless earbuds"),
    Field("order_id", "order_id", "a scrubbed order id NNN-0000000-NNNNNNN (run `caseloop cases scrub`)"),
    Field("fulfilment", "choice", choice_list(FULFILMENT)),
    Field("buyer_name", "text", "a pseudonym, never the buyer's real name"),
    Field("language", "choice", "the buyer message's language, " + choice_list(LANGUAGES)),
    Field("buyer_message", "scrubbed_text", "the buyer's words, scrubbed, as a block (`buyer_message: |`)"),
    Field("core_demand", "text", "what the buyer really wants, in one sentence"),
    Field("root_cause", "text", "why it happened, in one or two sentences"),
    Field("root_cause_category", "choice", choice_list(ROOT_CAUSES)),
    Field("resolution_steps", "list", "a list of the steps taken, in order"),
    Field("reply_template", "scrubbed_text", "the reply sent, greeting the buyer by buyer_name"),
    Field("key_points", "list", "a list of the points a good reply must make"),
    Field("outcome", "choice", choice_list(OUTCOMES)),
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
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.field}: {KIND_LABELS[self.kind]}: {self.detail}; fix: {self.fix}"


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
    """(kind, detail, fix) for each problem of one field's value that its schema cannot state (`language`: the
    case's, for its reply rules); types, choices and forms are the schema's (caseloop/schemas/case.schema.json)."""
    if spec.kind == "date" and (as_date(value) or today) > today:
        yield "invalid", f"{value!r} is not a past date", f"write {spec.expected}"
    elif spec.kind == "order_id" and not SCRUBBED_ORDER_ID.fullmatch(value):
        found = "a real (unscrubbed) order id" if ORDER_ID.fullmatch(value) else "not an order id"
        yield "personal" if "real" in found else "invalid", f"{value!r} is {found}", f"use {spec.expected}"
    elif spec.kind == "sources":
        yield from _check_sources(value, sources)
    elif spec.kind == "review":
        yield from _check_review(value, today)
    elif spec.kind == "reply":
        yield from _check_reply(value, language)


def _check_sources(value: list[str], sources: dict[str, str]) -> Iterable[tuple[str, str, str]]:
    for entry in value:
        key, _, rest = entry.partition(" ")
        if key not in sources:
            close = difflib.get_close_matches(key, list(sources), n=1)
            yield ("invalid", f"source key {key!r} is not in cases/{SOURCES_FILE}",
                   (f"did you mean {close[0]!r}? " if close else "") + f"cite a key listed in cases/{SOURCES_FILE}")
        elif not rest.startswith(sources[key]):
            yield ("invalid", f"{key} is cited with {rest.split(' ')[0]!r}, but {key} is {sources[key]}",
                   f"write '{key} {sources[key]} (what it says)'")


def _check_review(value: dict, today: dt.date) -> Iterable[tuple[str, str, str]]:
    """An approved or archived case names its reviewer and a past review date."""
    state = value["state"]
    if state in {"approved", "archived"}:
        if not isinstance(value.get("reviewer"), str) or not value["reviewer"].strip():
            yield ("missing", f"a {state} case needs a reviewer",
                   "run `caseloop cases review ID --approve --reviewer NAME`")
        day = as_date(value.get("date"))
        if day is None or day > today:
            yield "invalid", f"review date {value.get('date')!r} is not a past date", "write it as YYYY-MM-DD"


def _check_reply(value: dict, language: Any) -> Iterable[tuple[str, str, str]]:
    """The `reply` block beyond its schema: ids used once per section, concepts the lexicon has in the case's
    language, valid `re:` patterns, a lowercase topic."""
    # Imported when a reply block is checked, so that importing caseloop.cases does not import caseloop.checks.
    from caseloop.checks.caserules import FACT_KINDS
    from caseloop.checks.concepts import REGEX_PREFIX, lexicon

    for section in ("must", "wrong", "facts"):
        items = value.get(section) or []
        ids = [item["id"] for item in items]
        for twice in sorted({i for i in ids if ids.count(i) > 1}):
            yield "duplicate", f"reply.{section}: the id {twice!r} is used twice", "give each rule its own id"
        for number, item in enumerate(items, start=1):
            where = f"reply.{section}[{number}] ({item['id']})"
            names = [(item["about"], "a concept id of caseloop/checks/concepts.yaml")] if "about" in item else []
            for entry in item.get("any", []):
                if not entry.startswith(REGEX_PREFIX):
                    names.append((entry, "a concept id of caseloop/checks/concepts.yaml or 're:<regex>'"))
                    continue
                try:
                    re.compile(entry[len(REGEX_PREFIX):])
                except re.error as err:
                    yield "invalid", f"{where}: {entry!r} is not a valid regular expression ({err})", "fix the pattern"
            yield from _check_concepts(where, names, lexicon(), language)
            kind = FACT_KINDS[item["unit"]] if section == "facts" else None
            if kind is not None and not kind.parse(item["value"]):
                yield ("invalid", f"{where} has value {item['value']!r}, not {kind.value_help}",
                       f"write {kind.value_help}")
    if any(word != word.lower() for word in value["topic"]):
        yield "invalid", f"reply.topic {value['topic']!r} has capital letters", "write the topic words in lowercase"


def _check_concepts(where: str, names: list[tuple[str, str]], concepts: dict,
                    language: Any) -> Iterable[tuple[str, str, str]]:
    """Each concept a rule names is in the lexicon, with patterns in the case's language."""
    for name, allowed in names:
        if name not in concepts:
            close = difflib.get_close_matches(name, list(concepts), n=1)
            yield ("invalid", f"{where} names the unknown concept {name!r}",
                   (f"did you mean {close[0]!r}? " if close else "") + f"use {allowed}")
        elif isinstance(language, str) and language not in concepts[name].patterns:
            yield ("invalid", f"{where}: the concept {name!r} has no patterns in {language!r}",
                   f"add {language} patterns to {name} in caseloop/checks/concepts.yaml")


def check_case(case: Any, path: Path, sources: dict[str, str], today: dt.date | None = None,
               text: str | None = None) -> list[Problem]:
    """Every problem of one parsed case file: its schema (caseloop/schemas/case.schema.json), then what the schema
    cannot state (the source register, personal data, rules by review state, the file name).

    `text` is the file's text, to give each problem its line.
    """
    today = today or dt.date.today()
    if not isinstance(case, dict):
        return [Problem(path, "(file)", "file", f"expected a mapping of fields, found {type(case).__name__}",
                        "start from `caseloop cases new` and keep one `field: value` per line")]
    document = Document(path, text or "", case)
    unfinished = {spec.name for spec in FIELDS if spec.name in case and is_todo(case[spec.name])}
    found = [f for f in document.problems("case") if f.field.split(".")[0].split("[")[0] not in unfinished]
    problems = [Problem(path, f.field, f.kind, f"{f.zh} / {f.en}", f.fix, f.line) for f in found]
    problems += [Problem(path, spec.name, "unfinished", f"still marked {TODO}", f"replace {TODO} with {spec.expected}",
                         document.line([spec.name])) for spec in FIELDS if spec.name in unfinished]
    broken = {f.field.split(".")[0].split("[")[0] for f in found} | unfinished
    for spec in FIELDS:
        if spec.name in case and spec.name not in broken:
            problems += [Problem(path, spec.name, kind, detail, fix, document.line([spec.name]))
                         for kind, detail, fix in _check_field(spec, case[spec.name], sources, today,
                                                               case.get("language"))]
    problems += [replace(problem, line=document.line([problem.field])) for problem in _check_content(case, path)]
    if isinstance(case.get("id"), str) and path.stem != case["id"]:
        problems.append(Problem(path, "id", "file", f"the file name {path.name} does not match id {case['id']}",
                                f"rename the file to {case['id']}.yaml or correct the id", document.line(["id"])))
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
        text = path.read_text(encoding="utf-8")
        try:
            case = yaml.load(text, Loader=yaml_loader())
        except yaml.YAMLError as err:
            where = getattr(err, "problem_mark", None)
            line = f"line {where.line + 1}" if where else "(file)"
            result.problems.append(Problem(path, line, "file", f"not valid YAML: {getattr(err, 'problem', err)}",
                                           "fix the syntax there (quote text with ': ' in it, indent blocks)"))
            continue
        problems = check_case(case, path, sources, today, text)
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
