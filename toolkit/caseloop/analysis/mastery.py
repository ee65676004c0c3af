"""Competency scoring: raw scores, mastery by the course's method, at-risk runs and pre/post gain.

Pure functions over the tidy grade table (`caseloop.compile.GRADE_COLUMNS`). A cell tagged with
several competencies counts towards each. A *result* is one submitted notebook seen through one
competency: points earned / available on the notebook's cells tagged with it. Mastery methods
follow Canvas's outcome calculations:

- average: mean of all results; latest: the newest result; highest: the best result;
- decaying_average: each new result counts `weight`, the mastery before it `1 - weight`;
- n_mastery: once `n` results reach the `at_level` threshold, the mean of those results;
  before that, no mastery (the level stays the lowest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from caseloop.framework import Curriculum, MasteryMethod

SCORE_COLUMNS = ["trainee", "competency", "score", "max_score", "items", "share", "level"]
MASTERY_COLUMNS = ["trainee", "competency", "score", "max_score", "share", "items", "results", "mastery",
                   "level", "thin", "method"]


KEY_COLUMNS = ["trainee", "module", "notebook", "cell", "case", "competency"]


def with_categories(grades: pd.DataFrame) -> pd.DataFrame:
    """The grade table with its key columns as categoricals: same values, much faster grouping at scale."""
    return grades.astype({column: "category" for column in KEY_COLUMNS if grades[column].dtype != "category"})


def latest_attempts(grades: pd.DataFrame) -> pd.DataFrame:
    """Each trainee's most recent attempt at each graded cell; of a module followed across versions (a `release`
    column, `caseloop.analysis.versions`), only the cells of the release the trainee submitted last."""
    followed = "release" in grades.columns
    if grades["attempt"].max() == 1 and not followed:
        return grades
    keys = ["trainee", "module", "notebook", "cell"]
    last = grades.groupby(keys, sort=False, observed=True)["attempt"].transform("max")
    latest = grades[grades["attempt"] == last]
    if not followed:
        return latest
    newest = (latest.sort_values("submitted_at", kind="stable")
              .groupby(["trainee", "module"], sort=False, observed=True)["release"].transform("last"))
    return latest[latest["release"] == newest.reindex(latest.index)]


def by_competency(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """One row per row of `frame` (or of its `columns`) and competency code it is tagged with.

    Splits each distinct ';'-separated tag string once, so a million rows with a handful of tag
    strings stay fast; the competency column comes back categorical.
    """
    frame = frame if columns is None else frame[[*dict.fromkeys([*columns, "competency"])]]
    if frame.empty:
        return frame.copy()
    tags = pd.Categorical(frame["competency"])
    parts = [str(tag).split(";") for tag in tags.categories]
    codes = sorted({code for part in parts for code in part})
    widths = np.array([len(p) for p in parts], dtype=np.int64)
    table = np.array([[codes.index(c) for c in p] + [-1] * (widths.max() - len(p)) for p in parts], dtype=np.int64)
    counts = widths[tags.codes]
    rows = np.repeat(np.arange(len(frame)), counts)
    within = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    long = frame.iloc[rows].reset_index(drop=True)
    long["competency"] = pd.Categorical.from_codes(table[tags.codes[rows], within], categories=codes)
    return long


def waiting_for_mentor(latest: pd.DataFrame) -> pd.DataFrame:
    """The latest attempts still waiting for a mentor's grade (no score yet), one row per cell and competency code."""
    return by_competency(latest[latest["score"].isna()], ["trainee", "module", "notebook", "cell", "case", "max_score"])


def _level_of(curriculum: Curriculum, codes: pd.Series, shares: pd.Series) -> list[str]:
    lowest = next(iter(curriculum.level_names), "beginning")
    return [curriculum.competencies[code].level(share) if code in curriculum.competencies and pd.notna(share)
            else lowest for code, share in zip(codes, shares, strict=True)]


def competency_scores(latest: pd.DataFrame, curriculum: Curriculum) -> pd.DataFrame:
    """Per trainee x competency: points earned and available on the latest attempts, share and level.

    `latest` is `latest_attempts(grades)`. `items` is how many graded cells the score rests on, so
    a reader can tell a share built on one question from one built on twenty.
    """
    long = by_competency(latest, ["trainee", "cell", "score", "max_score"])
    scores = (long.groupby(["trainee", "competency"], as_index=False, observed=True)
              .agg(score=("score", "sum"), max_score=("max_score", "sum"), items=("cell", "size")))
    scores["share"] = scores["score"] / scores["max_score"]
    scores["level"] = _level_of(curriculum, scores["competency"], scores["share"])
    return scores[SCORE_COLUMNS]


def competency_results(grades: pd.DataFrame) -> pd.DataFrame:
    """Per trainee x competency x submitted notebook, oldest first: points, share and `order` (0, 1, ...)."""
    long = by_competency(grades, ["trainee", "module", "notebook", "attempt", "score", "max_score", "submitted_at"])
    results = (long.groupby(["trainee", "competency", "module", "notebook", "attempt"], as_index=False, sort=False,
                            dropna=False, observed=True)
               .agg(score=("score", "sum"), max_score=("max_score", "sum"), submitted_at=("submitted_at", "max")))
    results["share"] = results["score"] / results["max_score"]
    results = results.sort_values(["trainee", "competency", "submitted_at", "module", "notebook", "attempt"],
                                  kind="stable", ignore_index=True)
    results["order"] = results.groupby(["trainee", "competency"], sort=False, observed=True).cumcount()
    return results


def _average(results: pd.DataFrame, curriculum: Curriculum, method: MasteryMethod) -> pd.Series:
    return _shares(results).mean()


def _latest(results: pd.DataFrame, curriculum: Curriculum, method: MasteryMethod) -> pd.Series:
    return _shares(results).last()


def _highest(results: pd.DataFrame, curriculum: Curriculum, method: MasteryMethod) -> pd.Series:
    return _shares(results).max()


def _decaying_average(results: pd.DataFrame, curriculum: Curriculum, method: MasteryMethod) -> pd.Series:
    # m1 = s1; mk = w*sk + (1-w)*m(k-1)  =>  weight of result k of K is w(1-w)^(K-k), the first (1-w)^(K-1)
    count = results.groupby(["trainee", "competency"], sort=False, observed=True)["order"].transform("size")
    age = count - 1 - results["order"]
    weight = (1 - method.weight) ** age * np.where(results["order"] == 0, 1.0, method.weight)
    return (results["share"] * weight).groupby([results["trainee"], results["competency"]], observed=True).sum()


def _n_mastery(results: pd.DataFrame, curriculum: Curriculum, method: MasteryMethod) -> pd.Series:
    bar = results["competency"].map({code: c.thresholds.get(method.at_level, 1.0)
                                     for code, c in curriculum.competencies.items()}).astype(float).fillna(1.0)
    at_mastery = results[results["share"] >= bar - 1e-9].groupby(["trainee", "competency"], observed=True)["share"]
    mean, times = at_mastery.mean(), at_mastery.size()
    return mean[times >= method.n].reindex(_shares(results).size().index)


def _shares(results: pd.DataFrame) -> Any:
    return results.groupby(["trainee", "competency"], sort=True, observed=True)["share"]


# The mastery methods a curriculum may name (`mastery.method`): name -> (results, curriculum, method) -> mastery.
METHODS: dict[str, Callable[[pd.DataFrame, Curriculum, MasteryMethod], pd.Series]] = {
    "average": _average,
    "latest": _latest,
    "highest": _highest,
    "decaying_average": _decaying_average,
    "n_mastery": _n_mastery,
}


def mastery_values(results: pd.DataFrame, curriculum: Curriculum, method: MasteryMethod) -> pd.Series:
    """One mastery share per (trainee, competency) from the results in time order, by `method`."""
    if method.method not in METHODS:
        raise ValueError(f"unknown mastery method {method.method!r}; known: {', '.join(METHODS)}")
    return METHODS[method.method](results, curriculum, method)


def mastery_table(grades: pd.DataFrame, curriculum: Curriculum, method: MasteryMethod | None = None,
                  latest: pd.DataFrame | None = None, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per trainee x competency: raw score on the latest attempts, mastery by the method, level, evidence.

    `items` counts graded cells behind the raw score and `results` the submissions behind the
    mastery; `thin` marks scores resting on fewer than the method's `min_items` cells. `latest`
    and `results` may be passed when already computed from `grades`.
    """
    method = method or curriculum.mastery
    scores = competency_scores(latest_attempts(grades) if latest is None else latest, curriculum).drop(columns="level")
    results = competency_results(grades) if results is None else results
    summary = pd.DataFrame({"results": results.groupby(["trainee", "competency"], observed=True).size(),
                            "mastery": mastery_values(results, curriculum, method)}).reset_index()
    table = scores.merge(summary, on=["trainee", "competency"], how="left")
    table["level"] = _level_of(curriculum, table["competency"], table["mastery"])
    table["thin"] = table["items"] < method.min_items
    table["method"] = method.method
    return table[MASTERY_COLUMNS]


def at_risk(results: pd.DataFrame, method: MasteryMethod) -> pd.DataFrame:
    """Trainees whose latest `risk_attempts` or more results on a competency are all below `risk_below`.

    Returns trainee, competency, run (results in a row below the bar) and last_share.
    """
    below = results["share"] < method.risk_below
    keys = [results["trainee"], results["competency"]]
    last_good = results["order"].where(~below, -1).groupby(keys, observed=True).max()
    size = results.groupby(keys, observed=True).size()
    last_share = results.groupby(keys, observed=True)["share"].last()
    run = (size - 1 - last_good).rename("run")
    table = pd.DataFrame({"run": run, "last_share": last_share}).reset_index()
    table.columns = ["trainee", "competency", "run", "last_share"]
    return table[table["run"] >= method.risk_attempts].reset_index(drop=True)


def module_results(latest: pd.DataFrame) -> pd.DataFrame:
    """Per trainee x module: points earned and available on the latest attempts (`latest_attempts(grades)`)."""
    totals = (latest.groupby(["trainee", "module"], as_index=False, observed=True)
              .agg(score=("score", "sum"), max_score=("max_score", "sum")))
    totals["share"] = totals["score"] / totals["max_score"]
    return totals


def pre_post_gain(latest: pd.DataFrame, baseline: str, post_test: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paired gain per competency from the baseline module to the post-test module.

    `latest` is `latest_attempts(grades)`. Returns (pairs, summary): pairs has one row per trainee x
    competency with both a baseline and a post-test share; summary has per competency n (pairs),
    mean pre, mean post, mean gain and the gain's standard deviation. Trainees with only one of the
    two are left out.
    """
    latest = by_competency(latest[latest["module"].isin([baseline, post_test])],
                           ["trainee", "module", "score", "max_score"])
    sums = latest.groupby(["trainee", "competency", "module"], observed=True)[["score", "max_score"]].sum()
    shares = (sums["score"] / sums["max_score"]).unstack("module") if len(sums) else pd.DataFrame(
        index=pd.MultiIndex.from_arrays([[], []], names=["trainee", "competency"]))
    pairs = shares.reindex(columns=[baseline, post_test]).dropna().reset_index()
    pairs.columns = ["trainee", "competency", "pre", "post"]
    pairs["gain"] = pairs["post"] - pairs["pre"]
    summary = (pairs.groupby("competency", as_index=False, observed=True)
               .agg(n=("gain", "size"), pre=("pre", "mean"), post=("post", "mean"), gain=("gain", "mean"),
                    gain_sd=("gain", "std")))
    return pairs, summary
