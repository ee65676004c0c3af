"""compile, report and revise on nbgrader's own user-guide course (ps1, two students), which nobody here wrote.

The course is read in place from the shared folder and copied into a temporary folder only to
grade it with real nbgrader; its competency map and curriculum live in tests/data/.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest
from nbgrader.api import Gradebook

from caseloop import compile as compile_stage
from caseloop import grade, release, report
from caseloop.course import Course, CourseError
from caseloop.revise import revise
from conftest import REPO

PEER = Path(os.environ.get("CASELOOP_PEER_COURSE")
            or REPO / ".." / "shared" / "peer-courses" / "nbgrader-user-guide").resolve()
DATA = REPO / "tests" / "data" / "nbgrader-user-guide"
pytestmark = pytest.mark.skipif(not PEER.is_dir(), reason=f"{PEER} not present (set CASELOOP_PEER_COURSE)")

# What a mentor gives the answers nbgrader leaves for a person, as in the formgrader.
MENTOR = {("bitdiddle", "sum_of_squares_equation"): 1, ("bitdiddle", "cell-938593c4a215c6cc"): 2,
          ("bitdiddle", "part-a"): 1, ("bitdiddle", "part-b"): 0.5,
          ("hacker", "sum_of_squares_equation"): 0.5, ("hacker", "sum_of_squares_application"): 2,
          ("hacker", "cell-938593c4a215c6cc"): 4, ("hacker", "part-a"): 1, ("hacker", "part-b"): 2}


def _writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.fixture(scope="session")
def peer_course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The user-guide course graded by nbgrader, with the mentor's hand grades and caseloop's files added."""
    root = tmp_path_factory.mktemp("peer") / "course"
    shutil.copytree(PEER, root)
    _writable(root)
    shutil.copy2(DATA / "nbgrader_config.py", root / "nbgrader_config.py")
    for name in ("curriculum.yaml", "competency-map.yaml"):
        shutil.copy2(DATA / name, root / "source" / name)
    course = Course.at(root)
    release.generate(course, "ps1")
    results = grade.grade(course, "ps1")
    assert [r.status for r in results] == [grade.GRADED, grade.GRADED]
    with Gradebook(course.db_url()) as gradebook:
        for (student, cell), points in MENTOR.items():
            notebook = "problem2" if cell.startswith("part") else "problem1"
            found = gradebook.find_grade(cell, notebook, "ps1", student)
            found.manual_score = points
            found.needs_manual_grade = False
        gradebook.db.commit()
    return course


@pytest.fixture(scope="session")
def peer_outputs(peer_course: Course):
    grades, _ = compile_stage.compile_course(peer_course)
    cohort, trainees = report.write_reports(peer_course, grades)
    return grades, cohort, revise(peer_course, grades)


def test_the_shared_course_is_left_as_it_is():
    assert not (PEER / "gradebook.db").exists() and not (PEER / "reports").exists()


def test_compile_tags_every_grade_through_the_competency_map(peer_outputs):
    grades, _, _ = peer_outputs
    assert set(grades["trainee"]) == {"bitdiddle", "hacker"}
    assert len(grades) == 2 * 9
    squares = grades[grades["cell"] == "squares_invalid_input"]
    assert set(squares["competency"]) == {"FUN;ERR"} and set(squares["case"]) == {"ps1-squares"}
    failed = grades[(grades["cell"] == "correct_squares") & (grades["trainee"] == "bitdiddle")]
    assert failed["score"].iloc[0] == 0 and failed["failures"].iloc[0] == "error:AssertionError"
    hand = grades[(grades["cell"] == "part-b") & (grades["trainee"] == "hacker")]
    assert hand["score"].iloc[0] == 2 and hand["manual_score"].iloc[0] == 2


def test_report_covers_both_students(peer_outputs):
    _, cohort, _ = peer_outputs
    html = cohort.read_text(encoding="utf-8")
    assert 'data-trainee="bitdiddle"' in html and 'data-trainee="hacker"' in html


def test_revise_says_which_statistics_two_trainees_are_too_few_for(peer_outputs):
    grades, _, result = peer_outputs
    markdown = result.paths["backlog"].read_text(encoding="utf-8")
    assert "ps1: n = 2 trainees, 9 items" in markdown
    assert "too few trainees to compute: discrimination (≥ 3), efficiency (≥ 3), upper_lower (≥ 4), " \
           "discrimination interval (≥ 4), alpha (≥ 3)" in markdown
    assert "fewer than 10 trainees: no item is flagged" in markdown
    assert result.backlog.empty
    cells = result.stats[result.stats["level"] == "cell"].set_index("cell")
    assert cells["discrimination"].isna().all() and cells["alpha_if_deleted"].isna().all()
    facility = (grades["score"] / grades["max_score"]).groupby(grades["cell"]).mean()
    assert cells["facility"].to_dict() == pytest.approx(facility.to_dict())
    exercises = result.stats[result.stats["level"] == "exercise"]
    assert set(exercises["cell"]) == {"ps1-squares", "ps1-sum-of-squares", "ps1-part-e", "ps1-fibonacci"}
    assert pd.read_csv(result.paths["backlog csv"]).empty


def test_a_graded_cell_missing_from_the_map_is_named(peer_course, tmp_path):
    broken = tmp_path / "course"
    shutil.copytree(peer_course.root / "source", broken / "source")
    shutil.copy2(peer_course.root / "nbgrader_config.py", broken / "nbgrader_config.py")
    map_path = broken / "source" / "competency-map.yaml"
    map_path.write_text(map_path.read_text(encoding="utf-8").replace("    part-b:", "    part-x:"))
    with pytest.raises(CourseError, match="part-b has no caseloop competency/case.*competency-map.yaml"):
        compile_stage.item_table(Course.at(broken))
    map_path.write_text("ps1:\n  problem1:\n    correct_squares: {case: ps1-squares}\n")
    with pytest.raises(CourseError, match="competency-map.yaml:3: ps1.problem1.correct_squares.competency: .*missing"):
        compile_stage.item_table(Course.at(broken))
