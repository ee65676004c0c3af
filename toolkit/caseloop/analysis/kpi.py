"""Results (Kirkpatrick level 4): agent KPIs joined to training by trainee id and period.

The KPI file is a CSV with one row per trainee and period: `trainee`, `period` (a month
`2026-09` or a date `2026-09-01`), an optional `phase` (`before` / `after` training), any of
the KPI columns in `KPIS` and any of the counts behind Amazon's account-health rates in
`AMAZON_RATES`. Without `phase`, a period is *before* when it ends before the trainee's first
submission, *after* when it starts after their last one, else *during* (left out). Only agents
in the grade table are compared. The comparisons are descriptive: paired before/after means,
Amazon's rates with Amazon's targets and a rank correlation with mastery, each with its sample
size; none says training caused the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from caseloop.course import CourseError
from caseloop.schemas import InvalidFile, read_table, table_finding


@dataclass(frozen=True)
class Kpi:
    """One KPI column: its names, whether higher is better and its unit (hours, share 0-1, count)."""

    zh: str
    en: str
    higher_is_better: bool
    unit: str


KPIS = {
    "first_response_hours": Kpi("首次响应时间（小时）", "First response time (hours)", False, "hours"),
    "one_contact_resolution": Kpi("一次解决率", "One-contact resolution rate", True, "share"),
    "csat": Kpi("买家满意度", "Customer satisfaction (CSAT)", True, "share"),
    "negative_feedback_rate": Kpi("差评率", "Negative feedback rate", False, "share"),
    "a_to_z_claims": Kpi("A-to-z 索赔数", "A-to-z claims", False, "count"),
}


@dataclass(frozen=True)
class AmazonRate:
    """One of Amazon's account-health rates: numerator count ÷ denominator count, lower is better."""

    zh: str
    en: str
    numerator: str
    denominator: str
    target_below: float | None  # Amazon's target as a share (the rate must stay under it), None when Amazon sets none
    source: str


ODR_SOURCE = "sellercentral.amazon.com/gp/help/external/G200285170 (Order Defect Rate)"
AMAZON_RATES = {
    "late_response_rate": AmazonRate(
        "迟复率（24 小时内未回复）", "Late response rate (not answered within 24 hours)", "late_responses", "messages",
        None, "sellercentral.amazon.com/gp/help/external/200549770 (Contact Response Time)"),
    "dissatisfaction_rate": AmazonRate(
        "客服不满意率", "Customer Service Dissatisfaction Rate", "dissatisfied_responses", "survey_responses", 0.25,
        "Seller Central help, Customer Service Dissatisfaction Rate: “No” answers to “Did this solve your problem?” ÷ "
        "survey responses, target under 25 %"),
    "negative_feedback_order_rate": AmazonRate(
        "差评订单率", "Negative feedback rate (orders)", "negative_feedback_orders", "orders", None, ODR_SOURCE),
    "a_to_z_claim_rate": AmazonRate(
        "A-to-z 索赔率", "A-to-z Guarantee claim rate", "a_to_z_orders", "orders", None, ODR_SOURCE),
    "chargeback_rate": AmazonRate(
        "信用卡拒付率", "Credit card chargeback rate", "chargeback_orders", "orders", None, ODR_SOURCE),
    "order_defect_rate": AmazonRate(
        "订单缺陷率 ODR", "Order Defect Rate (ODR)", "defect_orders", "orders", 0.01, ODR_SOURCE),
}
AMAZON_COUNTS = list(dict.fromkeys(c for r in AMAZON_RATES.values() for c in (r.numerator, r.denominator)))
# An order with a defect has negative feedback, an A-to-z claim or a chargeback, or several of them.
ODR_PARTS = ("negative_feedback_orders", "a_to_z_orders", "chargeback_orders")
MIN_CORRELATION_N = 10


def read_kpis(path: Path) -> pd.DataFrame:
    """The KPI file, checked against the published schema (caseloop/schemas/kpis.schema.json): every problem
    names the file, the line and the column and what to do; counts that cannot be (more defects than orders) too."""
    table = read_table(path, "kpis")
    columns = [*KPIS, *AMAZON_COUNTS]
    present = [k for k in columns if k in table.columns]
    if not present:
        raise InvalidFile([table_finding(path, None, "", "没有 KPI 列", "no KPI columns",
                                         f"add at least one of {', '.join(columns)}")])
    table = table.assign(**{column: pd.to_numeric(table[column]) for column in present})
    _check_counts(table, path)
    return table


def _check_counts(table: pd.DataFrame, path: Path) -> None:
    """Amazon's counts come in pairs and a part never exceeds its whole (the schema has checked they are counts)."""
    for rate in AMAZON_RATES.values():
        given = [c for c in (rate.numerator, rate.denominator) if c in table.columns]
        if len(given) == 1:
            other = ({rate.numerator, rate.denominator} - set(given)).pop()
            raise CourseError(f"{path}: column {given[0]} needs column {other} for the {rate.en}; add it")
    wholes = [(r.numerator, r.denominator) for r in AMAZON_RATES.values()]
    wholes += [(part, "defect_orders") for part in ODR_PARTS]
    for part, whole in wholes:
        if part in table.columns and whole in table.columns:
            bad = table.index[table[part] > table[whole]]
            if len(bad):
                raise CourseError(f"{path}: row {bad[0] + 2}: {part} ({table.at[bad[0], part]:g}) is more than "
                                  f"{whole} ({table.at[bad[0], whole]:g}); each is a count of the same period")
    if set(ODR_PARTS) <= set(table.columns) and "defect_orders" in table.columns:
        bad = table.index[table["defect_orders"] > table[list(ODR_PARTS)].sum(axis=1)]
        if len(bad):
            raise CourseError(f"{path}: row {bad[0] + 2}: defect_orders is more than negative feedback, A-to-z and "
                              "chargeback orders together; an order is defective only through one of them")


def compared_agents(kpis: pd.DataFrame, grades: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The KPI rows of agents with graded work, and the ids left out because they have none."""
    known = kpis["trainee"].isin(set(grades["trainee"]))
    return kpis[known], sorted(set(kpis.loc[~known, "trainee"]))


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
    for column, kpi in KPIS.items():
        if column not in kpis.columns:
            continue
        means = kpis[kpis["phase"].isin(["before", "after"])].groupby(["trainee", "phase"])[column].mean()
        paired = means.unstack("phase").reindex(columns=["before", "after"]).dropna()
        change = paired["after"] - paired["before"]
        improved = (change > 0) if kpi.higher_is_better else (change < 0)
        rows.append({"kpi": column, "zh": kpi.zh, "en": kpi.en, "unit": kpi.unit, "n": len(paired),
                     "before": paired["before"].mean(), "after": paired["after"].mean(), "change": change.mean(),
                     "improved": int(improved.sum()), "higher_is_better": kpi.higher_is_better})
    return pd.DataFrame(rows, columns=["kpi", "zh", "en", "unit", "n", "before", "after", "change", "improved",
                                       "higher_is_better"])


def amazon_rates(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per Amazon rate: the team's rate before and after training over the agents with both, and Amazon's target.

    A rate is pooled as Amazon computes an account's: the counts of every period of a phase added up,
    numerator ÷ denominator (so a month with few orders weighs little). `before` and `after` are the
    team's rates over the n paired agents; `improved` counts agents whose own rate fell; `meet_before`
    and `meet_after` count agents under the target.
    """
    phased = kpis[kpis["phase"].isin(["before", "after"])]
    rows = []
    for name, rate in AMAZON_RATES.items():
        if rate.numerator not in kpis.columns:
            continue
        sums = phased.groupby(["trainee", "phase"])[[rate.numerator, rate.denominator]].sum(min_count=1)
        sums = sums[sums[rate.denominator] > 0].unstack("phase").reindex(
            columns=pd.MultiIndex.from_product([[rate.numerator, rate.denominator], ["before", "after"]])).dropna()
        totals, phases = sums.sum(), ("before", "after")
        agent = {phase: sums[(rate.numerator, phase)] / sums[(rate.denominator, phase)] for phase in phases}
        team = {phase: totals[(rate.numerator, phase)] / totals[(rate.denominator, phase)] if len(sums)
                else float("nan") for phase in phases}
        target = rate.target_below
        rows.append({"rate": name, "zh": rate.zh, "en": rate.en, "n": len(sums), "before": team["before"],
                     "after": team["after"], "change": team["after"] - team["before"],
                     "improved": int((agent["after"] < agent["before"]).sum()), "target_below": target,
                     "meet_before": int((agent["before"] < target).sum()) if target is not None else pd.NA,
                     "meet_after": int((agent["after"] < target).sum()) if target is not None else pd.NA,
                     "source": rate.source})
    return pd.DataFrame(rows, columns=["rate", "zh", "en", "n", "before", "after", "change", "improved",
                                       "target_below", "meet_before", "meet_after", "source"])


def kpi_vs_mastery(kpis: pd.DataFrame, mastery: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: Spearman rank correlation of a trainee's mean mastery with their after-training value.

    Left empty (NaN) below `MIN_CORRELATION_N` trainees: a correlation on fewer says little.
    """
    overall = mastery.groupby("trainee")["mastery"].mean().rename("mastery")
    after = kpis[kpis["phase"] == "after"]
    rows = []
    for column, kpi in KPIS.items():
        if column not in kpis.columns:
            continue
        joined = pd.concat([overall, after.groupby("trainee")[column].mean()], axis=1, join="inner").dropna()
        ranks = joined.rank()  # Spearman: Pearson correlation of the (average) ranks
        rho = ranks["mastery"].corr(ranks[column]) if len(joined) >= MIN_CORRELATION_N else float("nan")
        rows.append({"kpi": column, "zh": kpi.zh, "en": kpi.en, "n": len(joined), "spearman": rho})
    return pd.DataFrame(rows, columns=["kpi", "zh", "en", "n", "spearman"])
