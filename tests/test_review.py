"""Mentor review of replies: m07's rubric cells through real nbgrader, a mentor's grades in the gradebook,
and what they change in the reports and the revision backlog.

Five trainees submit m07 through the exchange and are graded by caseloop. A mentor then scores
the rubric cells with nbgrader's Gradebook API (what the formgrader's handlers write; the browser
test does the same through the formgrader itself).
"""

from __future__ import annotations

import pandas as pd
import pytest

from caseloop.analysis import agreement as review
from caseloop.cli import main
from caseloop.compile import compile_course, item_table
from caseloop.course import Course, rubric
from caseloop.demo import answer_cells, submit_answers
from caseloop.grade import collect, grade
from caseloop.release import release
from caseloop.report import cohort_tables

MODULE, NOTEBOOK = "m07", "final_assessment"
REPLIES = ("c0014_reply", "c0008_reply", "c0016_reply", "c0018_reply", "c0025_reply", "c0027_reply", "c0013_reply",
           "c0011_reply", "c0039_reply", "c0034_reply")  # Sophie's (C-0014) first, then the notebook's order
RUBRIC = [f"{reply}_{c.code}" for reply in REPLIES for c in rubric.CRITERIA]
# Sophie's reply with the fix and the date, but no word for how she feels and no apology.
NO_EMPATHY = ("Dear Sophie,\nPlease stop using the kettle and unplug it now: a kettle that does not switch itself "
              "off is not safe. I can refund you in full or send a replacement from a "
              "different batch, whichever you prefer. A prepaid return label is attached, and I will issue the "
              "refund or ship the replacement within 2 business days of the kettle reaching us.\n"
              "Kind regards,\nCustomer Service")
COMMENT = "Warm and clear; name her worry about safety before the refund."


@pytest.fixture(scope="module")
def course(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    """m07 answered by ava, dan and fay (model answers), ben (no empathy for Sophie) and cai (blank), graded."""
    ws = repo_course.copy_to(tmp_path_factory.mktemp("review") / "course")
    release(ws, MODULE)
    model = {cell.var: cell.solution for cell in answer_cells(ws, MODULE)}
    cohort = {"ava": model, "ben": {**model, "reply_c0014": NO_EMPATHY}, "cai": {}, "dan": model, "fay": model}
    for trainee, answers in cohort.items():
        submit_answers(ws, MODULE, trainee,
                       lambda nb, var, tags, text, answers=answers: answers.get(var) if "answer" in tags else None)
    assert sorted(collect(ws, MODULE)) == sorted(cohort)
    assert {o.status for o in grade(ws, MODULE)} == {"graded"}
    return ws


def tables(course: Course):
    grades, _ = compile_course(course)
    return grades, cohort_tables(grades, course.curriculum(), items=item_table(course))


@pytest.fixture(scope="module")
def before(course: Course):
    """The compiled grades and report tables right after autograding, before any mentor."""
    return tables(course)


def mentor_grades(course: Course, scores: dict[tuple[str, str], float], comments: dict[tuple[str, str], str]) -> None:
    """Write a mentor's scores and comments on rubric cells into the gradebook, as the formgrader does."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url()) as gradebook:
        for (trainee, cell), score in scores.items():
            grade = gradebook.find_grade(cell, NOTEBOOK, MODULE, trainee)
            grade.manual_score, grade.needs_manual_grade = score, False
        for (trainee, cell), text in comments.items():
            gradebook.find_comment(cell, NOTEBOOK, MODULE, trainee).manual_comment = text
        gradebook.db.commit()


@pytest.fixture(scope="module")
def after(course: Course, before):
    """A mentor grades everyone but fay: full marks except Sophie's empathy (0 for ava and dan, 1 for ben), cai 0."""
    scores = {}
    for trainee in ("ava", "ben", "cai", "dan"):
        for cell in RUBRIC:
            scores[trainee, cell] = 0.0 if trainee == "cai" else 1.0
    scores["ava", "c0014_reply_empathy"] = scores["dan", "c0014_reply_empathy"] = 0.0
    mentor_grades(course, scores, {("ava", "c0014_reply_empathy"): COMMENT})
    return tables(course)


def test_rubric_cells_wait_for_a_mentor_and_are_not_evidence_yet(before):
    grades, report = before
    rubric = grades[grades["cell"].isin(RUBRIC)]
    assert len(rubric) == 5 * len(RUBRIC)
    assert rubric["needs_manual_grade"].all() and rubric["score"].isna().all() and rubric["auto_score"].isna().all()
    ava = report.mastery[report.mastery["trainee"] == "ava"].set_index("competency")
    assert ava.loc[["COM", "EMO", "XCC"], "share"].tolist() == [1.0, 1.0, 1.0], "pending cells must not count as 0"
    gates = report.gates.set_index(["trainee", "gate"])
    assert gates.loc[("ava", "simulated_cases"), "met"], "a case's rubric does not decide whether it was solved"
    assert not gates.loc[("ava", "mentor_signoff"), "met"]
    assert gates.loc[("ava", "mentor_signoff"), "reason_en"] == "30 items in m07 await a mentor's grade"
    assert report.mentor["pending"].all() and len(report.mentor) == 5 * len(RUBRIC)


def test_a_mentors_grades_change_the_trainees_report(course: Course, before, after):
    grades, report = after
    gates = report.gates.set_index(["trainee", "gate"])
    assert gates.loc[("ava", "mentor_signoff"), "met"]
    assert gates.loc[("ava", "mentor_signoff"), "value"] == pytest.approx(29 / 30)
    assert not gates.loc[("cai", "mentor_signoff"), "met"]
    assert gates.loc[("cai", "mentor_signoff"), "reason_en"] == "mentor score on m07 0%, needs 80%"
    assert gates.loc[("fay", "mentor_signoff"), "reason_en"] == "30 items in m07 await a mentor's grade"
    row = grades[(grades["trainee"] == "ava") & (grades["cell"] == "c0014_reply_empathy")].iloc[0]
    assert row["manual_score"] == 0 and row["comment"] == COMMENT and not row["needs_manual_grade"]
    emo = {name: frame.set_index(["trainee", "competency"]).loc[("ava", "EMO"), "share"]
           for name, frame in (("before", before[1].mastery), ("after", report.mastery))}
    assert emo["before"] == 1.0 and emo["after"] < 1.0, "the mentor's 0 on empathy is evidence on EMO"

    assert main(["--course", str(course.root), "report", "--lang", "en"]) == 0
    page = (course.reports_dir / "trainees" / "ava.html").read_text(encoding="utf-8")
    assert 'data-gate="mentor_signoff" data-met="true"' in page
    assert 'id="mentor-review"' in page and COMMENT in page
    assert 'data-reviews="c0014_reply" data-criterion="empathy" data-pending="false"' in page
    waiting = (course.reports_dir / "trainees" / "fay.html").read_text(encoding="utf-8")
    assert 'data-gate="mentor_signoff" data-met="false"' in waiting and "waiting for a mentor" in waiting


def test_review_pairs_set_mentor_and_autograde_side_by_side(course: Course, after):
    grades, _ = after
    pairs = review.review_pairs(grades, item_table(course)).set_index(["trainee", "cell"])
    ben = pairs.loc[("ben", "c0014_reply_empathy")]
    assert ben["auto_failures"] == "empathy" and not ben["autograde_pass"] and ben["mentor_pass"]
    assert 0 < ben["auto_share"] < 1 and ben["reply_points"] == 3
    ava = pairs.loc[("ava", "c0014_reply_empathy")]
    assert ava["autograde_pass"] and not ava["mentor_pass"] and ava["comment"] == COMMENT
    assert pairs.loc[("fay", "c0014_reply_empathy"), "pending"]
    table = review.disagreement(pairs.reset_index()).set_index(["reviews", "criterion"])
    sophie = table.loc[("c0014_reply", "empathy")]
    assert (sophie["n"], sophie["lenient"], sophie["strict"], sophie["agree"]) == (4, 2, 1, 1)
    assert sophie["strict_failures"] == "empathy"
    assert table.loc[("c0018_reply", "tone"), "agree"] == 4


def test_revise_flags_where_mentors_and_autograde_disagree(course: Course, after):
    assert main(["--course", str(course.root), "revise"]) == 0
    backlog = pd.read_csv(course.reports_dir / "revision-backlog.csv", dtype=str, keep_default_na=False)
    on_sophie = backlog[backlog["cell"] == "c0014_reply"].set_index("flag")
    assert float(on_sophie.loc["check_misses_mentor_concern", "value"]) == 0.5
    assert float(on_sophie.loc["check_fires_on_good_answers", "value"]) == 0.25
    assert on_sophie.loc["check_fires_on_good_answers", "failure_reasons"] == "empathy"
    assert "empathy" in on_sophie.loc["check_misses_mentor_concern", "statistic"]
    others = backlog[backlog["cell"].isin(REPLIES[1:]) & backlog["flag"].str.startswith("check_")]
    assert others.empty, "mentors agreed with the autograde on the other replies"


def test_author_rubric_adds_the_cells_once_and_lint_checks_them(repo_course: Course, tmp_path, capsys):
    import nbformat

    ws = repo_course.copy_to(tmp_path / "course")
    assert main(["--course", str(ws.root), "author", "rubric", "m07"]) == 0
    assert "already has a mentor rubric; nothing changed" in capsys.readouterr().out
    assert main(["--course", str(ws.root), "author", "rubric", "m01", "--cell", "c0001_reply"]) == 0
    assert "c0001_reply_tone, c0001_reply_empathy, c0001_reply_culture" in capsys.readouterr().out
    assert main(["--course", str(ws.root), "author", "lint", "m01"]) == 0
    path = ws.source_notebooks("m01")[0]
    nb = nbformat.read(path, as_version=4)
    task = next(c for c in nb.cells if c.get("id") == "c0001_reply_culture")
    assert task.metadata["caseloop"] == {"competency": ["XCC"], "case": "C-0001", "rubric": "culture",
                                         "reviews": "c0001_reply"}
    assert nb.cells[nb.cells.index(task) - 3].metadata["nbgrader"]["grade_id"] == "c0001_reply"

    assert main(["--course", str(ws.root), "author", "rubric", "m08"]) == 2
    assert "no reply test cell (a graded cell calling checks.reply)" in capsys.readouterr().err
    assert main(["--course", str(ws.root), "author", "rubric", "m01", "--cell", "nope"]) == 2
    assert f"{ws.source_dir / 'm01'}: no reply test cell nope" in capsys.readouterr().err
    task.metadata["caseloop"]["reviews"] = "c0001_resolution"
    nbformat.write(nb, path)
    assert main(["--course", str(ws.root), "author", "lint", "m01"]) == 1
    assert "cell c0001_reply_culture: reviews 'c0001_resolution', which is not a reply test cell" in \
        capsys.readouterr().out
