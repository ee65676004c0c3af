"""`caseloop author lint`: check source notebooks statically before they are released.

Every graded cell tagged with a known competency and an existing case, positive points equal to
the `points=` its checks pass, balanced solution and hidden-test markers, mentor rubric cells
that review a reply, and no platform-policy number written into a test cell instead of
`checks.policy(...)`. Warnings (which do not fail lint): a policy entry last checked against its
source more than a year ago, and a graded cell that teaches a policy number for a market the
entry does not hold for (the market of the cell's case).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from caseloop.compile import COMPETENCY_MAP_FILE, competency_map
from caseloop.course import Course
from caseloop.course.rubric import BY_CODE
from caseloop.notebook import (
    ANSWER_KINDS,
    CHECK_FUNCTIONS,
    MARKERS,
    answer_variable,
    call_argument,
    cell_name,
    check_calls,
    is_rubric_cell,
    reply_tests,
)

UNIT_WORDS = {"hours": "hours", "hour": "hours", "days": "days", "day": "days", "business days": "days",
              "months": "months", "month": "months", "percent": "percent", "%": "percent"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a module: the file, the cell and what to do about it."""

    path: Path
    cell: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}: cell {self.cell}" if self.cell else str(self.path)
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


def _marker_problems(cell: Any) -> list[str]:
    """Unbalanced or misplaced nbgrader markers in one cell."""
    grading = cell.metadata.get("nbgrader", {})
    problems = []
    for begin, end in MARKERS:
        opened = 0
        for line in cell.source.splitlines():
            if line.strip() == begin:
                opened += 1
                if opened > 1:
                    problems.append(f"'{begin}' again before '{end}'")
            elif line.strip() == end:
                opened -= 1
                if opened < 0:
                    problems.append(f"'{end}' without '{begin}' before it")
                    opened = 0
        if opened > 0:
            problems.append(f"'{begin}' is never closed by '{end}'")
        present = begin in cell.source
        if present and begin.endswith("SOLUTION") and not grading.get("solution"):
            problems.append(f"'{begin}' in a cell that is not an nbgrader solution cell; mark it as one")
        if present and begin.endswith("TESTS") and not grading.get("grade"):
            problems.append(f"'{begin}' in a cell that is not graded; make it an autograded test cell")
    return problems


def _policy_numbers() -> dict[tuple[float, str], list[str]]:
    """(value, unit family) -> the policy keys with that number, for every number in policy.yaml."""
    from caseloop.checks.policy import policy_table

    numbers = {}
    for key, entry in policy_table().items():
        unit = UNIT_WORDS.get(str(entry.get("unit", "")).lower())
        if unit and isinstance(entry["value"], int | float):
            numbers.setdefault((float(entry["value"]), unit), []).append(key)
    return numbers


def lint_notebook(path: Path, competencies: set[str], cases: Mapping[str, dict] | None,
                  mapped: Mapping[str, dict] | None = None) -> list[Problem]:
    """Every problem lint finds in one source notebook.

    `cases` is None in a course without a case library, where a case tag names an exercise;
    `mapped` holds the competency map's tags by grade id, for cells without caseloop metadata.
    """
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # any unreadable notebook is a problem to report, not a crash
        return [Problem(path, "-", f"not a readable notebook ({type(err).__name__}: {err}); fix or re-save it")]
    policy_numbers = _policy_numbers()
    units = {}
    for cell in nb.cells:
        meta = cell.metadata.get("caseloop", {})
        if "answer" in meta:
            units[answer_variable(cell)] = UNIT_WORDS.get(meta.get("unit", ""))
    problems = []
    seen: set[str] = set()
    for cell in nb.cells:
        name = cell_name(cell)
        problems += [Problem(path, name, message) for message in _marker_problems(cell)]
        kind = cell.metadata.get("caseloop", {}).get("answer")
        if kind is not None and kind not in ANSWER_KINDS:
            problems.append(Problem(path, name, f"unknown answer kind {kind!r}; use one of {sorted(ANSWER_KINDS)}"))
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("grade_id"):
            if grading["grade_id"] in seen:
                problems.append(Problem(path, name, "grade_id used twice; give each cell its own"))
            seen.add(grading["grade_id"])
        if not grading.get("grade") and not grading.get("task"):
            continue
        tags = {**(mapped or {}).get(grading.get("grade_id"), {}), **cell.metadata.get("caseloop", {})}
        problems += _lint_graded(path, cell, tags, competencies, cases, policy_numbers, units)
    problems += [Problem(path, cell_name(cell), message) for cell, message in _rubric_problems(nb.cells)]
    return problems


def _rubric_problems(cells: list[Any]) -> list[tuple[Any, str]]:
    """Mentor rubric cells that name an unknown criterion, or review no reply test cell of the notebook."""
    tests = {c.metadata["nbgrader"]["grade_id"] for c in reply_tests(cells)}
    problems = []
    for cell in cells:
        tags = cell.metadata.get("caseloop", {})
        if not is_rubric_cell(cell):
            continue
        if not cell.metadata.get("nbgrader", {}).get("task"):
            problems.append((cell, "a mentor rubric cell must be an nbgrader task cell (graded by hand); "
                                   "recreate it with `caseloop author rubric`"))
        if tags.get("rubric") not in BY_CODE:
            problems.append((cell, f"unknown rubric criterion {tags.get('rubric')!r}; use one of {sorted(BY_CODE)}"))
        if tags.get("reviews") not in tests:
            problems.append((cell, f"reviews {tags.get('reviews')!r}, which is not a reply test cell (checks.reply) "
                                   "of this notebook; point it at one"))
    return problems


def _lint_graded(path: Path, cell: Any, tags: dict, competencies: set[str], cases: Mapping[str, dict] | None,
                 policy_numbers: dict[tuple[float, str], list[str]], units: dict[str, str | None]) -> list[Problem]:
    """Problems of one graded cell: tags (its metadata, else the competency map), points, hard-coded policy numbers."""
    name = cell_name(cell)
    points = cell.metadata["nbgrader"].get("points", 0)
    problems = []
    codes = tags.get("competency") or []
    if not codes:
        problems.append(f"no competency; add \"caseloop\": {{\"competency\": [...]}} with codes from "
                        f"{sorted(competencies)}, or tag the cell in source/{COMPETENCY_MAP_FILE}")
    for code in codes:
        if code not in competencies:
            problems.append(f"unknown competency {code!r}; use one of {sorted(competencies)} (source/curriculum.yaml)")
    if not tags.get("case"):
        problems.append("no case; add \"caseloop\": {\"case\": \"C-NNNN\"}")
    elif cases is not None and tags["case"] not in cases:
        problems.append(f"case {tags['case']} has no file cases/{tags['case']}.yaml; add the case or fix the id")
    if not isinstance(points, int | float) or points <= 0:
        problems.append(f"points must be positive (is {points!r})")
    problems += _market_problems(cell.source, tags.get("case"), cases)
    for call in check_calls(cell.source):
        if call.func.attr == "reply" and cases is not None:
            problems += _reply_problems(call, tags.get("case"), cases)
        given = call_argument(call, "points", CHECK_FUNCTIONS[call.func.attr])
        if isinstance(given, ast.Constant) and given.value != points:
            problems.append(f"checks.{call.func.attr}(... points={given.value}) but the cell is worth {points} "
                            "points; make them equal")
        expected = call_argument(call, "expected", 1)
        answer = call.args[0] if call.args else None
        unit = units.get(answer.id) if isinstance(answer, ast.Name) else None
        if isinstance(expected, ast.Constant) and isinstance(expected.value, int | float) and unit:
            keys = policy_numbers.get((float(expected.value), unit))
            if keys:
                named = " or ".join(f"checks.policy({key!r})" for key in keys)
                problems.append(f"policy number {expected.value} {unit} written into the test; use expected={named} "
                                "(whichever rule it is) so it changes in one place (policy.yaml)")
    return [Problem(path, name, message.removeprefix(WARNING), warning=message.startswith(WARNING))
            for message in problems]


WARNING = "warning\u0000"  # marks a message of _lint_graded that is a warning, not a problem


def _policy_keys(source: str) -> list[str]:
    """The keys of every `checks.policy("key")` call in a test cell, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "policy"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]


def _market_problems(source: str, case_id: str | None, cases: Mapping[str, dict] | None) -> list[str]:
    """Policy numbers a cell teaches for its case's market although the entry does not hold there."""
    from caseloop.checks.policy import policy_entry, policy_markets

    market = ((cases or {}).get(case_id) or {}).get("market")
    problems = []
    for key in _policy_keys(source):
        try:
            markets = policy_markets(key)
        except KeyError:
            problems.append(f"checks.policy({key!r}) names no entry of policy.yaml; use one of its keys")
            continue
        if market and markets is not None and market not in markets:
            problems.append(f"{WARNING}checks.policy({key!r}) is taught for case {case_id} ({market}), but the entry "
                            f"holds for {', '.join(sorted(markets))} only ({policy_entry(key)['source']}); cite the "
                            f"{market} rule and add {market} to its `markets:` in policy.yaml, or add an entry for "
                            f"{market}")
    return problems


def _reply_problems(call: ast.Call, case_id: str | None, cases: Mapping[str, dict]) -> list[str]:
    """A reply check must judge the reply against its own case, in a language the grader has phrases for."""
    from caseloop.checks.phrases import ELEMENTS

    named = call_argument(call, "case", 99)
    if not (isinstance(named, ast.Constant) and isinstance(named.value, str)):
        return [f"checks.reply(...) checks nothing specific to its case; add case={case_id!r} so the reply is judged "
                "against the case's reply rules (cases/<id>.yaml, `reply:`)"]
    if named.value != case_id:
        return [f"checks.reply(... case={named.value!r}) but the cell is tagged with case {case_id!r}; make them equal"]
    case = cases.get(named.value)
    if case is None:
        return []  # the missing case file is reported with the cell's tags
    problems = []
    if not (case.get("reply") or {}).get("must"):
        problems.append(f"cases/{named.value}.yaml has no `reply: must:` items; say what a correct reply must do for "
                        "this buyer (see README, 'How replies are graded')")
    given = call_argument(call, "language", 99)
    language = given.value if isinstance(given, ast.Constant) else case.get("language", "en")
    if language not in ELEMENTS:
        problems.append(f"reply language {language!r} has no rubric phrases; the grader knows {sorted(ELEMENTS)} "
                        "(caseloop/checks/phrases.py)")
    return problems


def policy_warnings(today: date | None = None) -> list[Problem]:
    """A warning for every policy entry last checked against its source more than a year ago (or never)."""
    from importlib import resources

    from caseloop.checks.policy import policy_entry, stale_policy_entries

    path = Path(str(resources.files("caseloop.checks").joinpath("policy.yaml")))
    return [Problem(path, "", f"{key} was last checked {checked or 'never'}, more than a year ago: compare it with "
                              f"{policy_entry(key)['source']} and update its value and `checked:`", warning=True)
            for key, checked in stale_policy_entries(today)]


def lint(course: Course, modules: list[str] | None = None, today: date | None = None) -> list[Problem]:
    """Every lint problem in the given modules (default: every module in source/), then the policy file's
    warnings; problems with `warning` set do not fail lint."""
    from caseloop.checks import casefile

    competencies = set(course.curriculum().competencies)
    cases = casefile.library(course.cases_dir).cases if course.cases_dir.is_dir() else None
    mapped: dict[tuple[str, str], dict] = {}
    for (module, notebook, cell), tags in competency_map(course).items():
        mapped.setdefault((module, notebook), {})[cell] = tags
    problems = []
    for module in modules or course.module_ids():
        for path in course.source_notebooks(module):
            problems += lint_notebook(path, competencies, cases, mapped.get((module, path.stem)))
    return problems + policy_warnings(today)
