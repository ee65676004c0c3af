"""The tables a report shows, as pure functions over the grade table.

`cohort_tables` gathers mastery, gates and levels, learning paths, at-risk runs, pre/post gain,
completion, the course's targets and the trend across cohorts. Scoring lives in
`caseloop.analysis.mastery`, certification in `caseloop.analysis.certify`, paths in
`caseloop.analysis.learning_path`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from caseloop.analysis.agreement import review_pairs
from caseloop.analysis.certify import certification, gate_results
from caseloop.analysis.learning_path import learning_path
from caseloop.analysis.mastery import (
    at_risk,
    competency_results,
    latest_attempts,
    mastery_table,
    module_results,
    pre_post_gain,
    waiting_for_mentor,
    with_categories,
)
from caseloop.course import Course
from caseloop.course.journal import GRADED, read_batch_status
from caseloop.curriculum import Curriculum, MasteryMethod
from caseloop.schemas import InvalidFile, read_table, table_finding

COHORTS_FILE = "cohorts.csv"
HIGHLIGHTS = 3
RISK_SHOWN = 200  # longest runs shown in the cohort report; risk.csv has them all


@dataclass
class CohortTables:
    """Every table the reports show, one tidy frame each (exported as CSV and XLSX sheets)."""

    mastery: pd.DataFrame
    modules: pd.DataFrame
    completion: pd.DataFrame
    gates: pd.DataFrame
    levels: pd.DataFrame
    path: pd.DataFrame
    risk: pd.DataFrame
    highlights: pd.DataFrame
    gain_pairs: pd.DataFrame
    gain: pd.DataFrame
    targets: pd.DataFrame
    trend: pd.DataFrame
    mentor: pd.DataFrame
    waiting: pd.DataFrame  # cells still waiting for a mentor's grade: counted in no score, shown as waiting


def cohort_of(grades: pd.DataFrame, assigned: pd.DataFrame | None = None) -> pd.Series:
    """trainee -> cohort: from the cohorts file when given, else the month of the first submission."""
    first = grades.groupby("trainee", observed=True)["submitted_at"].min()
    cohorts = first.dt.strftime("%Y-%m").fillna("—")
    if assigned is not None and not assigned.empty:
        cohorts = assigned.set_index("trainee")["cohort"].astype(str).combine_first(cohorts)
    return cohorts.rename("cohort")


def completion_table(modules: pd.DataFrame, status: pd.DataFrame, trainees: list[str],
                     module_ids: list[str]) -> pd.DataFrame:
    """Per trainee x module: graded share, or the batch status (malformed notebook ...), or not submitted."""
    grid = pd.MultiIndex.from_product([trainees, module_ids], names=["trainee", "module"]).to_frame(index=False)
    grid = grid.merge(modules, on=["trainee", "module"], how="left")
    grid = grid.merge(status[["trainee", "module", "status", "detail"]], on=["trainee", "module"], how="left")
    grid["status"] = grid["status"].where(grid["status"].notna(), grid["share"].notna().map({True: GRADED,
                                                                                               False: "not submitted"}))
    grid["detail"] = grid["detail"].fillna("")
    return grid


def highlights(latest: pd.DataFrame, per_trainee: int = HIGHLIGHTS) -> pd.DataFrame:
    """Each trainee's strongest (highest share, most points first) and weakest (lowest share, most points
    first) answers, `per_trainee` of each."""
    columns = ["trainee", "module", "notebook", "cell", "case", "competency", "score", "max_score", "failures"]
    share = (latest["score"] / latest["max_score"]).to_numpy()
    points = latest["max_score"].to_numpy()
    trainee = pd.factorize(latest["trainee"], sort=True)[0]
    sides = []
    for side, keep, direction in (("strongest", share > 0, -1), ("weakest", share < 1, 1)):
        # sort row numbers only (trainee, then share down or up, then points down); copy just the chosen rows
        index = np.flatnonzero(keep)
        index = index[np.lexsort((-points[index], direction * share[index], trainee[index]))]
        starts = np.flatnonzero(np.r_[True, np.diff(trainee[index]) != 0])
        rank = np.arange(len(index)) - np.repeat(starts, np.diff(np.r_[starts, len(index)]))
        chosen = latest.iloc[index[rank < per_trainee]][columns]
        sides.append(chosen.assign(share=chosen["score"] / chosen["max_score"], side=side))
    return pd.concat(sides, ignore_index=True)


def target_progress(mastery: pd.DataFrame, grades: pd.DataFrame, cohorts: pd.Series,
                    curriculum: Curriculum) -> pd.DataFrame:
    """Per cohort x course target: the cohort's mean mastery against the goal, by the goal's deadline.

    A cohort starts at its first submission; `as_of` is its latest submission, so the result does
    not depend on when the report is run.
    """
    window = grades.assign(cohort=grades["trainee"].map(cohorts)).groupby("cohort", observed=True)["submitted_at"].agg(
        ["min", "max"])
    by_cohort = mastery.assign(cohort=mastery["trainee"].map(cohorts))
    rows = []
    for target in curriculum.targets:
        values = by_cohort[by_cohort["competency"] == target.competency].groupby("cohort", observed=True)["mastery"]
        for cohort, (start, as_of) in window.iterrows():
            value = values.mean().get(cohort, float("nan"))
            n = int(values.count().get(cohort, 0))
            deadline = start + pd.Timedelta(days=target.within_days)
            met = bool(pd.notna(value) and value >= target.mastery - 1e-9)
            state = "met" if met else ("missed" if as_of > deadline else "open")
            rows.append({"cohort": cohort, "target": target.id, "zh": target.zh, "en": target.en,
                         "competency": target.competency, "goal": target.mastery, "value": value, "n": n,
                         "start": start, "deadline": deadline, "as_of": as_of,
                         "days_left": max((deadline - as_of).days, 0), "state": state})
    return pd.DataFrame(rows, columns=["cohort", "target", "zh", "en", "competency", "goal", "value", "n", "start",
                                       "deadline", "as_of", "days_left", "state"])


def cohort_trend(mastery: pd.DataFrame, cohorts: pd.Series) -> pd.DataFrame:
    """Mean mastery per cohort x competency and how many trainees it rests on, oldest cohort first."""
    by_cohort = mastery.assign(cohort=mastery["trainee"].map(cohorts))
    trend = by_cohort.groupby(["cohort", "competency"], as_index=False, observed=True).agg(
        mastery=("mastery", "mean"), n=("mastery", "count"))
    return trend.sort_values(["cohort", "competency"])


def item_catalogue(grades: pd.DataFrame, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every graded cell known from the source modules and the grade table: module, cell, competency, case, points."""
    seen = (grades[["module", "notebook", "cell", "competency", "case", "max_score"]]
            .drop_duplicates(["module", "notebook", "cell"]).rename(columns={"max_score": "points"}))
    frames = [items, seen] if items is not None and not items.empty else [seen]
    return pd.concat(frames, ignore_index=True).drop_duplicates(["module", "notebook", "cell"])


def cohort_tables(grades: pd.DataFrame, curriculum: Curriculum, status: pd.DataFrame | None = None,
                  items: pd.DataFrame | None = None, cohorts: pd.Series | None = None,
                  method: MasteryMethod | None = None) -> CohortTables:
    """All report tables for the trainees in `grades` (and in `status`, who may have no grades)."""
    status = status if status is not None else pd.DataFrame(columns=["trainee", "module", "status", "detail"])
    cohorts = cohorts if cohorts is not None else cohort_of(grades)
    method = method or curriculum.mastery
    grades = with_categories(grades)
    trainees = sorted(set(grades["trainee"]) | set(status["trainee"]))
    everything = latest_attempts(grades)
    # a cell still waiting for a mentor's grade is not evidence yet; the gates still see it as pending
    latest = everything[everything["score"].notna()]
    results = competency_results(grades[grades["score"].notna()])
    mastery = mastery_table(grades, curriculum, method, latest, results)
    modules = module_results(latest)
    module_order = [m.id for m in curriculum.modules]
    present = set(modules["module"]) | set(status["module"])
    module_ids = [m for m in module_order if m in present] + sorted(present - set(module_order))
    gates = gate_results(everything, mastery, curriculum, trainees)
    baseline, post = curriculum.assessment.get("baseline", ""), curriculum.assessment.get("post_test", "")
    gain_pairs, gain = pre_post_gain(latest, baseline, post)
    return CohortTables(
        mastery=mastery, modules=modules, completion=completion_table(modules, status, trainees, module_ids),
        gates=gates, levels=certification(gates, curriculum, trainees),
        path=learning_path(mastery, latest, item_catalogue(grades, items), curriculum),
        risk=at_risk(results, method), highlights=highlights(latest), gain_pairs=gain_pairs, gain=gain,
        targets=target_progress(mastery, grades, cohorts, curriculum), trend=cohort_trend(mastery, cohorts),
        mentor=review_pairs(everything, items), waiting=waiting_for_mentor(everything))


def batch_status(course: Course) -> pd.DataFrame:
    """Every trainee's outcome in the last grade batch of each module (graded, malformed ...)."""
    rows = [row for path in sorted(course.reports_dir.glob("grade-*.csv")) for row in read_batch_status(path)]
    return pd.DataFrame(rows, columns=["trainee", "module", "status", "detail"])


def read_cohorts(course: Course) -> pd.DataFrame | None:
    """reports/cohorts.csv (trainee, cohort; caseloop/schemas/cohorts.schema.json) when a lead keeps one, else None.

    A trainee listed twice is an error naming both lines, as a trainee belongs to one cohort.
    """
    path = course.reports_dir / COHORTS_FILE
    if not path.is_file():
        return None
    table = read_table(path, "cohorts")
    lines = table.index.to_series().add(2).astype(str).groupby(table["trainee"]).agg(", ".join)
    again = table.index[table.duplicated("trainee")]
    if len(again):
        raise InvalidFile([table_finding(path, row, "trainee", f"{table.at[row, 'trainee']} 出现在多个队列中（第 "
                                         f"{lines[table.at[row, 'trainee']]} 行）", f"{table.at[row, 'trainee']} is "
                                         f"in more than one cohort (lines {lines[table.at[row, 'trainee']]})",
                                         "keep one row per trainee") for row in again])
    return table
