"""`caseloop author check`: grade the model, blank and wrong answers of each module through nbgrader.

Three submissions of each module go through caseloop's real grading path (nbgrader autograde
with the course's declared pipeline) in a scratch course: the model answers must score full
marks, the blank release 0, and wrong answers must make every graded cell fail with a reason, so
each check's failure feedback is reachable. Cells graded by hand (a mentor's rubric) are listed
as waiting for a mentor.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from caseloop.course import Course, CourseError
from caseloop.notebook import answer_variable, grade_id, literal_answers, without_solution_markers

VERSIONS = ("solution", "blank", "wrong")
# A reply a trainee might write on day one: it crosses several platform red lines.
WRONG_REPLY = ("Hi, sorry for the trouble!! Please email us at support@shop-example.com and we will see what "
               "we can do. If you leave us a 5-star review we will send you a $10 gift card.")


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


def _wrong_choice(text: str, options: list[str]) -> str:
    from caseloop import checks

    picked = checks.picked_option(text, "".join(options) or "ABCD")
    return next(o for o in (options or list("ABCD")) if o != picked)


def _wrong_number(text: str, options: list[str]) -> str:
    from caseloop import checks

    return f"{(checks.parse_number(text) or 0) * 2 + 7:g}"


def _wrong_date(text: str, options: list[str]) -> str:
    from caseloop import checks

    readings, _ = checks.parse_date(text)
    return ((readings[0] if readings else date(2000, 1, 1)) + timedelta(days=40)).isoformat()


def _wrong_text(text: str, options: list[str]) -> str:
    return WRONG_REPLY


# A wrong literal for each literal answer kind (notebook.LITERAL_KINDS); a code answer is wrong as `None`.
WRONG_ANSWERS = {"choice": _wrong_choice, "number": _wrong_number, "date": _wrong_date, "reply": _wrong_text,
                 "text": _wrong_text}


def wrong_answer(kind: str, variable: str, solution_source: str, options: list[str]) -> str:
    """An answer cell's source with a wrong literal (or, for code, a wrong value) for its kind."""
    from caseloop import checks

    if kind == "code":
        return f"{variable} = None"
    if kind not in WRONG_ANSWERS:
        raise CourseError(f"answer kind {kind!r} has no wrong answer to check with; known kinds: "
                          f"{', '.join([*WRONG_ANSWERS, 'code'])}")
    text = checks.answer_text((literal_answers(solution_source) or {}).get(variable))
    return f'{variable} = """\n{WRONG_ANSWERS[kind](text, options)}\n"""'


def _versions(course: Course, module: str) -> dict[str, dict[str, Any]]:
    """The three submissions of each released notebook of MODULE: notebook name -> version -> notebook."""
    import nbformat

    result = {}
    for source_path in course.source_notebooks(module):
        source = {c.metadata.get("nbgrader", {}).get("grade_id"): c
                  for c in nbformat.read(source_path, as_version=4).cells}
        released = course.release_dir / module / source_path.name
        result[source_path.name] = {}
        for version in VERSIONS:
            nb = nbformat.read(released, as_version=4)
            for cell in nb.cells:
                original = source.get(grade_id(cell))
                meta = cell.metadata.get("caseloop", {})
                if version == "blank" or original is None or not original.metadata.get("nbgrader", {}).get("solution"):
                    continue
                solved = without_solution_markers(original.source)
                if version == "solution":
                    cell.source = solved
                elif "answer" in meta:  # a cell without caseloop's answer kind has no wrong answer to write
                    cell.source = wrong_answer(meta["answer"], answer_variable(original), solved,
                                               list(meta.get("options", [])))
            result[source_path.name][version] = nb
    return result


def check(course: Course, modules: list[str], workspace: Path | None = None,
          echo: Any = lambda line: None) -> list[CellResult]:
    """Grade the model, blank and wrong versions of each module in a scratch copy of the course."""
    import nbformat

    from caseloop import grade, release
    from caseloop.compile import failure_reasons, gradebook_table

    with tempfile.TemporaryDirectory(prefix="caseloop-author-") as scratch:
        ws = course.copy_to(workspace or Path(scratch) / "course")
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
            results += _cell_results(gradebook_table(ws), failure_reasons(ws), module)
        return results


def _cell_results(grades: Any, failures: Any, module: str) -> list[CellResult]:
    import pandas as pd

    table = grades[grades["module"] == module].merge(failures, on=["trainee", "module", "notebook", "cell"],
                                                     how="left")
    table["failures"] = table["failures"].fillna("")
    rows = []
    for (notebook, cell), group in table.groupby(["notebook", "cell"], sort=False):
        by = group.set_index("trainee")
        if pd.isna(by.loc["solution", "auto_score"]):  # nbgrader leaves the model answer to a mentor
            rows.append(CellResult(module, notebook, cell, float(by["max_score"].iloc[0]), *[float("nan")] * 3, "",
                                   by_mentor=True))
            continue
        rows.append(CellResult(module, notebook, cell, float(by["max_score"].iloc[0]),
                               float(by.loc["solution", "score"]), float(by.loc["blank", "score"]),
                               float(by.loc["wrong", "score"]), str(by.loc["wrong", "failures"] or "")))
    return rows
