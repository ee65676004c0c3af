"""`caseloop revise`: flags, backlog ranking, survey, cell metadata, case flags, before/after and re-runs."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from caseloop.cli import main
from caseloop.compile import read_grades, source_items
from caseloop.course import Course, CourseError
from caseloop.revise import (
    Thresholds,
    merge_revision_flags,
    revise,
    survey_flags,
    survey_summary,
)
from conftest import assert_bad_file_is_named

MODULE = "m01"


# -- the demo cohort ---------------------------------------------------------------------------


def test_planted_items_top_the_demo_backlog(demo_run):
    backlog = pd.read_csv(demo_run["revision backlog (csv)"], keep_default_na=False)
    top = backlog.head(2)
    assert list(top["cell"]) == ["c0003_fba_returns", "c0001_reply_hours"]
    assert list(top["flag"]) == ["negative_discrimination", "too_easy"]
    assert backlog["impact"].is_monotonic_decreasing
    markdown = demo_run["revision backlog"].read_text(encoding="utf-8")
    assert markdown.index("c0003_fba_returns") < markdown.index("c0001_reply_hours")


def test_unused_distractors_are_options_no_graded_trainee_picked(demo_run):
    backlog = pd.read_csv(demo_run["revision backlog (csv)"], keep_default_na=False)
    unused = backlog[backlog["flag"] == "unused_distractor"]
    given = pd.read_csv(demo_run["answers"], keep_default_na=False)
    given = given[(given["kind"] == "choice") & (given["trainee"] != "trainee32")]
    variable = {"c0003_fba_routing": "fba_routing_c0003", "c0004_root_cause": "root_cause_c0004",
                "c0001_resolution": "resolution_c0001", "c0002_return_shipping": "return_shipping_c0002",
                "c0007_spot_violation": "violation_c0007", "c0003_fba_returns": "fba_returns_c0003"}
    picked = {cell: set(given.loc[given["var"] == var, "answer"].str.upper()) for cell, var in variable.items()}
    for entry in unused.itertuples():
        option = entry.statistic.split()[1]
        assert option not in picked[entry.cell], entry
    flagged = {(e.cell, e.statistic.split()[1]) for e in unused.itertuples()}
    options = {"c0003_fba_returns": "AB"}
    expected = {(cell, option) for cell in variable for option in options.get(cell, "ABCD")
                if option not in picked[cell]}
    assert flagged == expected


def test_statistics_agree_with_the_grade_table(demo_run):
    grades = read_grades(demo_run["grades"])
    stats = pd.read_csv(demo_run["workspace"] / "reports" / "item-statistics.csv")
    cell = stats[(stats["level"] == "cell")].set_index("cell")
    for name, rows in grades.groupby("cell"):
        assert cell.loc[name, "facility"] == pytest.approx((rows["score"] / rows["max_score"]).mean())
        assert cell.loc[name, "share_zero"] == pytest.approx((rows["score"] == 0).mean())
    trivial = grades[grades["cell"] == "c0001_reply_hours"]
    assert (trivial["score"] == 1).all(), "the planted answer left in the release earns everyone the point"
    exercises = stats[stats["level"] == "exercise"].set_index("cell")
    case_points = grades.groupby(["trainee", "case"])["score"].sum().unstack()
    case_max = grades.drop_duplicates("cell").groupby("case")["max_score"].sum()
    for case in case_points.columns:
        assert exercises.loc[case, "facility"] == pytest.approx((case_points[case] / case_max[case]).mean())


def test_failure_reasons_count_the_failed_checks(demo_run):
    grades = read_grades(demo_run["grades"])
    stats = pd.read_csv(demo_run["workspace"] / "reports" / "item-statistics.csv", keep_default_na=False)
    reply = grades[grades["cell"] == "c0007_reply"]
    top = stats.set_index("cell").loc["c0007_reply", "failure_reasons"].split("; ")[0]
    code, share = top.split(" ")[:2]
    counted = reply["failures"].str.split(";").map(lambda codes: code in codes).mean()
    assert share == f"{counted:.0%}"
    # the feedback line the check printed names the reason, where it is the same for every trainee
    reasons = " ".join(stats["failure_reasons"])
    assert re.search(r"blank \d+% \(未作答[^/]*/ no answer given", reasons)
    # everyone who "failed" the planted reversed key picked B, the right answer, and the reason says so
    reversed_key = stats.set_index("cell").loc["c0003_fba_returns", "failure_reasons"]
    assert "option B is not right" in reversed_key


def test_survey_answers_are_compiled_per_module(demo_run):
    given = pd.read_csv(demo_run["answers"], keep_default_na=False)
    given = given[given["kind"].str.startswith("survey:") & (given["answer"] != "")
                  & (given["trainee"] != "trainee32")]  # the malformed notebook was never graded
    compiled = pd.read_csv(demo_run["workspace"] / "reports" / "survey.csv", keep_default_na=False)
    assert len(compiled) == len(given) > 0
    usefulness = given[given["kind"] == "survey:usefulness"]["answer"].astype(int).mean()
    markdown = demo_run["revision backlog"].read_text(encoding="utf-8")
    assert f"usefulness {usefulness:.2f} / 5" in markdown
    scenarios = given[given["kind"] == "survey:missing_scenario"]["answer"]
    backlog = pd.read_csv(demo_run["revision backlog (csv)"], keep_default_na=False)
    entry = backlog[backlog["flag"] == "missing_scenario"].iloc[0]
    for scenario, count in scenarios.value_counts().items():
        assert f"{scenario} ({count})" in entry["failure_reasons"]


def test_revise_writes_cell_metadata_and_case_flags_and_a_rerun_changes_nothing(demo_run, demo_course, repo_course):
    stats = pd.read_csv(demo_run["workspace"] / "reports" / "item-statistics.csv")
    nb_path = demo_course.source_dir / MODULE / "rules_and_returns.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    stored = {c.metadata.nbgrader.grade_id: c.metadata.caseloop.stats for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    for row in stats[stats["level"] == "cell"].itertuples():
        assert stored[row.cell]["facility"] == pytest.approx(row.facility, abs=5e-4)
        assert stored[row.cell]["n"] == row.n
    case_path = demo_course.cases_dir / "C-0003.yaml"
    original = (repo_course.cases_dir / "C-0003.yaml").read_text(encoding="utf-8")
    flagged = case_path.read_text(encoding="utf-8")
    assert flagged.startswith(original), "the rest of the case file, comments included, stays as it was"
    flags = yaml.safe_load(flagged)["revision_flags"]
    expected = {"module": MODULE, "cell": "c0003_fba_returns", "flag": "negative_discrimination"}
    assert expected.items() <= flags[0].items()

    before = {p: p.read_bytes() for p in [*demo_course.source_dir.rglob("*.ipynb"), *demo_course.cases_dir.glob("*")]}
    result = revise(demo_course, read_grades(demo_run["grades"]))
    assert result.notebooks == [] and result.cases == []
    assert {p: p.read_bytes() for p in before} == before


# -- a small course built here, for revisions, mentors and bad input ------------------------------


@pytest.fixture
def small_course(tmp_path, repo_course) -> Course:
    """The repo's m01 source, cases and config in a fresh folder (no submissions: grades come from frames)."""
    shutil.copy2(repo_course.root / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(repo_course.source_dir, tmp_path / "source")
    shutil.copytree(repo_course.cases_dir, tmp_path / "cases")
    return Course.at(tmp_path)


def synthetic_grades(course: Course, trainees: list[str], day: str, reversed_cell: str | None, seed: int):
    """Right/wrong grades that follow each trainee's skill, except `reversed_cell`, which runs against it."""
    items = source_items(course)
    graded = {c.metadata.nbgrader.grade_id: c.metadata
              for c in nbformat.read(course.source_dir / MODULE / "rules_and_returns.ipynb", as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    max_points = {cell: meta.nbgrader.points for cell, meta in graded.items()}
    tags = {cell: meta.caseloop for cell, meta in graded.items()}
    rng = np.random.default_rng(seed)
    rows = []
    for index, trainee in enumerate(trainees):
        skill = index / (len(trainees) - 1)
        for cell in items.loc[items["module"] == MODULE, "cell"]:
            right = rng.random() < (1 - skill if cell == reversed_cell else skill)
            score = float(max_points[cell]) if right else 0.0
            rows.append({"trainee": trainee, "module": MODULE, "notebook": "rules_and_returns", "cell": cell,
                         "competency": ";".join(tags[cell]["competency"]), "case": tags[cell]["case"],
                         "score": score, "max_score": float(max_points[cell]), "auto_score": score,
                         "manual_score": np.nan, "needs_manual_grade": False, "comment": "",
                         "failures": "" if right else "choice", "submitted_at": pd.Timestamp(day), "attempt": 1})
    return pd.DataFrame(rows)


def test_before_and_after_a_revision(small_course):
    first = synthetic_grades(small_course, [f"a{i:02d}" for i in range(30)], "2026-03-01", "c0004_root_cause", 1)
    revise(small_course, first)
    notebook = small_course.source_dir / MODULE / "rules_and_returns.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "c0004_root_cause")
    old = dict(cell.metadata.caseloop.stats)
    assert old["discrimination"] < 0 and "since" not in old

    cell.source = cell.source.replace('correct="B"', 'correct="B", points=1')  # the trainer fixes the check
    nbformat.write(nb, notebook)
    second = synthetic_grades(small_course, [f"b{i:02d}" for i in range(30)], "2026-04-01", None, 2)
    result = revise(small_course, pd.concat([first, second], ignore_index=True))

    cell = next(c for c in nbformat.read(notebook, as_version=4).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "c0004_root_cause")
    new = cell.metadata.caseloop.stats
    assert new["since"] == old["through"] and new["n"] == 30
    assert new["discrimination"] > 0, "after the fix only the new cohort counts"
    assert cell.metadata.caseloop.stats_history == [old]
    untouched = result.stats[(result.stats["level"] == "cell") & (result.stats["cell"] == "c0001_resolution")]
    assert int(untouched["n"].iloc[0]) == 60, "items that were not revised keep counting everyone"
    markdown = result.paths["backlog"].read_text(encoding="utf-8")
    assert f"c0004_root_cause: n={old['n']}, facility {old['facility']:.2f}, discrimination " \
           f"{old['discrimination']:.2f} → n=30" in markdown

    again = revise(small_course, pd.concat([first, second], ignore_index=True))
    assert again.notebooks == [] and again.cases == []


def test_revise_writes_only_cells_with_data_and_a_second_run_changes_no_byte(small_course):
    grades = synthetic_grades(small_course, [f"a{i:02d}" for i in range(12)], "2026-03-01", None, 3)
    grades = grades[grades["cell"] != "c0001_resolution"]  # nobody has answered this item yet
    notebooks = sorted(small_course.source_dir.glob("*/*.ipynb"))
    before = {path: path.read_bytes() for path in notebooks}
    result = revise(small_course, grades)
    notebook = small_course.source_dir / MODULE / "rules_and_returns.ipynb"
    assert result.notebooks == [notebook]
    assert all(path.read_bytes() == before[path] for path in notebooks if path != notebook)
    original = {c.id: c for c in nbformat.reads(before[notebook].decode("utf-8"), as_version=4).cells}
    for cell in nbformat.read(notebook, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        stats = cell.metadata.get("caseloop", {}).get("stats")
        if grade_id in set(grades["cell"]):
            assert stats["n"] == 12 and None not in stats.values()
        else:
            assert cell == original[cell.id], f"{grade_id or cell.id} has no data and must stay as it was"
    written = notebook.read_bytes()
    again = revise(small_course, grades)
    assert again.notebooks == [] and notebook.read_bytes() == written


def test_mentor_raised_scores_flag_a_check_that_fires_on_good_answers(small_course):
    grades = synthetic_grades(small_course, [f"a{i:02d}" for i in range(20)], "2026-03-01", None, 3)
    reply = grades["cell"] == "c0007_reply"
    grades.loc[reply, ["score", "auto_score"]] = 1.0
    grades.loc[reply, "failures"] = "time"
    raised = grades.index[reply][:8]
    grades.loc[raised, ["manual_score", "score"]] = 3.0
    grades.loc[grades.index[reply][8:12], "manual_score"] = 1.0
    backlog = revise(small_course, grades).backlog
    entry = backlog[backlog["flag"] == "check_fires_on_good_answers"].iloc[0]
    assert entry["cell"] == "c0007_reply" and entry["value"] == round(8 / 12, 3) and entry["n"] == 12
    assert entry["failure_reasons"] == "time 100%"


def test_trainee_and_cohort_choice_and_too_few_trainees(small_course):
    grades = pd.concat([synthetic_grades(small_course, [f"a{i:02d}" for i in range(6)], "2026-03-01",
                                         "c0004_root_cause", 4),
                        synthetic_grades(small_course, [f"b{i:02d}" for i in range(30)], "2026-04-01",
                                         "c0004_root_cause", 5)], ignore_index=True)
    for chosen in (revise(small_course, grades, trainees=["a*"]), revise(small_course, grades, cohort="2026-03")):
        assert chosen.backlog.empty, "six trainees are too few for any flag"
        markdown = chosen.paths["backlog"].read_text(encoding="utf-8")
        assert "n = 6 trainees" in markdown and "fewer than 10 trainees: no item is flagged" in markdown
    with pytest.raises(CourseError, match="no grades for trainees matching zz"):
        revise(small_course, grades, trainees=["zz*"])
    with pytest.raises(CourseError, match="no grades for cohort '2026-05'; known cohorts: 2026-03, 2026-04"):
        revise(small_course, grades, cohort="2026-05")
    with pytest.raises(CourseError, match="no grades yet; grade a module and run `caseloop compile` first"):
        revise(small_course, grades.iloc[:0])


def test_survey_flags_low_ratings_and_unclear_cases():
    responses = pd.DataFrame(
        [{"trainee": f"t{i}", "module": MODULE, "question": "clarity", "text": str(1 + i % 3)} for i in range(8)]
        + [{"trainee": f"t{i}", "module": MODULE, "question": "unclear_case", "text": "C-0004"} for i in range(3)]
        + [{"trainee": "t1", "module": MODULE, "question": "missing_scenario", "text": "chargeback"}])
    entries = {e["flag"]: e for e in survey_flags(survey_summary(responses), Thresholds())}
    assert entries["low_rating"]["value"] == pytest.approx(1.875)
    assert entries["unclear_exercise"]["case"] == "C-0004" and entries["unclear_exercise"]["value"] == 0.375
    assert entries["missing_scenario"]["failure_reasons"] == "chargeback (1)"


def test_merge_revision_flags_edits_only_its_own_block():
    text = "id: C-0001  # scrubbed\ntitle: x\n# reviewed monthly\nreview: {state: approved}\n"
    flag = {"date": "2026-03-01", "module": MODULE, "cell": "c1", "flag": "too_easy", "statistic": 0.97}
    once = merge_revision_flags(text, [flag])
    assert once.endswith("  - {date: 2026-03-01, module: m01, cell: c1, flag: too_easy, statistic: 0.97}\n")
    assert once.startswith(text) and yaml.safe_load(once)["revision_flags"] == [{**flag, "date": date(2026, 3, 1)}]
    assert merge_revision_flags(once, [flag]) == once
    updated = merge_revision_flags(once, [{**flag, "statistic": 0.99}, {**flag, "flag": "weak_discrimination"}])
    assert [f["statistic"] for f in yaml.safe_load(updated)["revision_flags"]] == [0.99, 0.97]
    middle = "id: C-1\nrevision_flags:\n  - {module: m01, cell: c9, flag: too_hard}\ntags: [a]  # kept\n"
    merged = merge_revision_flags(middle, [flag])
    assert merged.endswith("tags: [a]  # kept\n") and len(yaml.safe_load(merged)["revision_flags"]) == 2


@pytest.mark.parametrize(("text", "message"), [
    ("too_easy: [", "not valid YAML"),
    ("too_esay: 0.9\n", ":1: too_esay: .*not a field here.*rename it to 'too_easy'"),
    ("- 0.9\n", "expected a mapping"),
    ("too_easy: high\n", ":1: too_easy: .*expected a number, found 'high'"),
    ("confidence: 95\n", r":1: confidence: .*95 is out of range \(must be < 1\)"),
    ("weights: {too_easy: 1, typo: 2}\n", ":1: weights.typo: .*not a field here"),
])
def test_bad_thresholds_name_the_file_and_the_key(tmp_path, text, message):
    assert_bad_file_is_named(Thresholds.load, tmp_path / "item_analysis.yaml", text, message)


def test_repo_thresholds_file_matches_the_defaults(repo_course):
    assert Thresholds.load(repo_course.source_dir / "item_analysis.yaml") == Thresholds()
    assert Thresholds.load(repo_course.root / "missing.yaml") == Thresholds()


def test_cli_revise_reports_a_bad_config(small_course, capsys):
    grades = synthetic_grades(small_course, [f"a{i:02d}" for i in range(12)], "2026-03-01", None, 5)
    (small_course.reports_dir).mkdir()
    grades.to_csv(small_course.reports_dir / "grades.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    (small_course.source_dir / "item_analysis.yaml").write_text("min_trainees: ten\n")
    assert main(["--course", str(small_course.root), "revise"]) == 2
    err = capsys.readouterr().err
    assert "item_analysis.yaml" in err and "min_trainees" in err
    (small_course.source_dir / "item_analysis.yaml").write_text("min_trainees: 5\n")
    assert main(["--course", str(small_course.root), "revise", "--trainee", "a0*"]) == 0
    out = capsys.readouterr().out
    assert "from 10 graded cells" in out and str(small_course.reports_dir / "revision-backlog.md") in out
    assert "n = 10 trainees" in (small_course.reports_dir / "revision-backlog.md").read_text(encoding="utf-8")
