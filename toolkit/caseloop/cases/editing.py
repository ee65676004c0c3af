"""Writing case files: new drafts and review decisions, atomically."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from caseloop.cases.labels import MARKETS, PROBLEM_TYPES, REVIEW_STATES
from caseloop.cases.library import LIST_EVERY_CASE, library_command
from caseloop.cases.schema import (
    FIELD_NAMES,
    FIELDS,
    TODO,
    check_case,
    choice_list,
    is_todo,
    next_case_id,
    read_sources,
    yaml_loader,
)
from caseloop.cases.scrub import Replacement, scrub
from caseloop.cases.ticket import pseudonymise, signer, without_mail_headers
from caseloop.course import CourseError, write_atomically
from caseloop.languages import MARKET_LANGUAGE
from caseloop.schemas import modeline

_FIELD_NOTES = {spec.name: spec.expected for spec in FIELDS}


def _flow(value: Any) -> str:
    """A value as one line of YAML (quoted only where YAML needs it)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def render_case(case: dict, notes: dict[str, str] | None = None) -> str:
    """A case as a human-editable YAML file in the library's house style (block text, one item a line).

    A field marked TODO gets what to write as a comment; `notes` adds a comment to other fields.
    """
    notes = notes or {}
    lines = []
    for name, value in case.items():
        if isinstance(value, str) and "\n" in value.strip() and not value.startswith((" ", "\t")):
            lines += [f"{name}: |", *(f"  {line}".rstrip() for line in value.strip("\n").split("\n"))]
        elif isinstance(value, list) and name != "tags" and all(isinstance(item, str) for item in value) and value:
            lines += [f"{name}:", *(f"  - {_flow(item)}" for item in value)]
        else:
            note = notes.get(name) or (_FIELD_NOTES.get(name) if value == TODO else None)
            lines.append(f"{name}: {_flow(value)}" + (f"  # {note}" if note else ""))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Draft:
    """A new case before it is written: its fields, comments for some of them, what scrubbing replaced."""

    case: dict
    notes: dict[str, str]
    replacements: list[Replacement]
    pseudonyms: dict[int, str]

    @property
    def todo(self) -> list[str]:
        """The fields a person must still fill in."""
        return [name for name, value in self.case.items() if is_todo(value)]


def draft_case(case_id: str, problem_type: str, market: str, title: str | None = None,
               ticket: str | None = None, names: Iterable[str] = ()) -> Draft:
    """A new draft case, every field present: what the ticket says filled in, the rest marked TODO.

    Nothing is guessed: the date, root cause, outcome, fulfilment, order id and language stay TODO unless
    the ticket shows them. The buyer message is the scrubbed ticket without its mail headers, its names
    replaced by pseudonyms; the one who signs it becomes `buyer_name`.
    """
    for value, labels, what in ((problem_type, PROBLEM_TYPES, "problem type"), (market, MARKETS, "market")):
        if value not in labels:
            raise CourseError(f"unknown {what} {value!r}; use {choice_list(labels)}")
    # Imported here, so that importing caseloop.cases does not import caseloop.checks.
    from caseloop.checks.languages import detect_language

    names = list(names)
    scrubbed, replacements = scrub(ticket, names) if ticket else ("", [])
    body = without_mail_headers(scrubbed) if ticket else ""
    language = detect_language(body) if body.strip() else None
    real_names = [r.original for r in replacements if r.kind == "name"] + names
    body, pseudonyms = pseudonymise(body, language or MARKET_LANGUAGE.get(market, "en"), real_names)
    buyer = pseudonyms.get(signer(scrubbed) or 0) or pseudonyms.get(signer(body) or 0)
    order_ids = [r.replacement for r in replacements if r.kind == "order_id"]
    todo = f"{TODO}: {{}}"
    case = {
        "id": case_id, "title": title or todo.format("what happened, in one line"),
        "summary_zh": todo.format("中文摘要：问题、原因、处理"), "problem_type": problem_type, "market": market,
        "date": TODO, "product_line": todo.format("product line"), "order_id": order_ids[0] if order_ids else TODO,
        "fulfilment": TODO, "buyer_name": buyer or todo.format("a pseudonym"), "language": language or TODO,
        "buyer_message": body.strip() + "\n" if body.strip() else todo.format("paste the scrubbed buyer message"),
        **{spec.name: todo.format(spec.expected) for spec in FIELDS if spec.kind == "text" and spec.name not in
           {"title", "summary_zh", "product_line", "buyer_name"}},
        "root_cause_category": TODO,
        "reply_template": todo.format("the reply, greeting the buyer by buyer_name"),
        **{spec.name: [todo.format(spec.expected)] for spec in FIELDS if spec.kind == "list"},
        "outcome": TODO, "policy_sources": [], "review": {"state": "draft", "reviewer": None, "date": None},
    }
    notes = {"order_id": "scrubbed"} if order_ids else {}
    if buyer:
        notes["buyer_name"] = "pseudonym of the name that signs the ticket; check it"
    return Draft({name: case[name] for name in FIELD_NAMES if name in case}, notes, replacements, pseudonyms)


def new_case(folder: Path, problem_type: str, market: str, title: str | None = None, ticket: str | None = None,
             names: Iterable[str] = ()) -> tuple[Path, Draft]:
    """Write a draft case file with the next free id; return its path and the draft (what was scrubbed, what is
    left to do).

    Its first line points editors to the published case schema (caseloop/schemas/case.schema.json).
    """
    if not folder.is_dir():
        raise CourseError(f"{folder}: no case library here; create the folder or pass --course DIR")
    case_id = next_case_id(path.stem for path in folder.glob("C-*.y*ml"))
    draft = draft_case(case_id, problem_type, market, title, ticket, names)
    path = folder / f"{case_id}.yaml"
    write_atomically(path, modeline("case", path) + "\n" + render_case(draft.case, draft.notes))
    return path, draft


def set_review(folder: Path, case_id: str, state: str, reviewer: str, on: dt.date | None = None) -> Path:
    """Record a review decision in a case file; approving requires the case to pass every check first.

    Only the `review:` entry changes; comments and the rest of the file stay as the trainer wrote them.
    The round-trip YAML module is imported here, on a write, so that reading the library does not load it.
    """
    from caseloop import yamlfile

    if state not in REVIEW_STATES:
        raise CourseError(f"unknown review state {state!r}; use {choice_list(REVIEW_STATES)}")
    path = folder / f"{case_id}.yaml"
    if not path.is_file():
        raise CourseError(f"{path}: no such case file; check the id with `{library_command(folder, LIST_EVERY_CASE)}`")
    try:
        document = yamlfile.load(path)
    except yamlfile.YAMLError as err:
        raise CourseError(f"{path}: not valid YAML ({yamlfile.problem(err)}); fix it, then review again") from None
    case, review = document.data, {"state": state, "reviewer": reviewer, "date": on or dt.date.today()}
    if isinstance(case, dict) and isinstance(case.get("review"), dict):
        yamlfile.update(case["review"], review)  # in place: a block entry stays a block, its comments stay
    elif isinstance(case, dict):
        case["review"] = yamlfile.flow(review)
    sources, _ = read_sources(folder)
    problems = check_case(yaml.load(document.dumps(), Loader=yaml_loader()), path, sources)
    if problems:
        listing = "\n  ".join(str(problem) for problem in problems)
        raise CourseError(f"{path} cannot be marked {state}; the file is unchanged. Fix these first:\n  {listing}")
    yamlfile.save(path, document)
    return path
