"""Mentor versus autograde: every mentor score set beside what the autograde said of the same reply.

A reply is scored twice: its autograded test cell, and one mentor rubric cell per criterion
(tone, empathy, cultural fit) below it. `review_pairs` pairs them for the trainee report and
`disagreement` counts, per exercise and criterion, where mentors and the checks part ways.

`agreement` measures how closely the autograde follows the mentors the way ETS's RSMTool
evaluates an automated scoring engine against human raters (quadratic weighted kappa, exact and
adjacent agreement, Pearson r, standardized mean difference); `score_pairs` puts both on one
integer scale and `agreement_report` computes the metrics per exercise, criterion and language.
A grade counts only if it agrees with a senior mentor's, so exercises below the bar go to the
revision backlog (`caseloop.revise.flags.agreement_flags`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from caseloop.course.rubric import BY_CODE, CRITERIA, MENTOR_PASS

PAIR_COLUMNS = ["trainee", "module", "notebook", "cell", "criterion", "reviews", "case", "competency",
                "mentor_share", "auto_share", "reply_points", "auto_failures", "autograde_pass", "mentor_pass",
                "pending", "comment"]


def review_pairs(latest: pd.DataFrame, items: pd.DataFrame | None) -> pd.DataFrame:
    """Every rubric cell of every submission beside the autograde of the same reply (columns in `PAIR_COLUMNS`).

    `latest` holds the latest attempts of the grade table; `items` is `compile.item_table`, whose
    `rubric` and `reviews` columns name each rubric cell's criterion and the test cell it reviews.
    The autograde passes a criterion when the reply scored above 0 and none of the criterion's
    checks failed; the mentor passes it at `MENTOR_PASS` of its points or more. Rows a mentor has
    not graded yet are `pending`, with no mentor share.
    """
    if items is None or "rubric" not in items:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    rubric = items.loc[items["rubric"].fillna("") != "", ["module", "notebook", "cell", "rubric", "reviews"]]
    marked = latest.astype({"module": str, "notebook": str, "cell": str}).merge(
        rubric, on=["module", "notebook", "cell"])
    tests = latest.astype({"module": str, "notebook": str, "cell": str})[
        ["trainee", "module", "notebook", "cell", "auto_score", "max_score", "failures"]].rename(
        columns={"cell": "reviews", "auto_score": "test_score", "max_score": "reply_points",
                 "failures": "auto_failures"})
    pairs = marked.merge(tests, on=["trainee", "module", "notebook", "reviews"], how="inner")
    if pairs.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    failed = pairs["auto_failures"].fillna("").str.split(";")
    related = [[code for code in codes if code in BY_CODE[criterion].checks]
               for codes, criterion in zip(failed, pairs["rubric"], strict=True)]
    pairs["auto_failures"] = [";".join(codes) for codes in related]
    pairs["auto_share"] = pairs["test_score"] / pairs["reply_points"]
    pairs["autograde_pass"] = (pairs["auto_share"] > 0) & (pairs["auto_failures"] == "")
    pairs["mentor_share"] = pairs["manual_score"] / pairs["max_score"]
    pairs["pending"] = pairs["manual_score"].isna()
    pairs["mentor_pass"] = pairs["mentor_share"] >= MENTOR_PASS - 1e-9
    pairs["comment"] = pairs["comment"].fillna("") if "comment" in pairs else ""
    order = {c.code: i for i, c in enumerate(CRITERIA)}
    pairs = pairs.sort_values(["trainee", "module", "notebook", "reviews", "rubric"],
                              key=lambda column: column.map(order) if column.name == "rubric" else column)
    return pairs.rename(columns={"rubric": "criterion"})[PAIR_COLUMNS].reset_index(drop=True)


def disagreement(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per reviewed reply and criterion: how often mentor and autograde disagree, and in which direction.

    Counts only rubric cells a mentor has graded. `lenient` counts replies the autograde passed on
    the criterion and mentors did not (the checks miss something); `strict` the reverse (the checks
    fire on replies mentors accept).
    """
    columns = ["module", "notebook", "reviews", "criterion", "case", "competency", "points", "n", "agree",
               "lenient", "strict", "strict_failures"]
    pairs = pairs[~pairs["pending"].astype(bool)]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    frame = pairs.assign(lenient=pairs["autograde_pass"] & ~pairs["mentor_pass"],
                         strict=~pairs["autograde_pass"] & pairs["mentor_pass"])
    frame["agree"] = ~(frame["lenient"] | frame["strict"])
    keys = ["module", "notebook", "reviews", "criterion"]
    table = frame.groupby(keys, as_index=False, sort=True).agg(
        case=("case", "first"), competency=("competency", "first"), points=("reply_points", "first"),
        n=("trainee", "size"),
        agree=("agree", "sum"), lenient=("lenient", "sum"), strict=("strict", "sum"))
    strict_codes = (frame[frame["strict"]].groupby(keys)["auto_failures"]
                    .agg(lambda codes: ";".join(sorted({c for text in codes for c in text.split(";") if c}))))
    table["strict_failures"] = [strict_codes.get(tuple(row), "") for row in table[keys].itertuples(index=False)]
    return table[columns]


# -- agreement of the autograde with mentors, as RSMTool reports it -----------------------------

REPLY_POINTS = 4  # a whole reply: the mentors' mean share over the criteria and the autograde share, x 4
CRITERION_POINTS = 2  # one criterion: 0 not met, 1 partly, 2 met
METRICS = ["n", "qwk", "exact", "adjacent", "r", "smd", "smd_unpooled", "human_mean", "human_sd", "machine_mean",
           "machine_sd"]
SCORE_COLUMNS = ["trainee", "module", "notebook", "reviews", "case", "language", "criterion", "points", "human",
                 "machine"]
LEVEL_KEYS = {"exercise": ["module", "notebook", "reviews", "case"], "criterion": ["criterion"],
              "language": ["language"]}
REPORT_COLUMNS = ["level", "module", "notebook", "reviews", "case", "criterion", "language", "points", *METRICS]
DEFAULT_LANGUAGE = "en"


def _half_up(values: np.ndarray) -> np.ndarray:
    """Values rounded to the nearest whole point, halves upwards (2.5 -> 3; numpy would round to even)."""
    return np.floor(np.asarray(values, dtype=float) + 0.5 + 1e-9)


def agreement(human: Sequence[float], machine: Sequence[float], points: int) -> dict:
    """How well machine scores agree with human scores of the same answers, on the score points 0..`points`.

    `human` are whole score points; `machine` scores are rounded to the nearest point first (halves
    up), as RSMTool computes kappa and exact agreement on rounded system scores. The metrics are
    RSMTool's (doc/evaluation.rst, "Evaluation Metrics"; rsmtool.utils.metrics):

    - `qwk`: quadratic weighted kappa, 1 - observed / chance disagreement, with disagreement the
      squared difference of score points: 1 - mean((M - H)^2) / (Var H + Var M + (mean M - mean H)^2),
      population variances. This is Cohen's (1968) weighted kappa with weights (i - j)^2 on the
      points 0..`points`, and RSMTool's `quadratic_weighted_kappa` (Haberman 2019) with ddof = 0.
    - `exact` / `adjacent`: share of answers with |M - H| = 0 / <= 1 (RSMTool gives percentages).
    - `r`: Pearson correlation.
    - `smd`: standardized mean difference (mean M - mean H) / sqrt((sd_H^2 + sd_M^2) / 2), sample SDs.
      This is the pooled definition (rsmtool.utils.standardized_mean_difference with method="pooled",
      which RSMTool uses between two human raters; Williamson, Xi & Breyer 2012 define the human-machine
      SMD and its 0.15 bar with the same pooled denominator, there over the whole population), the one
      the backlog's `max_smd` is judged on.
    - `smd_unpooled`: (mean M - mean H) / sd_H, what RSMTool 7 and later report between system and
      human scores (method="unpooled"), for comparison with RSMTool reports.
    - `human_mean`, `human_sd`, `machine_mean`, `machine_sd` (sample SDs, N - 1).

    With fewer than two pairs every metric is NaN. A metric whose denominator is zero is NaN: r
    when either side has one score only, kappa when both have the same single score, `smd` when
    both are constant, `smd_unpooled` when the human scores are. Nothing is warned about.
    """
    h = np.asarray(human, dtype=float)
    m = _half_up(np.asarray(machine, dtype=float))
    if h.shape != m.shape or h.ndim != 1:
        raise ValueError(f"human and machine scores must pair up: {h.shape} vs {m.shape}")
    on_scale = np.isin(h, np.arange(points + 1)) & np.isin(m, np.arange(points + 1))
    if not on_scale.all():
        bad = int(np.flatnonzero(~on_scale)[0])
        raise ValueError(f"pair {bad}: human {h[bad]!r}, machine {m[bad]!r} are not whole points 0..{points}")
    result = dict.fromkeys(METRICS, math.nan)
    result["n"] = len(h)
    if len(h) < 2:
        return result
    difference = m - h
    human_mean, machine_mean = h.mean(), m.mean()
    human_var, machine_var = h.var(), m.var()
    human_sd, machine_sd = h.std(ddof=1), m.std(ddof=1)
    chance = human_var + machine_var + (machine_mean - human_mean) ** 2
    pooled = math.sqrt((human_sd ** 2 + machine_sd ** 2) / 2)
    covariance = ((h - human_mean) * (m - machine_mean)).mean()
    result.update(
        qwk=1 - (difference ** 2).mean() / chance if chance > 0 else math.nan,
        exact=float((difference == 0).mean()), adjacent=float((np.abs(difference) <= 1).mean()),
        r=covariance / math.sqrt(human_var * machine_var) if human_var > 0 and machine_var > 0 else math.nan,
        smd=(machine_mean - human_mean) / pooled if pooled > 0 else math.nan,
        smd_unpooled=(machine_mean - human_mean) / human_sd if human_sd > 0 else math.nan,
        human_mean=human_mean, human_sd=human_sd, machine_mean=machine_mean, machine_sd=machine_sd)
    return {key: float(value) if key != "n" else value for key, value in result.items()}


def score_pairs(pairs: pd.DataFrame, languages: Mapping[tuple[str, str, str], str]) -> pd.DataFrame:
    """Mentor (human) and autograde (machine) scores of the same replies on one integer scale (`SCORE_COLUMNS`).

    `pairs` is `review_pairs`; a reply counts once a mentor has scored every criterion of its
    rubric. Per reply (`criterion` empty, 0..`REPLY_POINTS`): human = the mentor's mean share over
    the criteria x 4, machine = the reply's autograde share x 4, both rounded halves up. Per
    criterion (0..`CRITERION_POINTS`): human = the mentor's share of the criterion as 0 / 1 / 2
    (not met, partly, met), machine = 2 where the autograde passes the criterion, 0 where the reply
    scored 0, else 1 (the reply earned points but one of the criterion's checks failed).
    `languages` maps (module, notebook, reply test cell) to the reply's language (default en).
    """
    keys = ["trainee", "module", "notebook", "reviews"]
    if pairs.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    finished = ~pairs.groupby(keys)["pending"].transform("any").astype(bool)
    scored = pairs[finished]
    criteria = scored.assign(
        points=CRITERION_POINTS, human=_half_up(scored["mentor_share"] * CRITERION_POINTS),
        machine=np.where(scored["autograde_pass"], CRITERION_POINTS, np.where(scored["auto_share"] > 0, 1, 0)))
    replies = scored.groupby(keys, as_index=False, sort=False).agg(
        case=("case", "first"), mentor_share=("mentor_share", "mean"), auto_share=("auto_share", "first"))
    replies = replies.assign(criterion="", points=REPLY_POINTS, human=_half_up(replies["mentor_share"] * REPLY_POINTS),
                             machine=_half_up(replies["auto_share"] * REPLY_POINTS))
    table = pd.concat([replies, criteria], ignore_index=True)
    table["language"] = [languages.get((module, notebook, reviews), DEFAULT_LANGUAGE) for module, notebook, reviews
                         in zip(table["module"], table["notebook"], table["reviews"], strict=True)]
    table[["human", "machine"]] = table[["human", "machine"]].astype(int)
    return table[SCORE_COLUMNS].reset_index(drop=True)


def agreement_table(pairs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """`agreement` per group of `pairs` (columns `human`, `machine`, `points`, one row per scored answer).

    One row per group: the `by` keys, the scale (`points`) and every metric in `METRICS`. All
    pairs of a group must be on the same scale.
    """
    rows = []
    for keys, group in pairs.groupby(by, sort=True):
        scales = group["points"].unique()
        if len(scales) != 1:
            raise ValueError(f"group {keys}: pairs on different scales {sorted(scales)}; group by scale too")
        points = int(scales[0])
        rows.append({**dict(zip(by, keys, strict=True)), "points": points,
                     **agreement(group["human"], group["machine"], points)})
    return pd.DataFrame(rows, columns=[*by, "points", *METRICS])


def agreement_report(scored: pd.DataFrame) -> pd.DataFrame:
    """The metrics per exercise and per language (whole replies, 0-4) and per criterion (0-2), in `REPORT_COLUMNS`.

    `scored` is `score_pairs`. `level` names the grouping; keys that do not apply to a level are empty.
    """
    whole = scored[scored["criterion"] == ""]
    frames = {"exercise": whole, "criterion": scored[scored["criterion"] != ""], "language": whole}
    order = {c.code: i for i, c in enumerate(CRITERIA)}
    tables = []
    for level, frame in frames.items():
        table = agreement_table(frame, LEVEL_KEYS[level])
        if level == "criterion":
            table = table.sort_values("criterion", key=lambda codes: codes.map(order), ignore_index=True)
        if not table.empty:
            tables.append(table.assign(level=level))
    report = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=REPORT_COLUMNS)
    return report.reindex(columns=REPORT_COLUMNS).fillna(
        {key: "" for key in ("module", "notebook", "reviews", "case", "criterion", "language")})
