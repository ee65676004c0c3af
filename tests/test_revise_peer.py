"""lint, check, grade, compile, report and revise on nbgrader's own user-guide course (ps1, two students).

Nobody here wrote the course. It is read in place from the shared folder (CASELOOP_PEER_COURSE, or
../shared/peer-courses/nbgrader-user-guide beside the clone) and copied into a temporary folder to
grade it with real nbgrader; its competency map and curriculum live in tests/data/. Without the
course the tests skip, unless CASELOOP_REQUIRE_SERVICES=1, as in CI, where they fail.
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
from caseloop import grade, report
from caseloop.cli import main
from caseloop.course import Course, CourseError
from caseloop.revise import revise
from conftest import REPO

PEER = Path(os.environ.get("CASELOOP_PEER_COURSE")
            or REPO / ".." / "shared" / "peer-courses" / "nbgrader-user-guide").resolve()
DATA = REPO / "tests" / "data" / "nbgrader-user-guide"
if not PEER.is_dir() and os.environ.get("CASELOOP_REQUIRE_SERVICES") == "1":
    pytest.fail(f"{PEER} not present but CASELOOP_REQUIRE_SERVICES=1 (set CASELOOP_PEER_COURSE)", pytrace=False)
pytestmark = pytest.mark.skipif(not PEER.is_dir(), reason=f"{PEER} not present (set CASELOOP_PEER_COURSE)")

# What a mentor gives the answers nbgrader leaves for a person, as in the formgrader.
MENTOR = {("bitdiddle", "sum_of_squares_equation"): 1, ("bitdiddle", "cell-938593c4a215c6cc"): 2,
          ("bitdiddle", "part-a"): 1, ("bitdiddle", "part-b"): 0.5,
          ("hacker", "sum_of_squares_equation"): 0.5, ("hacker", "sum_of_squares_application"): 2,
          ("hacker", "cell-938593c4a215c6cc"): 4, ("hacker", "part-a"): 1, ("hacker", "part-b"): 2}


def _writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def peer_copy(folder: Path) -> Course:
    """The user-guide course as it is shared, with nothing added but its documented nbgrader_config.py,
    a curriculum and a competency map."""
    root = folder / "course"
    shutil.copytree(PEER, root)
    _writable(root)
    shutil.copy2(DATA / "nbgrader_config.py", root / "nbgrader_config.py")
    for name in ("curriculum.yaml", "competency-map.yaml"):
        shutil.copy2(DATA / name, root / "source" / name)
    return Course.at(root)


def give_mentor_grades(course: Course, grades: dict[tuple[str, str], float]) -> None:
    with Gradebook(course.db_url()) as gradebook:
        for (student, cell), points in grades.items():
            notebook = "problem2" if cell.startswith("part") else "problem1"
            found = gradebook.find_grade(cell, notebook, "ps1", student)
            found.manual_score = points
            found.needs_manual_grade = False
        gradebook.db.commit()


@pytest.fixture(scope="session")
def autograded_peer(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The user-guide course released through `caseloop release` and autograded, no mentor yet."""
    course = peer_copy(tmp_path_factory.mktemp("peer-autograded"))
    assert main(["release", "ps1", "--course", str(course.root)]) == 0
    results = grade.grade(course, "ps1")
    assert [r.status for r in results] == [grade.GRADED, grade.GRADED]
    return course


@pytest.fixture(scope="session")
def peer_course(autograded_peer: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The graded course with every hand grade a mentor gives."""
    root = tmp_path_factory.mktemp("peer") / "course"
    shutil.copytree(autograded_peer.root, root, symlinks=True)
    course = Course.at(root)
    give_mentor_grades(course, MENTOR)
    return course


@pytest.fixture(scope="session")
def peer_outputs(peer_course: Course):
    grades, _ = compile_stage.compile_course(peer_course)
    cohort, trainees = report.write_reports(peer_course, grades)
    return grades, cohort, revise(peer_course, grades)


def test_the_shared_course_is_left_as_it_is():
    written = ("gradebook.db", "reports", "exchange", "autograded", ".caseloop")
    assert not any((PEER / name).exists() for name in written)


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


# -- a course written without caseloop is first-class ------------------------------------------------


def test_lint_and_check_pass_with_the_competency_map_alone(autograded_peer, capsys):
    assert main(["author", "lint", "--course", str(autograded_peer.root)]) == 0
    assert main(["author", "check", "ps1", "--course", str(autograded_peer.root)]) == 0
    table = capsys.readouterr().out
    assert "ps1/part-b" in table and "graded by a mentor" in table
    assert "ps1/correct_squares                          1      1      0      0  error:NotImplementedError" in table


def test_release_uses_the_course_own_exchange(autograded_peer):
    assert (autograded_peer.root / "exchange" / "example_course" / "outbound" / "ps1" / "problem1.ipynb").is_file()


def test_commands_that_need_cases_or_a_release_say_so(tmp_path, capsys):
    course = peer_copy(tmp_path)
    assert main(["author", "exercise", "--case", "C-0001", "--module", "ps1", "--course", str(course.root)]) == 2
    assert f"{course.root / 'cases'}: no case library" in capsys.readouterr().err
    assert main(["collect", "ps1", "--course", str(course.root)]) == 2
    assert "ps1 has not been released to this course's exchange" in capsys.readouterr().err
    assert main(["grade", "ps1", "--course", str(course.root)]) == 2
    err = capsys.readouterr().err
    assert "ps1 is not in the gradebook" in err and "run `caseloop release ps1` first" in err
    assert not (course.root / "autograded").exists()


@pytest.fixture(scope="session")
def partly_graded(autograded_peer, tmp_path_factory):
    """A mentor has graded every hand-graded answer but one of hacker's, in an exercise of four cells."""
    root = tmp_path_factory.mktemp("peer-partly") / "course"
    shutil.copytree(autograded_peer.root, root, symlinks=True)
    course = Course.at(root)
    give_mentor_grades(course, {key: points for key, points in MENTOR.items()
                                if key != ("hacker", "sum_of_squares_application")})
    grades, _ = compile_stage.compile_course(course)
    cohort, _ = report.write_reports(course, grades)
    return course, grades, cohort, revise(course, grades)


def test_items_waiting_for_a_mentor_show_as_waiting_in_reports(partly_graded):
    course, grades, cohort, _ = partly_graded
    assert grades["score"].isna().sum() == 1
    trainee = (course.reports_dir / "trainees" / "hacker.html").read_text(encoding="utf-8")
    assert 'data-module="ps1" data-waiting="1"' in trainee
    html = cohort.read_text(encoding="utf-8")
    assert 'data-module="ps1" data-waiting="1"' in html and 'data-module="ps1" data-waiting="0"' in html
    assert "⧗1" in html and "1 项等待导师评分" in html
    waiting = pd.read_csv(course.reports_dir / "waiting.csv")
    assert set(zip(waiting["trainee"], waiting["cell"], waiting["competency"], strict=True)) == {
        ("hacker", "sum_of_squares_application", "FUN"), ("hacker", "sum_of_squares_application", "MTH")}


def test_a_trainee_whose_hand_grades_wait_is_not_called_at_the_bar(autograded_peer, tmp_path):
    grades = compile_stage.compile_grades(autograded_peer)
    report.write_reports(autograded_peer, grades, tmp_path)
    trainee = (tmp_path / "trainees" / "hacker.html").read_text(encoding="utf-8")
    assert "every competency is at the course's bar" not in trainee and "各项能力均已达标" not in trainee
    assert 'id="waiting"' in trainee and "5 项等待导师评分" in trainee


def test_item_statistics_leave_a_waiting_trainee_out_at_cell_and_exercise_level(partly_graded):
    _, _, _, result = partly_graded
    stats = result.stats.set_index(["level", "cell"])
    assert stats.loc[("exercise", "ps1-sum-of-squares"), "n"] == stats.loc[("cell", "sum_of_squares_equation"), "n"]
    assert stats.loc[("exercise", "ps1-sum-of-squares"), "n"] == 1, "hacker waits for a mentor there"
    assert stats.loc[("exercise", "ps1-fibonacci"), "n"] == stats.loc[("cell", "part-a"), "n"]
