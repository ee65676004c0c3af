"""`caseloop demo`: two cohorts through the whole curriculum, checked on known simulated trainees.

The programme runs once per test session (`programme_run` in conftest.py), through real nbgrader
(m08 in the bubblewrap sandbox) and the gradebook a mentor scores in; each test reads what a lead
would open. The roster tests need no run.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest

from caseloop.checks.redlines import REASONS
from caseloop.demo.programme import COHORT_MIX, PROFILES, RED_LINE, mentor_share, roster, submits
from conftest import REPO


@pytest.fixture(scope="module")
def reports(programme_run):
    return programme_run["workspace"] / "reports"


@pytest.fixture(scope="module")
def cohorts(reports) -> pd.DataFrame:
    return pd.read_csv(reports / "cohorts.csv", dtype=str)


def trainee_of(cohorts: pd.DataFrame, profile: str) -> str:
    (trainee,) = cohorts.loc[cohorts["profile"] == profile, "trainee"]
    return trainee


def table(reports, name: str) -> pd.DataFrame:
    return pd.read_csv(reports / f"{name}.csv", keep_default_na=False, na_values={"share": [""]})


def test_the_roster_has_two_cohorts_of_every_profile():
    trainees = roster(date(2026, 8, 24), seed=1)
    assert len(trainees) >= 30 and len({t.cohort for t in trainees}) == 2
    assert {t.cohort for t in trainees} == {date(2026, 8, 24), date(2026, 9, 21)}
    counts = Counter(t.profile.name for t in trainees)
    assert {"fast", "steady", "struggling"} <= set(counts) and counts["steady"] >= 10
    for special in ("red_line", "dropout", "malformed", "late_review"):
        assert counts[special] == 1, special
    assert roster(date(2026, 8, 24), seed=1) == trainees, "the same seed gives the same cohort"
    assert sum(map(len, COHORT_MIX)) == len(trainees)


def test_a_dropout_submits_up_to_the_module_they_stop_after():
    modules = ["m00", "m01", "m02", "m03"]
    dropout = next(t for t in roster(date(2026, 8, 24), seed=1) if t.profile.name == "dropout")
    assert [m for m in modules if submits(dropout, m, modules)] == ["m00", "m01"]


def test_a_mentor_fails_tone_on_a_red_line_reply():
    import random

    rng = random.Random(0)
    assert mentor_share("tone", "red_line", rng) == 0 and mentor_share("empathy", "red_line", rng) == 0.5
    assert mentor_share("culture", "blank", rng) == 0 and mentor_share("tone", "partial", rng) == 0.5
    assert {mentor_share("tone", "correct", rng) for _ in range(50)} == {0.5, 1.0}


def test_the_course_itself_is_left_alone(programme_run, repo_course):
    assert programme_run["course data after"] == programme_run["course data before"]
    assert repo_course.root not in programme_run["workspace"].parents


def test_every_module_is_graded_in_curriculum_order_week_by_week(programme_run, repo_course, cohorts):
    grades = pd.read_csv(programme_run["grades"], parse_dates=["submitted_at"])
    modules = [m.id for m in repo_course.curriculum().modules]
    assert set(grades["module"]) == set(modules)
    starts = {t: date.fromisoformat(c) for t, c in cohorts[["trainee", "cohort"]].itertuples(index=False)}
    when = grades.groupby(["trainee", "module"])["submitted_at"].first().reset_index()
    for row in when.itertuples():
        week = starts[row.trainee] + timedelta(weeks=modules.index(row.module))
        assert week <= row.submitted_at.date() < week + timedelta(days=7), (row.trainee, row.module)
    assert when["submitted_at"].max().date() < date(2026, 11, 30), "nothing happens after the simulated today"
    per_module = when.groupby("module")["trainee"].nunique()
    assert per_module["m00"] == per_module["m01"] == len(cohorts), "everyone starts"
    assert per_module["m02"] == len(cohorts) - 2, "the dropout has stopped, the malformed upload is not graded"
    assert (per_module[modules[3:]] == len(cohorts) - 1).all()


def test_the_dropout_shows_no_activity_after_the_second_week(reports, cohorts):
    dropout = trainee_of(cohorts, "dropout")
    completion = table(reports, "completion")
    theirs = completion[completion["trainee"] == dropout].set_index("module")["status"]
    assert set(theirs[["m00", "m01"]]) == {"graded"}
    assert set(theirs.drop(["m00", "m01"])) == {"not submitted"}
    assert (pd.read_csv(reports / "grades.csv").query("trainee == @dropout")["module"].unique().tolist()
            == ["m00", "m01"])


def test_the_malformed_upload_is_reported_and_the_rest_graded(reports, cohorts):
    trainee = trainee_of(cohorts, "malformed")
    status = pd.read_csv(reports / "grade-m02.csv").set_index("trainee")
    assert status.at[trainee, "status"] == "malformed notebook"
    completion = table(reports, "completion")
    theirs = completion[completion["trainee"] == trainee].set_index("module")["status"]
    assert theirs["m02"] == "malformed notebook" and (theirs.drop("m02") == "graded").all()


def test_the_red_line_trainee_appears_with_the_red_lines(programme_run, reports, cohorts):
    trainee = trainee_of(cohorts, "red_line")
    answers = pd.read_csv(programme_run["answers"], keep_default_na=False)
    written = answers[(answers["trainee"] == trainee) & (answers["variant"] == "red_line")]
    module = PROFILES["red_line"].red_line_in
    reply_cells = answers[(answers["module"] == module) & (answers["kind"] == "reply")]["var"].nunique()
    assert set(written["module"]) == {module} and len(written) == reply_cells >= 4, "every reply of the module"
    assert written["answer"].str.endswith(RED_LINE).all()
    grades = pd.read_csv(reports / "grades.csv").fillna({"failures": ""})
    replies = grades[(grades["trainee"] == trainee) & (grades["module"] == module) & grades["cell"].isin(
        written["var"].str.replace(r"reply_(c\d+)", r"\1_reply", regex=True))]
    assert len(replies) == reply_cells and (replies["score"] == 0).all()
    for failures in replies["failures"]:
        assert {"email", "review_incentive", "shouting"} <= set(failures.split(";"))
    page = (reports / "trainees" / f"{trainee}.html").read_text(encoding="utf-8")
    assert "review_incentive" in page or REASONS["review_incentive"][1] in page
    elsewhere = grades[(grades["trainee"] != trainee) & grades["failures"].str.contains("review_incentive")]
    assert set(elsewhere["trainee"]) <= set(answers.loc[answers["variant"] == "wrong", "trainee"]), \
        "other red lines come from wrong answers only"


def test_mentor_scores_follow_the_replies_and_one_review_waits(programme_run, reports, cohorts):
    mentor = table(reports, "mentor")
    waiting = trainee_of(cohorts, "late_review")
    assert mentor.loc[mentor["trainee"] == waiting, "pending"].astype(str).eq("True").all()
    scored = mentor[mentor["trainee"] != waiting]
    assert scored["pending"].astype(str).eq("False").all(), "the mentor scored everyone else's rubric"
    rubric = sum(1 for path in (REPO / "source" / "m07").glob("*.ipynb")
                 for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
                 if cell["metadata"].get("caseloop", {}).get("rubric"))
    assert rubric == 30, "m07: three criteria under each of its ten replies"
    assert len(scored) == rubric * scored["trainee"].nunique() and scored["trainee"].nunique() >= 28
    answers = pd.read_csv(programme_run["answers"], keep_default_na=False)
    variant = answers[answers["module"] == "m07"].set_index(["trainee", "var"])["variant"]
    for row in scored[scored["criterion"] == "tone"].itertuples():
        written = variant[row.trainee, f"reply_{row.reviews.split('_')[0]}"]
        assert (float(row.mentor_share) == 0) == (written in {"wrong", "blank"}), (row.trainee, row.reviews)
    gates = table(reports, "gates")
    signoff = gates[gates["gate"] == "mentor_signoff"].set_index("trainee")
    assert "wait" in signoff.at[waiting, "reason_en"]
    page = (reports / "trainees" / f"{scored['trainee'].iloc[0]}.html").read_text(encoding="utf-8")
    assert 'id="mentor-review"' in page and ("a fitting reply" in page or "tone and address" in page)


def test_every_section_of_the_cohort_report_has_content(reports, cohorts):
    levels = table(reports, "levels")
    reached = Counter(levels["level"])
    assert reached["junior"] >= 3 and reached["senior"] >= 1 and reached[""] >= 5
    fast = set(cohorts.loc[cohorts["profile"] == "fast", "trainee"])
    assert set(levels.loc[levels["level"] == "senior", "trainee"]) <= fast
    risk = table(reports, "risk")
    struggling = set(cohorts.loc[cohorts["profile"] == "struggling", "trainee"])
    assert risk["trainee"].nunique() >= 3 and set(risk["trainee"]) & struggling
    assert not set(risk["trainee"]) & fast
    gain = table(reports, "gain")
    assert len(gain) >= 4 and (gain["n"] == len(cohorts) - 1).all() and gain["gain"].mean() > 0.05
    targets = table(reports, "targets")
    assert set(targets["cohort"]) == set(cohorts["cohort"]) and (targets["n"] == 16).all()
    trend = table(reports, "trend")
    assert set(trend["cohort"]) == set(cohorts["cohort"]) and len(trend) == 2 * 6
    page = (reports / "cohort.html").read_text(encoding="utf-8")
    for section in ("readiness", "at-risk", "alerts", "progress", "gain", "targets", "trend"):
        body = page[page.index(f'id="{section}"'):]
        body = body[:body.find("<h2")] if "<h2" in body else body
        assert body.count("<tr") >= 3, f"section {section} has rows"
    assert "Not in the grade table" not in (reports / "kpi.html").read_text(encoding="utf-8")


def test_kpis_and_the_backlog_on_the_demo(programme_run, reports):
    amazon = pd.read_csv(reports / "kpi-amazon.csv").set_index("rate")
    assert (amazon["n"] == 32).all(), "every sample agent has graded work in the programme"
    assert re.search(r'data-rate="order_defect_rate" data-n="32"', programme_run["KPI report"].read_text())
    backlog = pd.read_csv(reports / "revision-backlog.csv", keep_default_na=False)
    flags = backlog[backlog["module"] == "m01"].groupby("cell")["flag"].agg(set)
    assert "negative_discrimination" in flags["c0003_fba_returns"], "the reversed key"
    assert "too_easy" in flags["c0001_reply_hours"], "the answer left in the release"
    survey = pd.read_csv(reports / "survey.csv", keep_default_na=False)
    assert survey["module"].nunique() == 10


def test_quick_runs_one_cohort_through_m01_from_the_command_line(repo_course, tmp_path, capsys):
    from caseloop.cli import main

    workspace = tmp_path / "quick"
    assert main(["--course", str(repo_course.root), "demo", "--quick", "--trainees", "3", "--lang", "en",
                 "--workspace", str(workspace)]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"cohort report +{re.escape(str(workspace / 'reports' / 'cohort.html'))}\n", out)
    status = pd.read_csv(workspace / "reports" / "grade-m01.csv").set_index("trainee")["status"]
    assert status.to_dict() == {"trainee01": "graded", "trainee02": "graded", "trainee03": "malformed notebook"}
    assert sorted(p.name for p in (workspace / "reports").glob("grade-*.csv")) == ["grade-m01.csv"]
    assert '<html lang="en">' in (workspace / "reports" / "cohort.html").read_text(encoding="utf-8")
