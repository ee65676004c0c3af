"""Author stage: check modules before they are released, statically (lint) and by grading (check).

`lint` reads the source notebooks only: every graded cell tagged with a known competency and an
existing case, positive points equal to the `points=` its checks pass, balanced solution and
hidden-test markers, and no platform-policy number written into a test cell instead of
`checks.policy(...)`. `check` grades three submissions of each module through caseloop's real
grading path (nbgrader autograde) in a scratch course: the model answers must score full marks,
the blank release 0, and wrong answers must make every graded cell fail with a reason, so each
check's failure feedback is reachable. Cells graded by hand (a mentor's rubric) are listed as
waiting for a mentor.
"""

from __future__ import annotations

import ast
import re
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from caseloop.course import Course, CourseError, replacing

CHECK_FUNCTIONS = {"choice": 2, "number": 2, "date": 2, "reply": 1, "text": 1}  # name -> position of `points`
MARKERS = (("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"))
# An answer cell: `name = """` + the answer (in a source notebook, the model answer between the
# solution markers) + `"""`; trainees write between the triple quotes.
ANSWER_CELL = re.compile(r'^(?P<head>.*?^(?P<var>\w+) = """\n)(?P<body>.*?)(?P<tail>\n"""\s*)$',
                         re.DOTALL | re.MULTILINE)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(?P<text>.*?)\n### END SOLUTION", re.DOTALL)
UNIT_WORDS = {"hours": "hours", "hour": "hours", "days": "days", "day": "days", "business days": "days",
              "months": "months", "month": "months", "percent": "percent", "%": "percent"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a module: the file, the cell and what to do about it."""

    path: Path
    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: cell {self.cell}: {self.message}"


def _cell_name(cell: Any) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id") or cell.get("id", "?")


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


def check_calls(source: str) -> list[ast.Call]:
    """Every `checks.<check>(...)` call in a test cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "checks"
            and node.func.attr in CHECK_FUNCTIONS]


def _argument(call: ast.Call, name: str, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _policy_numbers() -> dict[tuple[float, str], list[str]]:
    """(value, unit family) -> the policy keys with that number, for every number in policy.yaml."""
    from caseloop import checks

    numbers = {}
    for key, entry in checks._policy_table().items():
        unit = UNIT_WORDS.get(str(entry.get("unit", "")).lower())
        if unit and isinstance(entry["value"], int | float):
            numbers.setdefault((float(entry["value"]), unit), []).append(key)
    return numbers


def lint_notebook(path: Path, competencies: set[str], cases: set[str]) -> list[Problem]:
    """Every problem lint finds in one source notebook."""
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
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            units[meta.get("variable") or grade_id.removesuffix("_answer")] = UNIT_WORDS.get(meta.get("unit", ""))
    problems = []
    seen: set[str] = set()
    for cell in nb.cells:
        name = _cell_name(cell)
        problems += [Problem(path, name, message) for message in _marker_problems(cell)]
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("grade_id"):
            if grading["grade_id"] in seen:
                problems.append(Problem(path, name, "grade_id used twice; give each cell its own"))
            seen.add(grading["grade_id"])
        if not grading.get("grade") and not grading.get("task"):
            continue
        problems += _lint_graded(path, cell, competencies, cases, policy_numbers, units)
    problems += [Problem(path, _cell_name(cell), message) for cell, message in _rubric_problems(nb.cells)]
    return problems


def _rubric_problems(cells: list[Any]) -> list[tuple[Any, str]]:
    """Mentor rubric cells that name an unknown criterion, or review no reply test cell of the notebook."""
    from caseloop.review import BY_CODE, reply_tests

    tests = {c.metadata["nbgrader"]["grade_id"] for c in reply_tests(cells)}
    problems = []
    for cell in cells:
        tags = cell.metadata.get("caseloop", {})
        if "rubric" not in tags and "reviews" not in tags:
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


def _lint_graded(path: Path, cell: Any, competencies: set[str], cases: set[str],
                 policy_numbers: dict[tuple[float, str], list[str]], units: dict[str, str | None]) -> list[Problem]:
    """Problems of one graded cell: tags, points, hard-coded policy numbers."""
    name, tags = _cell_name(cell), cell.metadata.get("caseloop", {})
    points = cell.metadata["nbgrader"].get("points", 0)
    problems = []
    codes = tags.get("competency") or []
    if not codes:
        problems.append(f"no competency; add \"caseloop\": {{\"competency\": [...]}} with codes from "
                        f"{sorted(competencies)}")
    for code in codes:
        if code not in competencies:
            problems.append(f"unknown competency {code!r}; use one of {sorted(competencies)} (source/curriculum.yaml)")
    if not tags.get("case"):
        problems.append("no case; add \"caseloop\": {\"case\": \"C-NNNN\"}")
    elif tags["case"] not in cases:
        problems.append(f"case {tags['case']} has no file cases/{tags['case']}.yaml; add the case or fix the id")
    if not isinstance(points, int | float) or points <= 0:
        problems.append(f"points must be positive (is {points!r})")
    for call in check_calls(cell.source):
        given = _argument(call, "points", CHECK_FUNCTIONS[call.func.attr])
        if isinstance(given, ast.Constant) and given.value != points:
            problems.append(f"checks.{call.func.attr}(... points={given.value}) but the cell is worth {points} "
                            "points; make them equal")
        expected = _argument(call, "expected", 1)
        answer = call.args[0] if call.args else None
        unit = units.get(answer.id) if isinstance(answer, ast.Name) else None
        if isinstance(expected, ast.Constant) and isinstance(expected.value, int | float) and unit:
            keys = policy_numbers.get((float(expected.value), unit))
            if keys:
                named = " or ".join(f"checks.policy({key!r})" for key in keys)
                problems.append(f"policy number {expected.value} {unit} written into the test; use expected={named} "
                                "(whichever rule it is) so it changes in one place (policy.yaml)")
    return [Problem(path, name, message) for message in problems]


def lint(course: Course, modules: list[str] | None = None) -> list[Problem]:
    """Every lint problem in the given modules (default: every module in source/)."""
    competencies = set(course.curriculum().competencies)
    cases = {p.stem for p in course.cases_dir.glob("C-*.yaml")}
    problems = []
    for module in modules or module_ids(course):
        for path in course.source_notebooks(module):
            problems += lint_notebook(path, competencies, cases)
    return problems


def module_ids(course: Course) -> list[str]:
    """Every module in source/ (folders with notebooks)."""
    return sorted(p.name for p in course.source_dir.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


# -- check: grade the model, blank and wrong versions through nbgrader ------------------------

VERSIONS = ("solution", "blank", "wrong")


@dataclass(frozen=True)
class CellResult:
    """How one graded cell scored under the three versions, and what is wrong with that."""

    module: str
    notebook: str
    cell: str
    max_score: float
    solution: float
    blank: float
    wrong: float
    wrong_failures: str
    by_mentor: bool = False  # a cell nbgrader leaves to a mentor (a rubric task): no autograde to check

    @property
    def problems(self) -> list[str]:
        found = []
        if self.by_mentor:
            return found
        if self.solution != self.max_score:
            found.append(f"the model answer scores {self.solution:g} of {self.max_score:g}; fix the solution "
                         "or the test")
        if self.blank != 0:
            found.append(f"the blank release scores {self.blank:g}; a test must give nothing for no answer")
        if self.wrong >= self.max_score:
            found.append(f"a wrong answer scores {self.wrong:g} of {self.max_score:g}; the test cannot fail")
        elif not self.wrong_failures:
            found.append(f"a wrong answer scores {self.wrong:g} but reports no failed check; end the test with a "
                         "checks.* Score (or checks.Score(points, max, [checks.Finding(code, False, zh, en)])) "
                         "so the grade table can say why")
        return found


def wrong_answer(kind: str, variable: str, solution_source: str, options: list[str]) -> str:
    """An answer cell's source with a wrong literal (or, for code, a wrong value) for its kind."""
    from caseloop import checks
    from caseloop.demo import WRONG_REPLY
    from caseloop.execute import literal_answers

    value = (literal_answers(solution_source) or {}).get(variable)
    text = checks._text(value)
    if kind == "choice":
        picked = checks.picked_option(text, "".join(options) or "ABCD")
        wrong = next(o for o in (options or list("ABCD")) if o != picked)
    elif kind == "number":
        wrong = f"{(checks._parse_number(text) or 0) * 2 + 7:g}"
    elif kind == "date":
        readings, _ = checks.parse_date(text)
        wrong = ((readings[0] if readings else date(2000, 1, 1)) + timedelta(days=40)).isoformat()
    elif kind == "code":
        return f"{variable} = None"
    else:
        wrong = WRONG_REPLY
    return f'{variable} = """\n{wrong}\n"""'


def _versions(course: Course, module: str) -> dict[str, dict[str, Any]]:
    """The three submissions of each released notebook of MODULE: notebook name -> version -> notebook."""
    import nbformat

    from caseloop import checks
    from caseloop.execute import assigned_variable

    result = {}
    for source_path in course.source_notebooks(module):
        source = {c.metadata.get("nbgrader", {}).get("grade_id"): c
                  for c in nbformat.read(source_path, as_version=4).cells}
        released = course.release_dir / module / source_path.name
        result[source_path.name] = {}
        for version in VERSIONS:
            nb = nbformat.read(released, as_version=4)
            for cell in nb.cells:
                original = source.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
                meta = cell.metadata.get("caseloop", {})
                if version == "blank" or original is None or "answer" not in meta:
                    continue
                solved = checks.SOLUTION_LINE.sub("", original.source)
                variable = meta.get("variable") or assigned_variable(solved)
                cell.source = solved if version == "solution" else wrong_answer(
                    meta["answer"], variable, solved, list(meta.get("options", [])))
            result[source_path.name][version] = nb
    return result


def check(course: Course, modules: list[str], workspace: Path | None = None,
          echo: Any = lambda line: None) -> list[CellResult]:
    """Grade the model, blank and wrong versions of each module in a scratch copy of the course."""
    import nbformat

    from caseloop import demo, grade, release
    from caseloop.compile import failure_reasons, gradebook_table

    with tempfile.TemporaryDirectory(prefix="caseloop-author-") as scratch:
        ws = demo.new_workspace(course, workspace or Path(scratch) / "course")
        results = []
        for module in modules:
            echo(f"{module}: release, then grade the model, blank and wrong answers with nbgrader")
            release.release(ws, module)
            for name, versions in _versions(ws, module).items():
                for version, nb in versions.items():
                    folder = ws.submitted_dir / version / module
                    folder.mkdir(parents=True, exist_ok=True)
                    nbformat.write(nb, folder / name)
                    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC", encoding="utf-8")
            outcomes = grade.grade(ws, module, grade.GradeOptions(workers=2))
            broken = [o for o in outcomes if o.status not in grade.SCORED]
            if broken:
                raise CourseError(f"{module}: {broken[0].trainee} version could not be graded: {broken[0].status} "
                                  f"{broken[0].detail}")
            results += _cell_results(gradebook_table(ws.db_url()), failure_reasons(ws), module)
        return results


def _cell_results(grades: Any, failures: Any, module: str) -> list[CellResult]:
    table = grades[grades["module"] == module].merge(failures, on=["trainee", "module", "notebook", "cell"],
                                                     how="left")
    table["failures"] = table["failures"].fillna("")
    rows = []
    for (notebook, cell), group in table.groupby(["notebook", "cell"], sort=False):
        by = group.set_index("trainee")
        if by["auto_score"].isna().all():
            rows.append(CellResult(module, notebook, cell, float(by["max_score"].iloc[0]), *[float("nan")] * 3, "",
                                   by_mentor=True))
            continue
        rows.append(CellResult(module, notebook, cell, float(by["max_score"].iloc[0]),
                               float(by.loc["solution", "score"]), float(by.loc["blank", "score"]),
                               float(by.loc["wrong", "score"]), str(by.loc["wrong", "failures"] or "")))
    return rows


# -- exercises from cases --------------------------------------------------------------------

REPLY_LANGUAGES = {"en": "英文", "de": "德文", "fr": "法文", "ja": "日文", "zh": "中文"}


def _root_cause_options(case: dict) -> tuple[list[str], str]:
    """Four root-cause categories, the case's own among them at a place fixed by the case id."""
    import random

    from caseloop.cases import ROOT_CAUSES

    correct = case["root_cause_category"]
    rng = random.Random(case["id"])
    options = rng.sample([code for code in ROOT_CAUSES if code != correct], 3)
    options.insert(rng.randrange(4), correct)
    return options, "ABCD"[options.index(correct)]


def _reply_rubric(template: str, buyer_name: str, language: str) -> tuple[str, ...]:
    """The rubric elements the case's own reply meets: the bar the exercise sets for a trainee's reply."""
    import contextlib
    import io

    from caseloop import checks

    with contextlib.redirect_stdout(io.StringIO()):
        score = checks.reply(template, points=1, buyer_name=buyer_name, language=language)
    return tuple(f.code for f in score.findings if f.ok and f.code in checks.DEFAULT_RUBRIC)


def exercise_cells(case: dict, points: int = 3) -> list[Any]:
    """The cells of one exercise built on a case: scenario, a root-cause choice and a reply, each graded."""
    import nbformat.v4 as nbf

    from caseloop.cases import MARKETS, PROBLEM_TYPES, ROOT_CAUSES

    suffix = case["id"].replace("-", "").lower()
    language = case.get("language", "en")
    quoted = "\n".join(f"> {line}" for line in case["buyer_message"].strip().splitlines())
    sources = "\n".join(f"- {source}" for source in case.get("policy_sources", [])) or "- （本案例无平台规则依据）"
    options, correct = _root_cause_options(case)
    option_lines = "\n".join(f"- {letter}. {ROOT_CAUSES[code][0]} / {ROOT_CAUSES[code][1]}"
                             for letter, code in zip("ABCD", options, strict=True))
    rubric = _reply_rubric(case["reply_template"], case["buyer_name"], language)

    def answer(variable: str, kind: str, model: str, prompt: str, **meta: Any) -> Any:
        cell = nbf.new_code_cell(f'# {prompt}\n{variable} = """\n### BEGIN SOLUTION\n{model.strip()}\n'
                                 '### END SOLUTION\n"""')
        cell.metadata.update(nbgrader={"grade": False, "solution": True, "locked": False,
                                       "grade_id": f"{variable}_answer", "schema_version": 3},
                             caseloop={"answer": kind, "case": case["id"], **meta})
        cell["id"] = f"{variable}_answer"
        return cell

    def test(grade_id: str, call: str, competency: list[str], cell_points: int) -> Any:
        cell = nbf.new_code_cell("# 自动评分单元：请勿修改 / Auto-graded cell: do not edit\n### BEGIN HIDDEN TESTS\n"
                                 f"from caseloop import checks\n{call}\n### END HIDDEN TESTS")
        cell.metadata.update(nbgrader={"grade": True, "solution": False, "locked": True, "grade_id": grade_id,
                                       "points": cell_points, "schema_version": 3},
                             caseloop={"competency": competency, "case": case["id"]})
        cell["id"] = grade_id
        return cell

    scenario = nbf.new_markdown_cell(
        f"## 案例 {case['id']} · {MARKETS.get(case['market'], (case['market'],))[0]} · "
        f"{PROBLEM_TYPES[case['problem_type']][0]}\n\n"
        f"**订单** {case['order_id']}（已脱敏） · **配送方式** {case['fulfilment']} · "
        f"**产品线** {case['product_line']} · **日期** {case['date']}\n\n"
        f"买家 **{case['buyer_name']}** 的消息 / Buyer's message:\n\n{quoted}\n\n"
        f"**政策依据 / Policy sources**\n\n{sources}")
    scenario["id"] = f"{suffix}-scenario"
    cause_question = nbf.new_markdown_cell(f"**诊断** 这个问题的根本原因属于哪一类？\n\n{option_lines}")
    cause_question["id"] = f"{suffix}-cause-question"
    reply_question = nbf.new_markdown_cell(
        f"**回复** 用{REPLY_LANGUAGES.get(language, language)}给 {case['buyer_name']} 写回复：称呼姓名、认可感受、"
        "道歉、给出具体方案和时间、礼貌结尾。不要留邮箱、电话或站外链接，不要索要或交换评价。")
    reply_question["id"] = f"{suffix}-reply-question"
    return [
        scenario,
        cause_question,
        answer(f"root_cause_{suffix}", "choice", correct,
               "在三引号之间填写一个选项字母 / Write one option letter between the triple quotes",
               options=list("ABCD")),
        test(f"{suffix}_root_cause", f'checks.choice(root_cause_{suffix}, correct="{correct}", points=1)', ["DIA"], 1),
        reply_question,
        answer(f"reply_{suffix}", "reply", case["reply_template"],
               "在三引号之间写出你给买家的回复 / Write your reply to the buyer between the triple quotes",
               buyer_name=case["buyer_name"], language=language),
        test(f"{suffix}_reply", f"checks.reply(reply_{suffix}, points={points}, buyer_name={case['buyer_name']!r}, "
                                f"language={language!r}, require={rubric!r})",
             ["COM", "XCC"] if language != "en" else ["COM"], points),
    ]


def add_exercise(course: Course, case_id: str, module: str, points: int = 3) -> tuple[Path, list[str]]:
    """Append an exercise built on CASE_ID to MODULE's notebook, before its self-check and survey.

    Returns the notebook and the new graded cell ids. Only approved cases become exercises, and a
    module gets at most one generated exercise per case.
    """
    import nbformat

    from caseloop.cases import Library

    case = Library.load(course.cases_dir, skip_invalid=True).case(case_id)
    if case.get("review", {}).get("state") != "approved":
        raise CourseError(f"{course.cases_dir / (case_id + '.yaml')}: the case is not approved; review it first "
                          f"(caseloop cases review {case_id} --approve)")
    notebooks = course.source_notebooks(module)
    if len(notebooks) != 1:
        raise CourseError(f"{course.source_dir / module}: needs exactly one notebook to append to, found "
                          f"{len(notebooks)}; create the module's notebook first (copy an existing module's intro)")
    path = notebooks[0]
    nb = nbformat.read(path, as_version=4)
    cells = exercise_cells(case, points)
    existing = {cell.get("id") for cell in nb.cells}
    clash = [cell["id"] for cell in cells if cell["id"] in existing]
    if clash:
        raise CourseError(f"{path}: already has an exercise on {case_id} (cells {', '.join(clash)}); "
                          "edit that one instead")
    closing = {"selfcheck", "survey"}
    end = next((i for i, cell in enumerate(nb.cells) if closing & set(cell.metadata.get("caseloop", {}))),
               len(nb.cells))
    while end > 0 and nb.cells[end - 1].cell_type == "markdown" and "问卷" in nb.cells[end - 1].source:
        end -= 1
    nb.cells[end:end] = cells
    nbformat.validate(nb)
    with replacing(path) as partial:
        nbformat.write(nb, partial)
    graded = [cell.id for cell in cells if cell.metadata.get("nbgrader", {}).get("grade")]
    return path, graded
