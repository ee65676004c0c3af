"""Results (Kirkpatrick level 4): agent KPIs joined to training by trainee id and period.

The KPI file is a CSV with one row per trainee and period: `trainee`, `period` (a month
`2026-09` or a date `2026-09-01`), an optional `phase` (`before` / `after` training) and any of
the KPI columns in `KPIS`. Without `phase`, a period is *before* when it ends before the
trainee's first submission, *after* when it starts after their last one, else *during* (left
out). The comparisons are descriptive: paired before/after means and a rank correlation with
mastery, each with its sample size; neither says training caused the change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from caseloop.schemas import InvalidFile, read_table, table_finding

# KPI column -> (zh, en, True when higher is better)
KPIS = {
    "first_response_hours": ("首次响应时间（小时）", "First response time (hours)", False),
    "one_contact_resolution": ("一次解决率", "One-contact resolution rate", True),
    "csat": ("买家满意度", "Customer satisfaction (CSAT)", True),
    "negative_feedback_rate": ("差评率", "Negative feedback rate", False),
    "a_to_z_claims": ("A-to-z 索赔数", "A-to-z claims", False),
}
MIN_CORRELATION_N = 10


def read_kpis(path: Path) -> pd.DataFrame:
    """The KPI file, checked against the published schema (caseloop/schemas/kpis.schema.json): every problem
    names the file, the line and the column and what to do."""
    table = read_table(path, "kpis")
    present = [k for k in KPIS if k in table.columns]
    if not present:
        raise InvalidFile([table_finding(path, None, "", "没有 KPI 列", "no KPI columns",
                                         f"add at least one of {', '.join(KPIS)}")])
    return table.assign(**{column: pd.to_numeric(table[column]) for column in present})


def assign_phase(kpis: pd.DataFrame, grades: pd.DataFrame) -> pd.DataFrame:
    """Each KPI row with `phase` (before / after / during) from the file or from the training window."""
    window = grades.groupby("trainee")["submitted_at"].agg(["min", "max"])
    start = pd.to_datetime(kpis["period"], errors="coerce", format="mixed")
    monthly = kpis["period"].str.fullmatch(r"\d{4}-\d{2}")
    end = start.where(~monthly, start + pd.offsets.MonthEnd(0)) + pd.Timedelta(days=1)
    if window["min"].dt.tz is not None:
        window = window.apply(lambda column: column.dt.tz_localize(None))
    first, last = kpis["trainee"].map(window["min"]), kpis["trainee"].map(window["max"])
    derived = pd.Series("during", index=kpis.index)
    derived[end <= first] = "before"
    derived[start > last] = "after"
    given = kpis["phase"] if "phase" in kpis.columns else pd.Series(pd.NA, index=kpis.index)
    return kpis.assign(phase=given.fillna(derived))


def before_after(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: trainees with both a before and an after value (n), their means and the mean change."""
    rows = []
    for column, (zh, en, higher_better) in KPIS.items():
        if column not in kpis.columns:
            continue
        means = kpis[kpis["phase"].isin(["before", "after"])].groupby(["trainee", "phase"])[column].mean()
        paired = means.unstack("phase").reindex(columns=["before", "after"]).dropna()
        change = paired["after"] - paired["before"]
        improved = (change > 0) if higher_better else (change < 0)
        rows.append({"kpi": column, "zh": zh, "en": en, "n": len(paired), "before": paired["before"].mean(),
                     "after": paired["after"].mean(), "change": change.mean(), "improved": int(improved.sum()),
                     "higher_is_better": higher_better})
    return pd.DataFrame(rows, columns=["kpi", "zh", "en", "n", "before", "after", "change", "improved",
                                       "higher_is_better"])


def kpi_vs_mastery(kpis: pd.DataFrame, mastery: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: Spearman rank correlation of a trainee's mean mastery with their after-training value.

    Left empty (NaN) below `MIN_CORRELATION_N` trainees: a correlation on fewer says little.
    """
    overall = mastery.groupby("trainee")["mastery"].mean().rename("mastery")
    after = kpis[kpis["phase"] == "after"]
    rows = []
    for column, (zh, en, _) in KPIS.items():
        if column not in kpis.columns:
            continue
        joined = pd.concat([overall, after.groupby("trainee")[column].mean()], axis=1, join="inner").dropna()
        ranks = joined.rank()  # Spearman: Pearson correlation of the (average) ranks
        rho = ranks["mastery"].corr(ranks[column]) if len(joined) >= MIN_CORRELATION_N else float("nan")
        rows.append({"kpi": column, "zh": zh, "en": en, "n": len(joined), "spearman": rho})
    return pd.DataFrame(rows, columns=["kpi", "zh", "en", "n", "spearman"])
