"""Faults end in a named outcome, never in lost grades: a damaged gradebook, a dead worker, a failing submission.

Each test copies one graded m01 course (five trainees through real nbgrader), breaks something
and runs the real `caseloop grade` again.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys

import pytest

from caseloop import demo, grade, release
from caseloop.course import Course, CourseError
from caseloop.course import backups as backups_module

MODULE = "m01"
CASELOOP = [sys.executable, "-m", "caseloop"]


@pytest.fixture(scope="module")
def graded(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    course = repo_course.copy_to(tmp_path_factory.mktemp("faults") / "course")
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, 5, seed=11)
    grade.collect(course, MODULE)
    grade.grade(course, MODULE, grade.GradeOptions(workers=2))
    return course


@pytest.fixture
def course(graded: Course, tmp_path) -> Course:
    """A copy of the graded course, to break."""
    return Course.at(shutil.copytree(graded.root, tmp_path / "copy", symlinks=True))


def db(course: Course):
    return course.root / "gradebook.db"


def grades(course: Course) -> int:
    with sqlite3.connect(db(course)) as conn:
        return conn.execute("select count(*) from grade").fetchone()[0]


def run(course: Course, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CASELOOP, "--course", str(course.root), "grade", MODULE, *args],
                          capture_output=True, text=True, timeout=300)


def regrade_one(course: Course) -> None:
    """Make the next batch have something to do: one trainee submits again."""
    stamp = course.submission_dir("trainee01", MODULE) / "timestamp.txt"
    stamp.write_text("2026-03-02 10:00:00.000000 UTC")


@pytest.mark.parametrize("damage", ["empty", "half", "overwritten", "missing", "rows_deleted"])
def test_a_damaged_gradebook_is_refused_naming_the_backup_and_restored(course, damage):
    before = grades(course)
    assert before == 4 * 10
    regrade_one(course)
    path = db(course)
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "half":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "overwritten":
        path.write_bytes(b"not a database " * 4096)
    elif damage == "missing":
        path.unlink()
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("delete from grade where rowid in (select rowid from grade limit 10)")
    refused = run(course)
    assert refused.returncode == 2, refused.stdout
    newest = backups_module.backups(course)[-1]
    assert str(newest) in refused.stderr and "--restore-backup" in refused.stderr, refused.stderr
    assert str(path) in refused.stderr
    if damage != "missing":
        assert path.exists() and (damage != "empty" or path.stat().st_size == 0), "the refusal changed nothing"

    restored = run(course, "--restore-backup")
    assert restored.returncode == 0, restored.stderr
    assert str(newest) in restored.stdout
    if damage != "missing":
        assert list(course.root.glob("gradebook.db.damaged-*")), "the damaged gradebook is kept"
    assert grades(course) == before
    again = run(course)
    assert again.returncode == 0, again.stderr
    assert grades(course) == before, "the regraded submission replaced its own rows, no others were lost"


def test_rows_removed_on_purpose_are_accepted_when_said_so(course):
    regrade_one(course)
    with sqlite3.connect(db(course)) as conn:
        conn.execute("delete from comment")
    assert run(course).returncode == 2
    assert run(course, "--accept-gradebook").returncode == 0


def test_restore_names_an_unreadable_backup(course):
    newest = backups_module.backups(course)[-1]
    newest.write_bytes(b"broken")
    with pytest.raises(CourseError, match="cannot be read either"):
        backups_module.restore_backup(course, MODULE)


def dying_grade_submission(module: str, trainee: str, source_names: list[str]) -> grade.SubmissionResult:
    """A worker's task that kills its own worker on trainee02's submission, as the OOM killer would."""
    if trainee == "trainee02":
        os.kill(os.getpid(), signal.SIGKILL)
    return grade.submission.grade_submission(module, trainee, source_names)


def test_a_dead_worker_is_recorded_and_the_batch_goes_on(course, monkeypatch):
    monkeypatch.setattr(grade.batch, "grade_submission", dying_grade_submission)
    results = grade.grade(course, MODULE, grade.GradeOptions(workers=2, regrade=True))
    statuses = {r.trainee: r.status for r in results}
    assert statuses["trainee02"] == grade.WORKER_DIED
    assert statuses == {"trainee01": grade.GRADED, "trainee02": grade.WORKER_DIED, "trainee03": grade.GRADED,
                        "trainee04": grade.GRADED, "trainee05": grade.MALFORMED}
    assert "died" in next(r.detail for r in results if r.trainee == "trainee02")
    assert grades(course) == 40, "the dead worker's submission keeps its earlier scores"
    monkeypatch.undo()
    assert grade.pending(course, MODULE, grade.submitted_trainees(course, MODULE), regrade=False) == []


def test_a_failing_submission_is_retried_a_few_times_then_stands(course, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("caseloop bug")

    monkeypatch.setattr(grade.submission, "_grade", broken)
    regrade_one(course)
    tries = []
    for _ in range(4):
        results = grade.grade(course, MODULE, grade.GradeOptions(workers=1))
        tries.append({r.trainee: (r.status, r.tries) for r in results}["trainee01"])
    assert tries[:3] == [(grade.FAILED, "1"), (grade.FAILED, "2"), (grade.FAILED, "3")]
    assert tries[3] == tries[2], "not retried a fourth time"
    detail = {r.trainee: r.detail for r in grade.batch_results(course, MODULE)}["trainee01"]
    assert "RuntimeError: caseloop bug" in detail and "--regrade" in detail


def _manual(course: Course, trainee: str, score: float | None = None) -> float | None:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url()) as gradebook:
        cell = gradebook.find_grade("c0001_reply", "rules_and_returns", MODULE, trainee)
        if score is not None:
            cell.manual_score = score
            gradebook.db.commit()
        return cell.manual_score, cell.score


def test_a_mentors_score_stays_with_the_submission_it_was_given_on(course):
    from caseloop.compile import compile_course

    _manual(course, "trainee01", 2.5)
    _manual(course, "trainee03", 1.5)
    folder = course.submission_dir("trainee01", MODULE)
    shutil.copy(course.release_dir / MODULE / "rules_and_returns.ipynb", folder / "rules_and_returns.ipynb")
    (folder / "timestamp.txt").write_text("2099-03-03 10:00:00.000000 UTC")  # trainee01 submits again, blank
    results = {r.trainee: r.status for r in grade.grade(course, MODULE, grade.GradeOptions(workers=2, regrade=True))}
    assert results["trainee01"] == results["trainee03"] == grade.GRADED
    assert _manual(course, "trainee01") == (None, 0), "the new, blank submission waits for the mentor again"
    assert _manual(course, "trainee03") == (1.5, 1.5), "a regrade of the same submission keeps the mentor's score"
    table, _ = compile_course(course)
    rows = table[(table["trainee"] == "trainee01") & (table["cell"] == "c0001_reply")].sort_values("attempt")
    assert rows["attempt"].tolist() == [1, 2]
    assert rows["manual_score"].iloc[0] == 2.5 and rows["score"].iloc[0] == 2.5, "the earlier attempt keeps it"
    assert rows["manual_score"].isna().iloc[1] and rows["score"].iloc[1] == 0
