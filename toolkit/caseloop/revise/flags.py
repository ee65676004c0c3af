"""Revision flags from the statistics, mentors and the survey, ranked into the backlog."""

from __future__ import annotations

from typing import Any

import pandas as pd

from caseloop.analysis.agreement import disagreement
from caseloop.analysis.mastery import latest_attempts
from caseloop.revise.statistics import top_failures
from caseloop.revise.thresholds import FLAGS, SURVEY_RATINGS, Thresholds
from caseloop.revise.writeback import summary_line


def _entry(flag: str, impact: float, evidence: str, statistic: str, value: float, **where: Any) -> dict:
    zh, en, action_zh, action_en = FLAGS[flag]
    return {"flag": flag, "flag_text": f"{zh} / {en}", "impact": round(impact, 3), "evidence": evidence,
            "statistic": statistic, "value": round(value, 3) if pd.notna(value) else value,
            "action": f"{action_zh} / {action_en}", **where}


def _evidence(low: float, high: float, beyond: float, below: bool) -> str:
    """firm when the whole interval lies past the threshold, else tentative."""
    edge = high if below else low
    return "firm" if pd.notna(edge) and (edge < beyond if below else edge > beyond) else "tentative"


def statistic_flags(stats: pd.DataFrame, items: pd.DataFrame, t: Thresholds) -> list[dict]:
    """Backlog entries for cells whose statistics cross a threshold (only with at least `min_trainees`)."""
    must_know = set(items.loc[items["must_know"], "cell"]) if len(items) else set()
    entries = []
    for s in stats[(stats["level"] == "cell") & (stats["n"] >= t.min_trainees)].itertuples():
        where = {"module": s.module, "notebook": s.notebook, "cell": s.cell, "case": s.case,
                 "competency": s.competency, "n": s.n, "failure_reasons": s.failure_reasons}
        r = s.discrimination
        if pd.notna(r) and r < t.weak_discrimination:
            flag = "negative_discrimination" if r < 0 else "weak_discrimination"
            threshold = 0 if r < 0 else t.weak_discrimination
            shortfall = (t.weak_discrimination - r) / t.weak_discrimination
            entries.append(_entry(flag, t.weights[flag] * shortfall * s.max_score,
                                  _evidence(s.discrimination_low, s.discrimination_high, threshold, below=True),
                                  "discrimination", r, **where))
        if s.facility < t.too_hard:
            entries.append(_entry("too_hard", t.weights["too_hard"] * (t.too_hard - s.facility) / t.too_hard
                                  * s.max_score, _evidence(s.facility_low, s.facility_high, t.too_hard, below=True),
                                  "facility", s.facility, **where))
        if s.facility > t.too_easy and s.cell not in must_know:
            entries.append(_entry("too_easy", t.weights["too_easy"] * (s.facility - t.too_easy) / (1 - t.too_easy)
                                  * s.max_score, _evidence(s.facility_low, s.facility_high, t.too_easy, below=False),
                                  "facility", s.facility, **where))
    return entries


def distractor_flags(picks: pd.DataFrame, items: pd.DataFrame, grades: pd.DataFrame, t: Thresholds) -> list[dict]:
    """Options of a choice item that nobody picked, once at least `min_trainees` answered it."""
    keys = latest_attempts(grades).drop_duplicates(["module", "cell"]).set_index(["module", "cell"])
    entries = []
    for p in picks[(picks["picked"] == 0) & (picks["answered"] >= t.min_trainees)].itertuples():
        if (p.module, p.cell) not in keys.index:
            continue
        item = keys.loc[(p.module, p.cell)]
        entries.append(_entry("unused_distractor", t.weights["unused_distractor"] * item["max_score"], "firm",
                              f"option {p.option} picked", 0.0, module=p.module, notebook=item["notebook"],
                              cell=p.cell, case=item["case"], competency=item["competency"], n=p.answered,
                              failure_reasons=""))
    return entries


def mentor_flags(grades: pd.DataFrame, t: Thresholds) -> list[dict]:
    """Cells where mentors, reviewing answers by hand, award more than the autograde often enough."""
    latest = latest_attempts(grades)
    reviewed = latest[latest["manual_score"].notna() & latest["auto_score"].notna()]
    entries = []
    for (module, cell), group in reviewed.groupby(["module", "cell"]):
        higher = group[group["manual_score"] > group["auto_score"]]
        share = len(higher) / len(group)
        if len(group) < t.min_reviewed or share < t.mentor_disagreement:
            continue
        first = group.iloc[0]
        entries.append(_entry("check_fires_on_good_answers",
                              t.weights["check_fires_on_good_answers"] * share * first["max_score"], "firm",
                              "share of mentor-raised scores", share, module=module, notebook=first["notebook"],
                              cell=cell, case=first["case"], competency=first["competency"], n=len(group),
                              failure_reasons=top_failures(higher["failures"])))
    return entries


def rubric_flags(pairs: pd.DataFrame, t: Thresholds) -> list[dict]:
    """Reply checks that mentors, scoring the same quality on their rubric, overrule often enough.

    Mentors failing a criterion the autograde passed: the checks miss something. Mentors passing
    a criterion whose checks failed: the checks fire on good answers.
    """
    entries = []
    for row in disagreement(pairs).itertuples():
        if row.n < t.min_reviewed:
            continue
        for flag, count, reasons in (("check_misses_mentor_concern", row.lenient, ""),
                                     ("check_fires_on_good_answers", row.strict, row.strict_failures)):
            share = count / row.n
            if share < t.mentor_disagreement:
                continue
            entries.append(_entry(flag, t.weights[flag] * share * row.points, "firm",
                                  f"share of replies mentors judged otherwise on {row.criterion}", share,
                                  module=row.module, notebook=row.notebook, cell=row.reviews, case=row.case,
                                  competency=row.competency, n=row.n, failure_reasons=reasons))
    return entries


def agreement_flags(report: pd.DataFrame, items: pd.DataFrame, t: Thresholds) -> list[dict]:
    """Exercises whose autograde agrees too little with mentors on whole replies (QWK or SMD past its bar).

    `report` is `agreement_report`; only exercise rows with at least `min_scored_replies` pairs
    count. `items` (`compile.item_table`) gives the reply test cell's points and competency. How
    far past: (min_qwk - QWK) / min_qwk, or |SMD| - max_smd up to 1; the entry names the statistic
    further past its bar.
    """
    cells = items.set_index(["module", "notebook", "cell"])
    entries = []
    for row in report[(report["level"] == "exercise") & (report["n"] >= t.min_scored_replies)].itertuples():
        past = {"QWK": (t.min_qwk - row.qwk) / t.min_qwk if pd.notna(row.qwk) else 0.0,
                "SMD": min(1.0, abs(row.smd) - t.max_smd) if pd.notna(row.smd) else 0.0}
        statistic = max(past, key=past.get)
        if past[statistic] <= 0:
            continue
        value = row.qwk if statistic == "QWK" else row.smd
        item = cells.loc[(row.module, row.notebook, row.reviews)]
        direction = ("more lenient than" if row.machine_mean > row.human_mean else
                     "stricter than" if row.machine_mean < row.human_mean else "on average as strict as")
        smd = f"{row.smd:+.2f}" if pd.notna(row.smd) else "n/a (no spread)"
        reasons = (f"QWK {row.qwk:.2f}, SMD {smd}; autograde {direction} mentors (mean {row.machine_mean:.2f} "
                   f"vs {row.human_mean:.2f} of {row.points}); exact {row.exact:.0%}, adjacent {row.adjacent:.0%}")
        entries.append(_entry("autograde_disagrees_with_mentors",
                              t.weights["autograde_disagrees_with_mentors"] * past[statistic] * item["points"],
                              "mentors", f"{statistic} autograde vs mentors (whole reply, 0-{row.points})", value,
                              module=row.module, notebook=row.notebook, cell=row.reviews, case=row.case,
                              competency=item["competency"], n=row.n, failure_reasons=reasons))
    return entries


def survey_flags(summary: pd.DataFrame, t: Thresholds) -> list[dict]:
    """Low mean ratings, exercises many trainees call unclear, and every missing scenario named."""
    entries = []
    for s in summary.itertuples():
        where = {"module": s.module, "notebook": "", "cell": "", "case": "", "competency": "",
                 "failure_reasons": ""}
        for rating in SURVEY_RATINGS:
            mean, n = getattr(s, rating), getattr(s, f"{rating}_n")
            if n and mean < t.low_rating:
                entries.append(_entry("low_rating", t.weights["low_rating"] * (t.low_rating - mean) / t.low_rating,
                                      "reported", f"mean {rating} (1-5)", mean, **{**where, "n": n}))
        for case, count in pd.Series(s.unclear_case, dtype=str).str.upper().value_counts().items():
            share = count / s.respondents
            if share >= t.unclear_share:
                entries.append(_entry("unclear_exercise", t.weights["unclear_exercise"] * share, "reported",
                                      "share naming it least clear", share,
                                      **{**where, "case": case, "n": s.respondents}))
        if s.missing_scenario:
            share = len(s.missing_scenario) / s.respondents
            entries.append(_entry("missing_scenario", t.weights["missing_scenario"] * share, "reported",
                                  "share naming a missing scenario", share,
                                  **{**where, "n": s.respondents, "failure_reasons": counted(s.missing_scenario)}))
    return entries


def counted(texts: list[str]) -> str:
    """Distinct answers with how many trainees gave each, most frequent first."""
    return "; ".join(f"{text} ({count})" for text, count in pd.Series(texts, dtype=str).value_counts().items())


BACKLOG_COLUMNS = ["rank", "impact", "flag", "flag_text", "evidence", "module", "notebook", "cell", "case",
                   "competency", "statistic", "value", "n", "failure_reasons", "action", "before", "after"]


def revision_comparison(items: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """For every revised cell: its statistics before the revision and since, as short text."""
    after = {(s.module, s.cell): s._asdict() for s in stats[stats["level"] == "cell"].itertuples()}
    rows = [{"module": i.module, "cell": i.cell, "before": summary_line(i.before),
             "after": summary_line(after.get((i.module, i.cell))) or "no submissions yet"}
            for i in items.itertuples() if i.before]
    return pd.DataFrame(rows, columns=["module", "cell", "before", "after"])


def backlog(entries: list[dict], revisions: pd.DataFrame) -> pd.DataFrame:
    """The entries ranked by impact (weight x distance past the threshold x points), with before/after of revisions."""
    table = pd.DataFrame(entries, columns=[c for c in BACKLOG_COLUMNS if c not in {"rank", "before", "after"}])
    table = table.sort_values(["impact", "module", "cell", "flag"], ascending=[False, True, True, True],
                              ignore_index=True)
    table = table.merge(revisions, on=["module", "cell"], how="left").fillna({"before": "", "after": ""})
    table.insert(0, "rank", range(1, len(table) + 1))
    return table[BACKLOG_COLUMNS]
