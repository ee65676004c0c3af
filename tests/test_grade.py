"""Grading batches through real nbgrader: bad-input corpus, lock, backup, kill-and-resume, watch."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime

import nbformat
import pytest

from caseloop import demo, grade, release
from caseloop.course import Course, CourseError
from caseloop.course.gradebook import grading_lock
from caseloop.course.journal import journal_path
from caseloop.notebook import ANSWER_CELL, fill

MODULE = "m01"
NOTEBOOK = "rules_and_returns.ipynb"
CASELOOP = [sys.executable, "-m", "caseloop"]
ON_TIME, LATE_STAMP, DUE = "2026-03-01 10:00:00.000000 UTC", "2026-03-09 10:00:00.000000 UTC", "2026-03-05 00:00:00"


def model_notebook(course: Course) -> nbformat.NotebookNode:
    """The released notebook with every answer cell filled with its model answer."""
    solutions = {cell.var: cell.solution for cell in demo.answer_cells(course, MODULE)}
    nb = nbformat.read(course.release_dir / MODULE / NOTEBOOK, as_version=4)
    for cell in nb.cells:
        match = ANSWER_CELL.search(cell.source) if "answer" in cell.metadata.get("caseloop", {}) else None
        if match:
            cell.source = fill(cell.source, solutions[match["var"]])
    return nb


def answer_cell(nb: nbformat.NotebookNode, index: int = 0) -> nbformat.NotebookNode:
    return [c for c in nb.cells if "answer" in c.metadata.get("caseloop", {})][index]


def graded_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def put(course: Course, trainee: str, content: bytes | str | nbformat.NotebookNode | None,
        name: str = NOTEBOOK, stamp: str = ON_TIME, module: str = MODULE) -> None:
    """Place a submission where `caseloop collect` would have put it."""
    folder = course.submitted_dir / trainee / module
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text(stamp)
    if isinstance(content, nbformat.NotebookNode):
        nbformat.write(content, folder / name)
    elif isinstance(content, str):
        (folder / name).write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        (folder / name).write_bytes(content)


def corpus(course: Course) -> dict[str, str]:
    """Every kind of bad submission, beside good ones; returns trainee -> expected status."""
    good = model_notebook(course)
    expected = {}

    def add(trainee, status, content, **kwargs):
        put(course, trainee, content, **kwargs)
        expected[trainee] = status

    add("good1", grade.GRADED, good)
    add("good2", grade.GRADED, good)
    add("late", grade.LATE, good, stamp=LATE_STAMP)
    add("invalid_json", grade.MALFORMED, '{"cells": [ {"cell_type": ')
    add("empty_file", grade.MALFORMED, "")
    add("nbformat3", grade.MALFORMED, json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                                  "worksheets": [{"cells": []}]}))
    add("non_utf8", grade.MALFORMED, nbformat.writes(good).replace("Jordan", "Jördan").encode("latin-1", "replace"))
    add("wrong_name", grade.MISSING, good, name="my answers.ipynb")
    add("no_notebook", grade.MISSING, None)

    deleted = model_notebook(course)
    deleted.cells = [c for c in deleted.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in
                     {"c0001_resolution", "resolution_c0001_answer"}]
    add("deleted_cells", grade.GRADED, deleted)
    duplicated = model_notebook(course)
    copy = nbformat.from_dict(json.loads(json.dumps(graded_cells(duplicated)[0])))
    copy["id"] = "pasted-copy"  # what a copy and paste in JupyterLab gives
    duplicated.cells.insert(5, copy)
    add("duplicated_cells", grade.GRADED, duplicated)
    edited = nbformat.read(course.release_dir / MODULE / NOTEBOOK, as_version=4)  # blank answers ...
    for cell in graded_cells(edited):
        cell.source = "3.0  # full marks, please"                               # ... and forged tests
    add("edited_tests", grade.GRADED, edited)
    big = model_notebook(course)
    answer_cell(big).outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 50_000_000)]
    answer_cell(big).execution_count = 1
    add("big_output", grade.GRADED, big)
    for trainee, (status, content) in bad_inputs(good).items():
        add(trainee, status, content)
    return expected


def bad_inputs(good: nbformat.NotebookNode) -> dict[str, tuple[str, str]]:
    """Submissions that once stopped a whole batch or were retried for ever: trainee -> (status, file text)."""
    raw = json.loads(nbformat.writes(good))
    bomb = json.loads(nbformat.writes(good))
    next(c for c in bomb["cells"] if "answer" in c["metadata"].get("caseloop", {}))["source"] = "-" * 100_000 + "1"
    return {
        "json_array": (grade.MALFORMED, "[]"),
        "json_null": (grade.MALFORMED, "null"),
        "json_string": (grade.MALFORMED, '"a notebook"'),
        "nbformat_text": (grade.MALFORMED, json.dumps({**raw, "nbformat": "4"})),
        "nbformat_5": (grade.MALFORMED, json.dumps({**raw, "nbformat": 5})),
        "no_cells": (grade.MALFORMED, json.dumps({k: v for k, v in raw.items() if k != "cells"})),
        "cells_not_list": (grade.MALFORMED, json.dumps({**raw, "cells": {"0": raw["cells"][0]}})),
        "cell_not_cell": (grade.MALFORMED, json.dumps({**raw, "cells": [*raw["cells"][:2], 42]})),
        "deep_json": (grade.MALFORMED, "[" * 100_000 + "]" * 100_000),
        "parser_bomb": (grade.SYNTAX, json.dumps(bomb)),
    }


# A module whose answer is code (as in the data-analysis module): the only kind graded in a kernel.
CODE_MODULE = "x01code"
CODE_NOTEBOOK = "code_answer.ipynb"
KERNEL_CHEATS = {"infinite_loop": (grade.TIMED_OUT, "while True:\n    pass"),
                 "os_exit": (grade.KERNEL_DIED, "import os\nos._exit(1)"),
                 "eats_memory": (grade.OUT_OF_MEMORY, "hog = []\nwhile True:\n    hog.append(bytearray(50_000_000))"),
                 "ignores_interrupt": (grade.TIMED_OUT, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                        "while True:\n    pass"),
                 "parser_bomb": (grade.SYNTAX, "-" * 100_000 + "1"),
                 "honest_code": (grade.GRADED, "total = sum([1, 2, 3])"),
                 # from autograded/TRAINEE/MODULE the gradebook is three folders up; the kernel runs elsewhere
                 "relative_peek": (grade.GRADED, "import os\ntotal = 0 if os.path.exists('../../../gradebook.db') "
                                                 "or os.path.isdir('../../honest_code') else 6")}


def write_code_module(course: Course) -> None:
    """A one-exercise module with a code answer, written into the test workspace's source/ only."""
    answer = nbformat.v4.new_code_cell("# 用代码计算 total / Compute total with code\n### BEGIN SOLUTION\n"
                                       "total = sum([1, 2, 3])\n### END SOLUTION", id="total_answer")
    answer.metadata = {"nbgrader": {"grade": False, "solution": True, "locked": False, "grade_id": "total_answer",
                                    "schema_version": 3}, "caseloop": {"answer": "code", "case": "C-0001"}}
    test = nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nfrom caseloop import checks\n"
                                     "checks.number(total, expected=6, points=1)\n### END HIDDEN TESTS", id="x01_total")
    test.metadata = {"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": "x01_total",
                                  "points": 1, "schema_version": 3},
                     "caseloop": {"competency": ["DIA"], "case": "C-0001"}}
    helper = nbformat.v4.new_code_cell("import os\nos._exit(3)  # grading must never run the self-check cell",
                                       id="x01-selfcheck", metadata={"caseloop": {"selfcheck": True}})
    nb = nbformat.v4.new_notebook(cells=[answer, test, helper])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (course.source_dir / CODE_MODULE).mkdir()
    nbformat.write(nb, course.source_dir / CODE_MODULE / CODE_NOTEBOOK)


@pytest.fixture(scope="module")
def released(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A fresh course with m01 released through nbgrader (no trainee has submitted yet)."""
    course = repo_course.copy_to(tmp_path_factory.mktemp("grade") / "course")
    release.release(course, MODULE)
    return course


@pytest.fixture(scope="module")
def corpus_batch(released: Course) -> tuple[Course, dict[str, str], list[grade.SubmissionResult]]:
    from nbgrader.api import Gradebook

    expected = corpus(released)
    with Gradebook(released.db_url()) as gradebook:
        gradebook.update_or_create_assignment(MODULE, duedate=datetime.fromisoformat(DUE))
    options = grade.GradeOptions(workers=2, timeout=5, memory_mb=768)
    return released, expected, grade.grade(released, MODULE, options)


@pytest.fixture(scope="module")
def code_batch(released: Course) -> list[grade.SubmissionResult]:
    """Trainee code that hangs, kills its kernel or eats memory, in a code-answer module graded in kernels."""
    write_code_module(released)
    release.release(released, CODE_MODULE)
    source = nbformat.read(released.release_dir / CODE_MODULE / CODE_NOTEBOOK, as_version=4)
    for trainee, (_, code) in KERNEL_CHEATS.items():
        nb = nbformat.from_dict(json.loads(json.dumps(source)))
        nb.cells[0].source = code
        put(released, trainee, nb, name=CODE_NOTEBOOK, module=CODE_MODULE)
    options = grade.GradeOptions(workers=2, timeout=5, memory_mb=768)
    return grade.grade(released, CODE_MODULE, options)


def test_kernel_failures_of_code_answers_end_in_their_named_status(released, code_batch):
    from nbgrader.api import Gradebook

    assert {r.trainee: r.status for r in code_batch} == {t: status for t, (status, _) in KERNEL_CHEATS.items()}
    with Gradebook(released.db_url()) as gradebook:
        totals = {s.student.id: s.score for s in gradebook.assignment_submissions(CODE_MODULE)}
    assert totals["honest_code"] == 1
    assert totals["relative_peek"] == 1, "relative paths from trainee code reach neither the gradebook nor others"
    assert totals["infinite_loop"] == totals["eats_memory"] == 0
    slow = nbformat.read(released.autograded_dir / "infinite_loop" / CODE_MODULE / CODE_NOTEBOOK, as_version=4)
    errors = [o.ename for o in slow.cells[0].outputs if o.output_type == "error"]
    assert "CellTimeoutError" in errors, "the kernel path ran the loop until the time limit"


def scores(course: Course) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    result: dict[str, dict[str, float]] = {}
    with Gradebook(course.db_url()) as gradebook:
        for submission in gradebook.assignment_submissions(MODULE):
            result[submission.student.id] = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
    return result


@pytest.mark.parametrize("trainee", ["json_array", "json_null", "json_string", "nbformat_text", "nbformat_5",
                                     "no_cells", "cells_not_list", "cell_not_cell", "deep_json", "parser_bomb"])
def test_each_bad_input_ends_in_a_final_named_status(corpus_batch, trainee):
    course, expected, results = corpus_batch
    result = next(r for r in results if r.trainee == trainee)
    assert result.status == expected[trainee] and result.status in grade.FINAL
    assert str(course.submitted_dir / trainee / MODULE) in result.detail


def test_each_bad_submission_ends_in_its_named_status(corpus_batch):
    course, expected, results = corpus_batch
    got = {r.trainee: r.status for r in results}
    assert got == expected
    for result in results:
        if result.status in {grade.MALFORMED, grade.MISSING}:
            assert str(course.submitted_dir / result.trainee / MODULE) in result.detail
            assert "ask the trainee" in result.detail


def test_bad_submissions_change_no_other_trainees_grade(corpus_batch):
    course, _, _ = corpus_batch
    graded = scores(course)
    assert graded["good1"] == graded["good2"] and sum(graded["good1"].values()) == 15
    assert sum(graded["late"].values()) == 15, "no late penalty is configured; the status says late"
    assert sum(graded["big_output"].values()) == 15
    assert sum(graded["duplicated_cells"].values()) == 15
    assert sum(graded["edited_tests"].values()) == 0, "forged test cells are restored from the gradebook"
    assert graded["deleted_cells"]["c0001_resolution"] == 0
    assert sum(graded["deleted_cells"].values()) == 14
    # unreadable submissions are reported, not scored
    assert not {"invalid_json", "empty_file", "nbformat3", "non_utf8", "wrong_name", "no_notebook"} & set(graded)


def test_literal_answers_are_read_not_run(corpus_batch):
    course, _, _ = corpus_batch
    fast = nbformat.read(course.autograded_dir / "good1" / MODULE / NOTEBOOK, as_version=4)
    assert answer_cell(fast).outputs == [] and answer_cell(fast).execution_count == 1


def test_a_second_grader_is_told_who_holds_the_lock(released):
    with grading_lock(released, MODULE):
        with pytest.raises(CourseError, match=r"being graded right now by .*@.*pid"):
            grade.grade(released, MODULE)


def test_gradebook_is_backed_up_before_a_batch(corpus_batch):
    course, _, _ = corpus_batch
    backups = sorted((course.root / ".caseloop" / "backups").glob("gradebook-*-before-m01.db"))
    assert backups
    with sqlite3.connect(backups[-1]) as db:
        assert db.execute("select count(*) from assignment where name = ?", (MODULE,)).fetchone()[0] == 1


def test_exit_status_and_table_from_the_cli(corpus_batch):
    course, expected, _ = corpus_batch
    run = subprocess.run([*CASELOOP, "--course", str(course.root), "grade", MODULE],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert f"{len(expected)} submissions:" in run.stdout and "malformed notebook" in run.stdout
    assert "invalid_json" in run.stdout


def _count_rows(course: Course) -> tuple[int, int, int]:
    db = course.db_url().removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        submissions = conn.execute("select count(*) from submitted_assignment").fetchone()[0]
        grades = conn.execute("select count(*) from grade").fetchone()[0]
        distinct = conn.execute("select count(distinct notebook_id || cell_id) from grade").fetchone()[0]
    return submissions, grades, distinct


def test_killed_batch_resumes_grading_each_submission_once(repo_course, tmp_path):
    from nbgrader.api import Gradebook

    course = repo_course.copy_to(tmp_path / "course")
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, 14, seed=3)
    grade.collect(course, MODULE)
    command = [*CASELOOP, "--course", str(course.root), "grade", MODULE, "--workers", "1", "--no-fast-path"]
    status_file = journal_path(course, MODULE)

    # kill at the very start, then in the middle of the batch
    for rows_before_kill in (0, 4):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while rows_before_kill and time.monotonic() < deadline and (
                not status_file.is_file() or len(status_file.read_text().splitlines()) <= rows_before_kill):
            time.sleep(0.05)
        if not rows_before_kill:
            time.sleep(1.0)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    graded_before = {r.trainee: r.graded_at for r in grade.batch_results(course, MODULE)}
    assert len(graded_before) >= 4

    # a mentor's manual grade on a submission graded before the kill
    trainee = sorted(graded_before)[0]
    with Gradebook(course.db_url()) as gradebook:
        cell = gradebook.find_grade("c0001_reply", "rules_and_returns", MODULE, trainee)
        cell.manual_score = 2.5
        gradebook.db.commit()

    results = grade.grade(course, MODULE, grade.GradeOptions(workers=2))
    assert len(results) == 14
    assert {r.status for r in results} == {grade.GRADED, grade.MALFORMED}
    after = {r.trainee: r.graded_at for r in results}
    assert all(after[t] == stamp for t, stamp in graded_before.items()), "finished work is not redone"
    submissions, grades, distinct = _count_rows(course)
    assert submissions == 13 and grades == distinct == 13 * 10, "every submission graded exactly once"
    assert len(status_file.read_text().strip().splitlines()) == 1 + 14
    with Gradebook(course.db_url()) as gradebook:
        assert gradebook.find_grade("c0001_reply", "rules_and_returns", MODULE, trainee).manual_score == 2.5


def test_watch_grades_a_new_submission_within_seconds(repo_course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    release.release(course, MODULE)
    watcher = subprocess.Popen([*CASELOOP, "--course", str(course.root), "grade", MODULE, "--watch",
                                "--interval", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(3)
        demo.submit_cohort(course, MODULE, 3, seed=5)
        submitted = time.monotonic()
        while time.monotonic() - submitted < 60:
            outcomes = {r.trainee: r.status for r in grade.batch_results(course, MODULE)}
            if len(outcomes) == 3:
                break
            time.sleep(0.2)
        waited = time.monotonic() - submitted
        assert outcomes == {"trainee01": grade.GRADED, "trainee02": grade.GRADED, "trainee03": grade.MALFORMED}
        assert waited < 30
        assert sum(scores(course)["trainee01"].values()) == 15
    finally:
        watcher.send_signal(signal.SIGINT)
        out, _ = watcher.communicate(timeout=30)
    assert "trainee01: graded" in out and "stopped watching m01" in out
