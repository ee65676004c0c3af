"""The KPI-mastery rank correlation against scipy's Spearman, on data where Pearson's r tells another story."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from caseloop.analysis.kpi import kpi_vs_mastery

TRAINEES = [f"t{i:02d}" for i in range(12)]
# Two competencies per trainee; the report correlates each trainee's mean mastery (ties at t03/t04 and t08/t09).
POL = [0.20, 0.30, 0.35, 0.50, 0.50, 0.55, 0.60, 0.70, 0.80, 0.80, 0.90, 0.95]
COM = [0.30, 0.20, 0.45, 0.40, 0.40, 0.65, 0.70, 0.60, 0.90, 0.90, 0.80, 1.00]
# CSAT rises with mastery but not in a straight line, with one outlier; response hours fall steeply, with ties.
CSAT = [0.61, 0.60, 0.66, 0.70, 0.69, 0.71, 0.72, 0.74, 0.75, 0.99, 0.76, 0.20]
HOURS = [96.0, 30.0, 28.0, 28.0, 20.0, 9.0, 9.0, 8.5, 8.0, 7.0, 1.0, 0.5]


def cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    mastery = pd.DataFrame({"trainee": TRAINEES * 2, "competency": ["POL"] * 12 + ["COM"] * 12,
                            "mastery": POL + COM})
    after = pd.DataFrame({"trainee": TRAINEES, "period": "2026-05", "phase": "after",
                          "csat": CSAT, "first_response_hours": HOURS})
    # a before-training month that must not enter the correlation, and a trainee with no mastery at all
    before = after.assign(period="2026-01", phase="before", csat=0.5, first_response_hours=40.0)
    stranger = pd.DataFrame({"trainee": ["nobody"], "period": ["2026-05"], "phase": ["after"], "csat": [0.9],
                             "first_response_hours": [3.0]})
    return pd.concat([before, after, stranger], ignore_index=True), mastery


@pytest.mark.parametrize("kpi", ["csat", "first_response_hours"])
def test_spearman_is_scipys(kpi):
    kpis, mastery = cohort()
    overall = (np.array(POL) + np.array(COM)) / 2
    values = CSAT if kpi == "csat" else HOURS
    rho = stats.spearmanr(overall, values).statistic
    assert abs(rho - stats.pearsonr(overall, values).statistic) > 0.1, "the data must tell Spearman from Pearson"
    relation = kpi_vs_mastery(kpis, mastery).set_index("kpi")
    assert relation.at[kpi, "n"] == 12
    assert relation.at[kpi, "spearman"] == pytest.approx(rho, abs=1e-12)


# Amazon's rates, worked by hand. a1 has two months before training, a3 no month after (not paired),
# "stranger" KPIs but no graded work (never compared).
AMAZON_ROWS = [
    # trainee, period, phase, orders, negative feedback, A-to-z, chargeback, defect orders, messages, late,
    # surveys, "No" answers
    ("a1", "2026-08", "before", 400, 5, 2, 1, 8, 300, 60, 40, 14),
    ("a1", "2026-09", "before", 600, 2, 1, 1, 4, 500, 40, 60, 16),
    ("a1", "2027-02", "after", 500, 2, 1, 0, 3, 400, 20, 50, 10),
    ("a2", "2026-09", "before", 1000, 3, 1, 1, 5, 800, 80, 80, 20),
    ("a2", "2027-02", "after", 800, 6, 3, 2, 10, 600, 30, 100, 20),
    ("a3", "2026-09", "before", 100, 30, 20, 0, 50, 100, 90, 10, 9),
    ("stranger", "2026-09", "before", 10, 9, 0, 0, 9, 10, 10, 10, 10),
    ("stranger", "2027-02", "after", 10, 0, 0, 0, 0, 10, 0, 10, 0),
]
AMAZON_COLUMNS = ["trainee", "period", "phase", "orders", "negative_feedback_orders", "a_to_z_orders",
                  "chargeback_orders", "defect_orders", "messages", "late_responses", "survey_responses",
                  "dissatisfied_responses"]


def amazon_file(tmp_path, rows=AMAZON_ROWS):
    path = tmp_path / "kpis.csv"
    pd.DataFrame(rows, columns=AMAZON_COLUMNS).to_csv(path, index=False)
    return path


def test_amazon_rates_by_hand(tmp_path):
    from caseloop.analysis.kpi import amazon_rates, compared_agents, read_kpis

    grades = pd.DataFrame({"trainee": ["a1", "a2", "a3"]})
    kpis, unknown = compared_agents(read_kpis(amazon_file(tmp_path)), grades)
    assert unknown == ["stranger"] and "stranger" not in set(kpis["trainee"])
    rates = amazon_rates(kpis).set_index("rate")
    assert (rates["n"] == 2).all(), "a1 and a2 have both phases; a3 has no after, stranger no graded work"
    odr = rates.loc["order_defect_rate"]
    # before: (8 + 4 + 5) / (400 + 600 + 1000) = 17 / 2000; after: (3 + 10) / (500 + 800) = 13 / 1300 = 1 %
    assert odr["before"] == pytest.approx(0.0085) and odr["after"] == pytest.approx(0.01)
    assert odr["target_below"] == 0.01
    # a1 1.2 % -> 0.6 % (improved, within target after), a2 0.5 % -> 1.25 % (within target before only)
    assert (odr["improved"], odr["meet_before"], odr["meet_after"]) == (1, 1, 1)
    dissatisfied = rates.loc["dissatisfaction_rate"]
    # before: (14 + 16 + 20) / (40 + 60 + 80) = 50 / 180; after: (10 + 20) / (50 + 100) = 20 %
    assert dissatisfied["before"] == pytest.approx(50 / 180) and dissatisfied["after"] == pytest.approx(0.2)
    # a1 30 % -> 20 %, a2 exactly 25 % (not under the target) -> 20 %
    assert (dissatisfied["improved"], dissatisfied["meet_before"], dissatisfied["meet_after"]) == (2, 0, 2)
    late = rates.loc["late_response_rate"]
    # before: (60 + 40 + 80) / (300 + 500 + 800) = 180 / 1600; after: (20 + 30) / (400 + 600) = 5 %
    assert late["before"] == pytest.approx(0.1125) and late["after"] == pytest.approx(0.05)
    assert pd.isna(late["target_below"]) and pd.isna(late["meet_after"])
    # components over orders: negative feedback 10 / 2000 -> 8 / 1300, A-to-z 4 / 2000 -> 4 / 1300,
    # chargebacks 3 / 2000 -> 2 / 1300
    assert rates.at["negative_feedback_order_rate", "before"] == pytest.approx(0.005)
    assert rates.at["negative_feedback_order_rate", "after"] == pytest.approx(8 / 1300)
    assert rates.at["a_to_z_claim_rate", "change"] == pytest.approx(4 / 1300 - 0.002)
    assert rates.at["chargeback_rate", "after"] == pytest.approx(2 / 1300)
    assert rates.at["chargeback_rate", "improved"] == 1, "a1 0.2 % -> 0 %; a2 0.1 % -> 0.25 %"


@pytest.mark.parametrize(("change", "message"), [
    ({"defect_orders": 401}, r"row 2: defect_orders \(401\) is more than orders \(400\)"),
    ({"defect_orders": 9}, "row 2: defect_orders is more than negative feedback, A-to-z and chargeback orders"),
    ({"late_responses": 2.5}, r"kpis\.csv:2: late_responses: .*expected a whole number, found 2\.5"),
])
def test_amazon_counts_that_cannot_be_are_named(tmp_path, change, message):
    from caseloop.analysis.kpi import read_kpis
    from caseloop.course import CourseError

    rows = [list(row) for row in AMAZON_ROWS]
    for column, value in change.items():
        rows[0][AMAZON_COLUMNS.index(column)] = value
    path = amazon_file(tmp_path, rows)
    with pytest.raises(CourseError, match=message) as err:
        read_kpis(path)
    assert str(path) in str(err.value)


def test_a_count_without_its_whole_is_named(tmp_path):
    from caseloop.analysis.kpi import read_kpis
    from caseloop.course import CourseError

    path = tmp_path / "kpis.csv"
    path.write_text("trainee,period,phase,defect_orders\na1,2026-09,before,3\n", encoding="utf-8")
    with pytest.raises(CourseError, match="column defect_orders needs column orders"):
        read_kpis(path)


def test_the_kpi_page_shows_rates_as_percentages_rounded_half_up(tmp_path):
    import re

    from caseloop.analysis.kpi import amazon_rates, before_after, compared_agents, read_kpis
    from caseloop.report.pages import environment

    kpis, unknown = compared_agents(read_kpis(amazon_file(tmp_path)), pd.DataFrame({"trainee": ["a1", "a2"]}))
    shares = pd.DataFrame({"trainee": ["a1", "a1", "a2", "a2"], "period": ["2026-09", "2027-02"] * 2,
                           "phase": ["before", "after"] * 2, "csat": [0.625, 0.6375, 0.651, 0.6886]})
    page = environment("en").get_template("kpi.html").render(
        source="kpis.csv", changes=before_after(shares), amazon=amazon_rates(kpis), relation=pd.DataFrame(
            columns=["kpi", "zh", "en", "n", "spearman"]), unknown=unknown, phases={"before": 2}, trainees=2)
    csat = re.search(r'<tr data-kpi="csat".*?</tr>', page, re.S)[0]
    # before (0.625 + 0.651) / 2 = 63.8 %, after (0.6375 + 0.6886) / 2 = 66.305 % -> 66.3 %, change +2.5 pp
    assert "63.8 %" in csat and "66.3 %" in csat and "+2.5 pp" in csat and "0.638" not in csat
    odr = re.search(r'<tr data-rate="order_defect_rate".*?</tr>', page, re.S)[0]
    # 17 / 2000 = 0.85 % rounds up to 0.9 %; 13 / 1300 = 1.0 %; +0.15 pp rounds to +0.2 pp
    assert "0.9 %" in odr and "1.0 %" in odr and "+0.2 pp" in odr and "&lt; 1 %" in odr and "1 → 1 / 2" in odr
    chargeback = re.search(r'<tr data-rate="chargeback_rate".*?</tr>', page, re.S)[0]
    assert "none of its own" in chargeback and "-0.0" not in page
    assert "left out: a3, stranger" in page
