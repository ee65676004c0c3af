"""The tables a report shows, as pure functions over the grade table.

`cohort_tables` gathers mastery, gates and levels, readiness, learning paths, who is at risk and
why, red-line alerts, progress, the per-competency breakdown, pre/post gain, completion, the
course's targets, the trend across cohorts and the lead's own ratings. Scoring lives in
`caseloop.analysis.mastery`, certification in `caseloop.analysis.certify`, paths in
`caseloop.analysis.learning_path`, the at-risk rules in `caseloop.analysis.risk`, the breakdown in
`caseloop.analysis.breakdown`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from caseloop.analysis import risk as at_risk_now
from caseloop.analysis.agreement import review_pairs
from caseloop.analysis.breakdown import competency_breakdown
from caseloop.analysis.certify import certification, gate_results, one_gate_away, readiness
from caseloop.analysis.learning_path import item_titles, learning_path
from caseloop.analysis.mastery import (
    at_risk,
    by_competency,
    competency_results,
    latest_attempts,
    mastery_table,
    module_results,
    pre_post_gain,
    waiting_for_mentor,
    with_categories,
)
from caseloop.course import Course, CourseError
from caseloop.course.journal import GRADED, read_batch_status
from caseloop.curriculum import Curriculum, MasteryMethod
from caseloop.schemas import InvalidFile, read_table, table_finding

COHORTS_FILE = "cohorts.csv"
RATINGS_FILE = "ratings.csv"
RATING_COLUMNS = ["trainee", "competency", "level", "note", "rated_by", "rated_on"]
BACKLOG_FILE = "revision-backlog.csv"
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
    readiness: pd.DataFrame
    one_gate: pd.DataFrame
    warnings: pd.DataFrame
    alerts: pd.DataFrame
    progress: pd.DataFrame
    breakdown: pd.DataFrame
    ratings: pd.DataFrame
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


def titled(frame: pd.DataFrame, items: pd.DataFrame, cell: str = "cell") -> pd.DataFrame:
    """FRAME with the title (`title`) of the item its `cell` column names; the cell id where the item has none."""
    titles = item_titles(items)
    return frame.assign(title=[titles.get((m, c)) or c for m, c in zip(frame["module"].astype(str),
                                                                     frame[cell].astype(str), strict=True)])


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


def flagged_evidence(latest: pd.DataFrame, flagged: pd.DataFrame | None) -> pd.DataFrame:
    """Per trainee x competency: how many of the latest graded cells behind the score the backlog flagged."""
    if flagged is None or flagged.empty:
        return pd.DataFrame(columns=["trainee", "competency", "flagged"])
    broken = set(zip(flagged["module"], flagged["cell"], strict=True))
    marked = latest[[(m, c) in broken for m, c in zip(latest["module"], latest["cell"], strict=True)]]
    long = by_competency(marked, ["trainee", "cell"])
    return long.groupby(["trainee", "competency"], as_index=False, observed=True).size().rename(
        columns={"size": "flagged"})


def gate_flags(gates: pd.DataFrame, curriculum: Curriculum, flagged: pd.DataFrame | None,
               items: pd.DataFrame) -> pd.Series:
    """Per row of the gate table: how many backlog-flagged items the gate rests on (its module's or competency's)."""
    if flagged is None or flagged.empty:
        return pd.Series(0, index=gates.index)
    per_module = flagged["module"].value_counts()
    tagged = flagged.merge(items[["module", "cell", "competency"]], on=["module", "cell"])
    per_competency = by_competency(tagged, ["cell"])["competency"].astype(str).value_counts()
    counts = {gate.id: int(per_module.get(gate.params["module"], 0)) if "module" in gate.params
              else int(per_competency.get(gate.params.get("competency", ""), 0)) for gate in curriculum.gates.values()}
    return gates["gate"].map(counts).fillna(0).astype(int)


def cohort_tables(grades: pd.DataFrame, curriculum: Curriculum, status: pd.DataFrame | None = None,
                  items: pd.DataFrame | None = None, cohorts: pd.Series | None = None,
                  method: MasteryMethod | None = None, flagged: pd.DataFrame | None = None,
                  replies: pd.DataFrame | None = None, ratings: pd.DataFrame | None = None) -> CohortTables:
    """All report tables for the trainees in `grades` (and in `status`, who may have no grades).

    `flagged` is the revision backlog's (module, cell) pairs, `replies` the trainees' reply texts
    (for red-line excerpts) and `ratings` the lead's manual ratings; each may be left out.
    """
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
    if flagged is not None and not flagged.empty:
        mastery = mastery.merge(flagged_evidence(latest, flagged), on=["trainee", "competency"], how="left")
        mastery["flagged"] = mastery["flagged"].fillna(0).astype(int)
    else:
        mastery = mastery.assign(flagged=0)
    gates = gate_results(everything, mastery, curriculum, trainees)
    catalogue = item_catalogue(grades, items)
    gates["flagged"] = gate_flags(gates, curriculum, flagged, catalogue)
    levels = certification(gates, curriculum, trainees)
    baseline, post = curriculum.assessment.get("baseline", ""), curriculum.assessment.get("post_test", "")
    gain_pairs, gain = pre_post_gain(latest, baseline, post)
    trend = at_risk(results, method)
    window = at_risk_now.activity_window(grades, cohorts, trainees)
    progress = at_risk_now.progress(window, modules, curriculum)
    broken = at_risk_now.red_line_replies(latest)
    warned = at_risk_now.warnings(at_risk_now.Evidence(modules, broken, trend, window, progress), curriculum)
    return CohortTables(
        mastery=mastery, modules=modules, completion=completion_table(modules, status, trainees, module_ids),
        gates=gates, levels=levels,
        path=learning_path(mastery, latest, catalogue, curriculum, flagged=flagged),
        risk=trend, highlights=titled(highlights(latest), catalogue), gain_pairs=gain_pairs, gain=gain,
        targets=target_progress(mastery, grades, cohorts, curriculum), trend=cohort_trend(mastery, cohorts),
        mentor=titled(review_pairs(everything, items), catalogue, cell="reviews"),
        waiting=waiting_for_mentor(everything),
        readiness=readiness(levels, curriculum),
        one_gate=one_gate_away(levels, gates), warnings=warned,
        alerts=at_risk_now.compliance_alerts(broken, replies), progress=progress,
        breakdown=competency_breakdown(mastery, latest, catalogue, curriculum, flagged),
        ratings=ratings if ratings is not None else pd.DataFrame(columns=RATING_COLUMNS))


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


def read_ratings(course: Course, curriculum: Curriculum) -> pd.DataFrame | None:
    """reports/ratings.csv, the lead's own ratings (trainee, competency, level, note, rated_by, rated_on), if kept.

    Checked against its schema (caseloop/schemas/ratings.schema.json) and the curriculum's codes and levels; every
    problem names the line and the column. A later row for the same trainee and competency replaces an earlier one.
    """
    path = course.reports_dir / RATINGS_FILE
    if not path.is_file():
        return None
    table = read_table(path, "ratings").fillna("")
    for column in RATING_COLUMNS:
        table[column] = table[column].str.strip() if column in table else ""
    problems = [table_finding(path, row, column, f"未声明的{what_zh} {table.at[row, column]!r}",
                              f"unknown {what_en} {table.at[row, column]!r}", f"use one of {', '.join(known)}")
                for column, what_zh, what_en, known in (("competency", "能力", "competency", curriculum.competencies),
                                                        ("level", "等级", "level", curriculum.level_names))
                for row in table.index[~table[column].isin(list(known))]]
    if problems:
        raise InvalidFile(problems)
    return table[RATING_COLUMNS].drop_duplicates(["trainee", "competency"], keep="last")


def read_flagged(course: Course) -> pd.DataFrame | None:
    """The (module, cell) pairs of reports/revision-backlog.csv that name a cell, when `caseloop revise` wrote one."""
    path = course.reports_dir / BACKLOG_FILE
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not {"module", "cell"} <= set(table.columns):
        raise CourseError(f"{path}: not a revision backlog (no module and cell columns); run `caseloop revise` "
                          "to write it again")
    return table.loc[table["cell"] != "", ["module", "cell"]].drop_duplicates()
