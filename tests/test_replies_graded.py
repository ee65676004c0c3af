"""Replies graded through real nbgrader: case-aware scores, and the replies the grader is unsure of go to a mentor.

Three trainees submit m01 through the exchange: one writes replies a mentor would send, one writes a
good reply with a word the dictionary does not know (the grader is unsure), one writes a reply to
another case. The autograde stands, and only the unsure reply is marked for a mentor in the gradebook.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from caseloop import grade, release
from caseloop.compile import compile_course
from caseloop.course import Course, gradebook
from caseloop.demo import answer_cells, submit_answers
from test_checks_replies import JORDAN

MODULE = "m01"
@pytest.fixture(scope="module")
def graded(repo_course: Course, tmp_path_factory) -> Course:
    course = repo_course.copy_to(tmp_path_factory.mktemp("replies") / "course")
    release.release(course, MODULE)
    models = {cell.var: cell.solution for cell in answer_cells(course, MODULE)}
    other_case = yaml.safe_load(course.cases_dir.joinpath("C-0104.yaml").read_text(encoding="utf-8"))
    replies = {"model": JORDAN, "unsure": JORDAN.replace("disappointing", "disapointing"),
               "other": other_case["reply_template"].replace(other_case["buyer_name"], "Jordan")}
    for trainee, text in replies.items():
        submit_answers(course, MODULE, trainee,
                       lambda nb, var, tags, released, text=text: text if var == "reply_c0001" else models.get(var))
    grade.collect(course, MODULE)
    outcomes = grade.grade(course, MODULE, grade.GradeOptions(workers=2))
    assert {o.status for o in outcomes} == {grade.GRADED}
    return course


def _grades(course: Course) -> dict[str, object]:
    with gradebook.opened(course) as book:
        return {s.student.id: book.find_grade("c0001_reply", "rules_and_returns", MODULE, s.student.id)
                for s in book.assignment_submissions(MODULE)}


def test_the_reply_grades_follow_the_case(graded):
    grades = _grades(graded)
    assert grades["model"].auto_score == 3
    assert grades["unsure"].auto_score == 2.25
    assert grades["other"].auto_score == 0


def test_only_the_unsure_reply_waits_for_a_mentor_and_its_autograde_stands(graded):
    grades = _grades(graded)
    assert grades["unsure"].needs_manual_grade and grades["unsure"].score == 2.25
    assert not grades["model"].needs_manual_grade
    table, _ = compile_course(graded)
    reply = table[table["cell"] == "c0001_reply"].set_index("trainee")
    assert reply.loc["unsure", "score"] == 2.25 and bool(reply.loc["unsure", "needs_manual_grade"])
    assert "spelling" in reply.loc["unsure", "failures"]


def test_the_mentor_queue_puts_the_unsure_reply_first_with_its_reasons(graded, capsys):
    from caseloop.cli import main

    assert main(["--course", str(graded.root), "queue", MODULE]) == 0
    printed = capsys.readouterr().out
    queue = pd.read_csv(graded.reports_dir / f"review-queue-{MODULE}.csv")
    unsure = queue[queue["waits_because"] == "the grader is unsure"]
    assert list(unsure["trainee"]) == ["unsure"] and list(unsure["cell"]) == ["c0001_reply"]
    assert "disapointing" in unsure.iloc[0]["reasons"] and unsure.index[0] == 0
    assert unsure.iloc[0]["formgrader"].startswith("formgrader/submissions/")
    assert "model" not in set(queue["trainee"])
    assert "  1. unsure  rules_and_returns/c0001_reply  autograde 2.25/3  unsure: " in printed


def test_rubric_cells_come_after_the_unsure_replies_earliest_first():
    from caseloop.grade.queue import COLUMNS, RUBRIC, UNSURE, ordered

    rows = [("t1", RUBRIC, "2026-03-01"), ("t2", UNSURE, "2026-03-03"), ("t3", RUBRIC, "2026-02-27"),
            ("t4", UNSURE, "2026-03-02")]
    frame = pd.DataFrame([{**dict.fromkeys(COLUMNS, ""), "trainee": t, "waits_because": why, "submitted": when}
                          for t, why, when in rows])
    assert list(ordered(frame)["trainee"]) == ["t4", "t2", "t3", "t1"]
