"""Reports on the demo cohort, checked against a hand computation from nbgrader's gradebook.

The demo grades one module (m01) once per trainee, so every competency has one result and its
mastery equals points earned / available under every method; gates on modules not written yet
(m00, m07, m08) must say so.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict

import nbformat
import pandas as pd
import pytest

from caseloop.cli import main
from caseloop.course import Course
from test_loop import competency_shares, gradebook_scores

SAMPLE_KPIS = "toolkit/caseloop/samples/demo-kpis.csv"


@pytest.fixture(scope="module")
def hand_shares(demo_course: Course) -> dict[tuple[str, str], float]:
    return competency_shares(demo_course)


def attributes(html: str, row_pattern: str, attribute: str) -> dict[tuple[str, str], float]:
    """(row key, competency) -> float value of `attribute` from rows matching `row_pattern`."""
    found = {}
    for row in re.finditer(row_pattern, html, re.S):
        for cell in re.finditer(rf'data-competency="(\w+)"[^>]*?{attribute}="([\d.]+)"', row[2]):
            found[row[1], cell[1]] = float(cell[2])
    return found


def test_cohort_mastery_and_levels_match_the_gradebook(demo_course, hand_shares):
    cohort = (demo_course.reports_dir / "cohort.html").read_text(encoding="utf-8")
    shown = attributes(cohort, r'<tr data-trainee="(\w+)">(.*?)</tr>', "data-mastery")
    assert set(shown) == set(hand_shares)
    for key, share in hand_shares.items():
        assert shown[key] == pytest.approx(share, abs=1e-6), key
    curriculum = demo_course.curriculum()
    mastery = pd.read_csv(demo_course.reports_dir / "mastery.csv")
    for row in mastery.itertuples():
        assert row.level == curriculum.competencies[row.competency].level(hand_shares[row.trainee, row.competency])
        assert row.results == 1 and row.method == "decaying_average"


def test_trainee_reports_match_the_gradebook(demo_run, hand_shares):
    for trainee in ("trainee01", "trainee03", "trainee17"):
        page = (demo_run["trainee reports"] / f"{trainee}.html").read_text(encoding="utf-8")
        table = re.search(r'<table id="mastery-table">(.*?)</table>', page, re.S)[1]
        shown = {code: float(value) for code, value in
                 re.findall(r'data-competency="(\w+)" data-mastery="([\d.]+)"', table)}
        expected = {code: share for (t, code), share in hand_shares.items() if t == trainee}
        assert shown == pytest.approx(expected, abs=1e-6)
        assert page.count("<polygon") >= 2, "radar chart with the trainee's shape"


def test_gates_on_the_demo_follow_the_gradebook(demo_course):
    from caseloop.compile import item_table

    totals = {t: sum(cells.values()) for t, cells in gradebook_scores(demo_course).items()}
    items = item_table(demo_course)
    available = items.loc[items["module"] == "m01", "points"].sum()
    gates = pd.read_csv(demo_course.reports_dir / "gates.csv", keep_default_na=False)
    rules = gates[gates["gate"] == "rules_passed"].set_index("trainee")
    for trainee, total in totals.items():
        assert rules.at[trainee, "met"] == (total / available >= 0.8), trainee
        if total / available < 0.8:
            assert rules.at[trainee, "reason_en"] == f"m01 at {total / available:.0%}, needs 80%"
    assert rules.at["trainee32", "reason_en"] == "m01 not submitted yet"
    baseline = gates[gates["gate"] == "baseline"]
    assert not baseline["met"].any() and set(baseline["reason_zh"]) == {"m00 尚未提交"}
    levels = pd.read_csv(demo_course.reports_dir / "levels.csv", keep_default_na=False)
    assert (levels["level"] == "").all() and (levels["next_level"] == "junior").all()
    page = (demo_course.reports_dir / "trainees" / "trainee01.html").read_text(encoding="utf-8")
    assert 'data-gate="rules_passed" data-met="true"' in page
    assert 'data-gate="policy_proficient" data-met="true"' in page
    assert 'data-gate="simulated_cases" data-met="false"' in page and "m07 尚未提交" in page


def test_learning_paths_on_the_demo(demo_course, hand_shares):
    path = pd.read_csv(demo_course.reports_dir / "path.csv", keep_default_na=False)
    assert "trainee01" not in set(path["trainee"]), "the model trainee masters everything"
    grades = pd.read_csv(demo_course.reports_dir / "grades.csv", keep_default_na=False)
    for trainee, steps in path.groupby("trainee"):
        mine = {code: share for (t, code), share in hand_shares.items() if t == trainee}
        bar = {code: demo_course.curriculum().competencies[code].thresholds["proficient"] for code in mine}
        weakest = sorted((share, code) for code, share in mine.items() if share < bar[code])[:2]
        assert list(dict.fromkeys(steps["competency"])) == [code for _, code in weakest], trainee
        failed = grades[(grades["trainee"] == trainee) & (grades["score"] < grades["max_score"])]
        assert set(steps.loc[steps["kind"] == "case", "case"]) <= set(failed["case"])
        page = (demo_course.reports_dir / "trainees" / f"{trainee}.html").read_text(encoding="utf-8")
        assert len(re.findall(r'<li data-kind="', page)) == len(steps)


def test_tables_export_to_csv_and_xlsx(demo_course):
    book = pd.read_excel(demo_course.reports_dir / "cohort.xlsx", sheet_name=None)
    assert {"mastery", "gates", "levels", "path", "risk", "gain", "targets", "trend", "completion"} <= set(book)
    from_csv = pd.read_csv(demo_course.reports_dir / "mastery.csv")
    pd.testing.assert_frame_equal(book["mastery"][["trainee", "competency", "mastery", "items"]],
                                  from_csv[["trainee", "competency", "mastery", "items"]])
    completion = book["completion"].set_index("trainee")
    assert completion.at["trainee32", "status"] == "malformed notebook"


def test_english_report_for_one_cohort_with_another_method(demo_course, tmp_path, capsys):
    cohort = pd.read_csv(demo_course.reports_dir / "targets.csv")["cohort"].iloc[0]
    out = tmp_path / "en"
    assert main(["--course", str(demo_course.root), "report", "--lang", "en", "--cohort", cohort,
                 "--method", "highest", "--out", str(out)]) == 0
    page = (out / "cohort.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Trainees at risk" in page and "预警" not in page
    assert 'data-method="highest">highest score<' in page
    trainee = (out / "trainees" / "trainee02.html").read_text(encoding="utf-8")
    assert "What to do next" in trainee and "redo case" in trainee
    assert main(["--course", str(demo_course.root), "report", "--cohort", "1999-01", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "1999-01" in err and cohort in err


def test_cohorts_file_with_a_wrong_header_is_named(demo_course, tmp_path, capsys):
    course = Course.at(demo_course.root)
    bad = course.reports_dir / "cohorts.csv"
    bad.write_text("id,group\ntrainee01,A\n", encoding="utf-8")
    try:
        assert main(["--course", str(course.root), "report", "--out", str(tmp_path)]) == 2
        assert f"{bad}:1: trainee: 缺少此列 / the column is missing" in capsys.readouterr().err
    finally:
        bad.unlink()


def test_kpi_report_on_the_sample_file(demo_course, tmp_path):
    from conftest import REPO

    sample = REPO / SAMPLE_KPIS
    assert main(["--course", str(demo_course.root), "report", "kpi", "--kpis", str(sample), "--out",
                 str(tmp_path), "--lang", "en"]) == 0
    values: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with sample.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["trainee"] == "trainee32":  # KPIs but no graded work: left out of every comparison
                continue
            for kpi in ("first_response_hours", "csat", "a_to_z_claims"):
                values[kpi][row["phase"]][row["trainee"]] = float(row[kpi])
            for column in ("defect_orders", "orders"):
                counts[row["phase"]][column] += int(row[column])
    changes = pd.read_csv(tmp_path / "kpi-before-after.csv").set_index("kpi")
    for kpi, phases in values.items():
        diffs = [phases["after"][t] - phases["before"][t] for t in phases["before"]]
        assert changes.at[kpi, "n"] == len(diffs) == 31
        assert changes.at[kpi, "change"] == pytest.approx(sum(diffs) / len(diffs))
    relation = pd.read_csv(tmp_path / "kpi-mastery.csv").set_index("kpi")
    assert (relation["n"] == 31).all(), "trainee32 has KPIs but no graded work"
    amazon = pd.read_csv(tmp_path / "kpi-amazon.csv").set_index("rate")
    odr = {phase: counts[phase]["defect_orders"] / counts[phase]["orders"] for phase in ("before", "after")}
    assert amazon.at["order_defect_rate", "n"] == 31
    assert amazon.at["order_defect_rate", "before"] == pytest.approx(odr["before"])
    assert amazon.at["order_defect_rate", "after"] == pytest.approx(odr["after"])
    page = (tmp_path / "kpi.html").read_text(encoding="utf-8")
    assert 'data-kpi="csat" data-n="31"' in page and "not a cause" in page
    assert "31 agents with graded training compared" in page
    assert re.search(r"left out: trainee32</span>", page)
    csat_before = sum(values["csat"]["before"].values()) / 31
    assert f"{csat_before * 100:.1f} %" in page, "shares as percentages"
    odr_row = re.search(r'<tr data-rate="order_defect_rate".*?</tr>', page, re.S)[0]
    assert f"{odr['before'] * 100:.1f} %" in odr_row and "&lt; 1 %" in odr_row


def test_lead_notebook_runs_with_papermill(demo_course, tmp_path):
    assert main(["--course", str(demo_course.root), "report", "notebook", "--lang", "en", "--out",
                 str(tmp_path)]) == 0
    executed = nbformat.read(tmp_path / "lead.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'lang = "en"' in injected[0].source
    html = (tmp_path / "lead.html").read_text(encoding="utf-8")
    assert "32 trainees · method decaying_average" in html and "<svg" in html
    assert not re.findall(r'(?:src=|import\()"https?://', html), "the exported notebook fetches nothing"
