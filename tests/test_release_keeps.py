"""Re-releasing a module whose graded cells changed after trainees submitted: the committed release is
kept, the message names the changed cells, and both ways it offers work."""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.api import Gradebook

from caseloop import demo, grade, release
from caseloop.cli import main
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
    with Gradebook(course.db_url()) as gradebook:
        graded = {(s.student.id, s.score) for s in gradebook.assignment_submissions(MODULE)}
    assert graded
    path = course.source_notebooks(MODULE)[0]
    submitted_source = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_test_cell("c0001_extra", "checks.number(reply_hours_c0001, expected=24, points=1)", 1,
                                  competency=["POL"], case="C-0001"))
    dropped = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id")
                   == "c0001_resolution")
    removed = nb.cells.pop(dropped)
    nbformat.write(nb, path)
    with pytest.raises(CourseError, match="is unchanged") as refused:
        release.release(course, MODULE, force=True)
    assert {p.name: p.read_bytes() for p in (course.release_dir / MODULE).glob("*.ipynb")} == released
    message = str(refused.value)
    assert f"  {path}:\n    added: c0001_extra (graded)\n    removed: {removed.metadata.nbgrader.grade_id} " in message
    assert f"`caseloop release {MODULE} --force`" in message and f"`caseloop author new {MODULE}v2 --copy-of " \
           f"{MODULE}`" in message

    # the second way, as the message gives it: a new version with the change, the old module as submitted
    assert main(["author", "new", f"{MODULE}v2", "--copy-of", MODULE, "--course", str(course.root)]) == 0
    path.write_bytes(submitted_source)  # what `git restore source/m01` does
    assert main(["release", f"{MODULE}v2", "--course", str(course.root)]) == 0
    assert main(["release", MODULE, "--force", "--course", str(course.root)]) == 0
    assert f"{MODULE}v2" in [m.id for m in course.curriculum().modules]
    with Gradebook(course.db_url()) as gradebook:
        assert {(s.student.id, s.score) for s in gradebook.assignment_submissions(MODULE)} == graded, \
            "the old module keeps its submissions and grades"
        cells = {c.name for nb in gradebook.find_assignment(f"{MODULE}v2").notebooks for c in nb.grade_cells}
    assert "c0001_extra" in cells and removed.metadata.nbgrader.grade_id not in cells
