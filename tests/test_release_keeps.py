"""Re-releasing a module whose graded cells changed after trainees submitted keeps the committed release."""

from __future__ import annotations

import nbformat
import pytest

from caseloop import demo, grade, release
from caseloop.course import CourseError
from caseloop.notebook import new_test_cell

MODULE = "m01"


def test_a_failed_release_keeps_the_trainee_version_and_says_why(repo_course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, 2, seed=3)
    grade.collect(course, MODULE)
    grade.grade(course, MODULE, grade.GradeOptions(workers=1))
    released = {p.name: p.read_bytes() for p in (course.release_dir / MODULE).glob("*.ipynb")}
    path = course.source_notebooks(MODULE)[0]
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_test_cell("c0001_extra", "checks.number(reply_hours_c0001, expected=24, points=1)", 1,
                                  competency=["POL"], case="C-0001"))
    nbformat.write(nb, path)
    with pytest.raises(CourseError, match="is unchanged. nbgrader cannot add or remove graded cells"):
        release.release(course, MODULE, force=True)
    assert {p.name: p.read_bytes() for p in (course.release_dir / MODULE).glob("*.ipynb")} == released
