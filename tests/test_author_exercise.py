"""`caseloop author exercise`: an exercise generated from a case grades through real nbgrader."""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.api import Gradebook

from caseloop import demo, grade, release
from caseloop.author import add_exercise
from caseloop.course import CourseError

MODULE = "m01"
CASES = {"C-0027": "c0027", "C-0200": "c0200"}  # an English buyer and a Japanese one


@pytest.fixture(scope="module")
def generated(repo_course, tmp_path_factory):
    """A copy of the course whose m01 has exercises generated from two cases, released and graded."""
    course = repo_course.copy_to(tmp_path_factory.mktemp("exercise") / "course")
    for case in CASES:
        add_exercise(course, case, MODULE, also=("EMO", "POL") if case == "C-0027" else ())
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, 3, seed=2)  # trainee01 answers with the model answers, trainee02 blank
    grade.collect(course, MODULE)
    grade.grade(course, MODULE)
    return course


def scores(course) -> dict[str, dict[str, float]]:
    with Gradebook(course.db_url()) as gradebook:
        return {s.student.id: {g.name: g.score for nb in s.notebooks for g in nb.grades}
                for s in gradebook.assignment_submissions(MODULE)}


def test_generated_exercise_grades_full_with_the_cases_own_resolution_and_zero_blank(generated):
    graded = scores(generated)
    for prefix in CASES.values():
        for cell in (f"{prefix}_root_cause", f"{prefix}_reply"):
            assert graded["trainee02"][cell] == 0, cell
        assert graded["trainee01"][f"{prefix}_root_cause"] == 1
        assert graded["trainee01"][f"{prefix}_reply"] == 3


def test_generated_cells_are_tagged_and_placed_before_the_survey(generated):
    nb = nbformat.read(next((generated.source_dir / MODULE).glob("*.ipynb")), as_version=4)
    ids = [cell.get("id") for cell in nb.cells]
    first_closing = next(i for i, c in enumerate(nb.cells)
                         if {"selfcheck", "survey"} & set(c.metadata.get("caseloop", {})))
    assert ids.index("c0200_reply") < first_closing
    reply = nb.cells[ids.index("c0200_reply")]
    assert reply.metadata.caseloop == {"competency": ["COM", "XCC"], "case": "C-0200"}
    also = nb.cells[ids.index("c0027_reply")]
    assert also.metadata.caseloop == {"competency": ["COM", "EMO", "POL"], "case": "C-0027"}
    assert "case='C-0200'" in reply.source
    released = next((generated.release_dir / MODULE).glob("*.ipynb")).read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in released and "checks.reply(reply_c0200" not in released


def test_refuses_a_second_exercise_on_the_same_case_and_unknown_cases(generated):
    before = next((generated.source_dir / MODULE).glob("*.ipynb")).read_bytes()
    with pytest.raises(CourseError, match="already has an exercise on C-0027"):
        add_exercise(generated, "C-0027", MODULE)
    with pytest.raises(CourseError, match="C-0012.yaml: the case has no `reply: must:` items"):
        add_exercise(generated, "C-0012", MODULE)
    with pytest.raises(CourseError, match="no case C-9999"):
        add_exercise(generated, "C-9999", MODULE)
    with pytest.raises(CourseError, match="no competency PLO; use one of POL, PRD"):
        add_exercise(generated, "C-0001", MODULE, also=("PLO",))
    assert next((generated.source_dir / MODULE).glob("*.ipynb")).read_bytes() == before
