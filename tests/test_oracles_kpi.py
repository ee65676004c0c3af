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
