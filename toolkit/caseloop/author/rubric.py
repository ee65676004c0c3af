"""`caseloop author rubric`: a mentor's rubric under each written reply, graded by hand in the formgrader.

Below a reply's autograded test cell, one nbgrader task cell per rubric criterion (tone, empathy,
cultural fit) asks a mentor for a score and a comment, so the formgrader shows the reply, the
automatic feedback and the rubric together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from caseloop.course import Course, CourseError, replacing
from caseloop.course.rubric import CRITERIA
from caseloop.notebook import reply_tests


def rubric_cells(test_cell: Any, points: float = 1) -> list[Any]:
    """One nbgrader task cell per criterion for the reply that TEST_CELL scores, tagged for compile and revise."""
    import nbformat.v4 as nbf

    reviews = test_cell.metadata["nbgrader"]["grade_id"]
    case = test_cell.metadata.get("caseloop", {}).get("case", "")
    cells = []
    for criterion in CRITERIA:
        grade_id = f"{reviews}_{criterion.code}"
        cell = nbf.new_markdown_cell(
            f"**导师评分 · {criterion.zh}（{points:g} 分）/ Mentor rubric · {criterion.en} ({points:g} "
            f"{'point' if points == 1 else 'points'})** — 上面的回复 / the reply above ({case})\n\n"
            f"{criterion.guide_zh}\n\n{criterion.guide_en}\n\n"
            f"*达到 = 满分，部分达到 = 一半，未达到 = 0 / met = full, partly = half, not met = 0*")
        cell.metadata.update(
            nbgrader={"grade": False, "solution": False, "task": True, "locked": True, "points": points,
                      "grade_id": grade_id, "schema_version": 3},
            caseloop={"competency": [criterion.competency], "case": case, "rubric": criterion.code,
                      "reviews": reviews})
        cell["id"] = grade_id
        cells.append(cell)
    return cells


def add_rubric(course: Course, module: str, cells: list[str] | None = None,
               points: float = 1) -> tuple[list[Path], list[str]]:
    """Put the mentor rubric below every reply test cell of MODULE (or only CELLS) that has none yet.

    Returns the notebooks changed and the new task cell ids.
    """
    import nbformat

    notebooks = course.source_notebooks(module)
    if not notebooks:
        raise CourseError(f"{course.source_dir / module}: no source notebooks; check the module id")
    wanted, found, changed, added = set(cells or ()), set(), [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        reviewed = {c.metadata.get("caseloop", {}).get("reviews") for c in nb.cells}
        tests = [c for c in reply_tests(nb.cells) if not wanted or c.metadata["nbgrader"]["grade_id"] in wanted]
        found |= {c.metadata["nbgrader"]["grade_id"] for c in tests}
        todo = [c for c in tests if c.metadata["nbgrader"]["grade_id"] not in reviewed]
        for test in todo:
            new = rubric_cells(test, points)
            at = nb.cells.index(test) + 1
            nb.cells[at:at] = new
            added += [c["id"] for c in new]
        if todo:
            nbformat.validate(nb)
            with replacing(path) as partial:
                nbformat.write(nb, partial)
            changed.append(path)
    if not found and not wanted:
        raise CourseError(f"{course.source_dir / module}: no reply test cell (a graded cell calling checks.reply); "
                          "a mentor rubric reviews written replies, so add a reply exercise first")
    missing = sorted(wanted - found)
    if missing:
        raise CourseError(f"{course.source_dir / module}: no reply test cell {', '.join(missing)} "
                          "(a graded cell calling checks.reply); check the grade ids")
    return changed, added
