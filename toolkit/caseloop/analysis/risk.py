"""Who is at risk now, and why: rules that work from a cohort's first week, beside the trend rule.

Pure functions over the report's tables. A trainee is flagged for each of: a module result below
`low_result`, replies in a module that break a platform red line, a module past its due day without a graded
submission, no graded submission for `idle_days` while the cohort went on, and (the trend rule)
`risk_attempts` results in a row below `risk_below` on one competency. Dates are judged against the
cohort's latest submission (`as_of`), so a report says the same whenever it is run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

import numpy as np
import pandas as pd

from caseloop.checks.reasons import RED_LINES
from caseloop.framework import Curriculum
from caseloop.shares import percent

WARNING_COLUMNS = ["trainee", "kind", "module", "competency", "case", "cell", "codes", "value", "reason_zh",
                   "reason_en"]
WINDOW_COLUMNS = ["trainee", "start", "as_of", "last"]
PROGRESS_COLUMNS = ["trainee", "done", "due", "done_of_due", "missed", "modules"]
CASES_SHOWN = 3  # cases named in a red-line warning; the alerts table lists every one


def activity_window(grades: pd.DataFrame, cohorts: pd.Series, trainees: list[str]) -> pd.DataFrame:
    """Per trainee: the cohort's first and latest submission (`start`, `as_of`) and the trainee's own latest."""
    own = grades.groupby("trainee", observed=True)["submitted_at"].agg(["min", "max"])
    own.index = own.index.astype(str)
    span = own.groupby(own.index.map(cohorts).fillna("")).agg({"min": "min", "max": "max"})
    table = pd.DataFrame({"trainee": trainees})
    mine = table["trainee"].map(cohorts).fillna("")
    # a trainee with no graded work and no cohort of their own is judged against the whole course's span
    table["start"] = mine.map(span["min"]).fillna(own["min"].min())
    table["as_of"] = mine.map(span["max"]).fillna(own["max"].max())
    table["last"] = table["trainee"].map(own["max"])
    return table[WINDOW_COLUMNS]


def deadlines(window: pd.DataFrame, curriculum: Curriculum) -> pd.DataFrame:
    """Per trainee x module with a due day: the deadline (end of the cohort's day `due_day`) and whether it passed."""
    due = pd.DataFrame([(m.id, m.due_day) for m in curriculum.modules if m.due_day is not None],
                       columns=["module", "due_day"])
    if due.empty:
        return pd.DataFrame(columns=[*WINDOW_COLUMNS, "module", "due_day", "deadline", "passed"]).astype(
            {"passed": bool, "trainee": str, "module": str})
    grid = window.merge(due, how="cross")
    grid["deadline"] = grid["start"].dt.normalize() + pd.to_timedelta(grid["due_day"] + 1, unit="D")
    grid["passed"] = (grid["deadline"] <= grid["as_of"]).astype(bool)
    return grid


def progress(window: pd.DataFrame, modules: pd.DataFrame, curriculum: Curriculum) -> pd.DataFrame:
    """Per trainee: modules done (graded), modules due by now, how many of those are done, which are missed."""
    graded = modules[["trainee", "module"]].astype(str).drop_duplicates().assign(done=True)
    grid = deadlines(window, curriculum).merge(graded, on=["trainee", "module"], how="left")
    grid["done"] = grid["done"].astype("boolean").fillna(False).astype(bool)
    due = grid[grid["passed"]]
    missed = due[~due["done"]].groupby("trainee")["module"].agg(";".join)
    table = window[["trainee"]].copy()
    table["done"] = table["trainee"].map(modules.groupby("trainee", observed=True)["module"].nunique()).fillna(0)
    table["due"] = table["trainee"].map(due.groupby("trainee").size()).fillna(0)
    table["done_of_due"] = table["trainee"].map(due.groupby("trainee")["done"].sum()).fillna(0)
    table = table.astype({"done": int, "due": int, "done_of_due": int})
    table["missed"] = [missed.get(trainee, "") for trainee in table["trainee"]]
    table["modules"] = len(curriculum.modules)
    return table[PROGRESS_COLUMNS]


@dataclass(frozen=True)
class Evidence:
    """What the rules read: module results, red-line replies (`red_line_replies`), trend runs, activity
    window, progress."""

    modules: pd.DataFrame
    red_lines: pd.DataFrame
    trend: pd.DataFrame
    window: pd.DataFrame
    progress: pd.DataFrame


def _rows(frame: pd.DataFrame, kind: str, zh: list[str], en: list[str], **columns: pd.Series) -> pd.DataFrame:
    """One warning per row of FRAME: its trainee, the rule's kind, the given columns (others blank) and reasons."""
    blank = {c: float("nan") if c == "value" else "" for c in WARNING_COLUMNS[2:-2]}
    given = {c: series.to_numpy() for c, series in columns.items()}
    return pd.DataFrame({"trainee": frame["trainee"].astype(str).to_numpy(), "kind": kind, **blank, **given,
                         "reason_zh": zh, "reason_en": en}, columns=WARNING_COLUMNS)


def _low_result(evidence: Evidence, curriculum: Curriculum) -> pd.DataFrame:
    bar = curriculum.mastery.low_result
    low = evidence.modules[evidence.modules["share"] < bar - 1e-9]
    points = [f"{s:g} / {m:g}" for s, m in zip(low["score"], low["max_score"], strict=True)]
    zh = [f"{mod} 得分 {percent(v)}（{p} 分），低于 {percent(bar)}" for mod, v, p in
          zip(low["module"], low["share"], points, strict=True)]
    en = [f"{mod} at {percent(v)} ({p} points), below {percent(bar)}" for mod, v, p in
          zip(low["module"], low["share"], points, strict=True)]
    return _rows(low, "low_result", zh, en, module=low["module"].astype(str), value=low["share"])


def red_line_codes(failures: pd.Series) -> pd.Series:
    """The red-line codes in each ';'-separated failures string, ';'-separated ('' for none).

    Splits each distinct string once: a million rows hold a few hundred distinct failure lists.
    """
    codes, texts = pd.factorize(failures.fillna(""))
    found = np.array([";".join(c for c in str(text).split(";") if c in RED_LINES) for text in texts] + [""],
                     dtype=object)
    return pd.Series(found[codes], index=failures.index)


def red_line_replies(latest: pd.DataFrame) -> pd.DataFrame:
    """Every latest graded answer that broke a red line: trainee, module, case, cell, codes and names (zh, en)."""
    codes = red_line_codes(latest["failures"])
    broke = (codes != "").to_numpy()
    hit = latest.loc[broke, ["trainee", "module", "case", "cell"]].astype(str).assign(codes=codes[broke].to_numpy())
    names = {found: _red_line_names(found.split(";")) for found in set(hit["codes"])}
    return hit.assign(reason_zh=hit["codes"].map({k: v[0] for k, v in names.items()}),
                      reason_en=hit["codes"].map({k: v[1] for k, v in names.items()})).reset_index(drop=True)


def _red_line_names(codes: list[str]) -> tuple[str, str]:
    return "；".join(RED_LINES[c][0] for c in codes), "; ".join(RED_LINES[c][1] for c in codes)


def _red_line(evidence: Evidence, curriculum: Curriculum) -> pd.DataFrame:
    # one warning per trainee and module, however many replies: the alerts list each reply
    hit = evidence.red_lines.sort_values(["trainee", "module"], kind="stable")
    rows = []
    for (trainee, module), replies in groupby(zip(hit["trainee"], hit["module"], hit["case"], hit["codes"],
                                                  strict=True), key=lambda reply: reply[:2]):
        cases: dict[str, None] = {}
        codes: dict[str, None] = {}
        for _, _, case, found in replies:
            cases[case] = None
            codes.update(dict.fromkeys(found.split(";")))
        rows.append((trainee, module, list(cases), ";".join(codes)))
    per = pd.DataFrame(rows, columns=["trainee", "module", "cases", "codes"])
    zh, en = [], []
    for module, cases, found in zip(per["module"], per["cases"], per["codes"], strict=True):
        shown = ", ".join(cases[:CASES_SHOWN]) + (" …" if len(cases) > CASES_SHOWN else "")
        names = _red_line_names(found.split(";"))
        one = len(cases) == 1
        zh.append(f"{module} 有 {len(cases)} 个案例的回复越过红线（{shown}）：{names[0]}")
        en.append(f"{module}: {len(cases)} {'reply' if one else 'replies'} ({shown}) {'breaks' if one else 'break'} "
                  f"red lines: {names[1]}")
    return _rows(per, "red_line", zh, en, module=per["module"], codes=per["codes"])


def _missed_deadline(evidence: Evidence, curriculum: Curriculum) -> pd.DataFrame:
    missed = evidence.progress[evidence.progress["missed"] != ""]
    missed = missed.assign(module=missed["missed"].str.split(";")).explode("module")
    dates = deadlines(evidence.window, curriculum)[["trainee", "module", "deadline"]]
    missed = missed.merge(dates, on=["trainee", "module"], how="left")
    shown = (pd.to_datetime(missed["deadline"]) - pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    zh = (missed["module"] + " 已于 " + shown + " 截止，尚无评分提交").tolist()
    en = (missed["module"] + " was due " + shown + ", no graded submission").tolist()
    return _rows(missed, "missed_deadline", zh, en, module=missed["module"])


def _inactive(evidence: Evidence, curriculum: Curriculum) -> pd.DataFrame:
    window = evidence.window
    idle = (window["as_of"] - window["last"].fillna(window["start"])).dt.days
    quiet = window[idle >= curriculum.mastery.idle_days]
    days = idle[quiet.index]
    zh = [f"{d} 天没有评分的提交（最近一次 {s:%Y-%m-%d}）" if pd.notna(s) else f"批次开始 {d} 天，还没有评分的提交"
          for d, s in zip(days, quiet["last"], strict=True)]
    en = [f"no graded submission for {d} days (last {s:%Y-%m-%d})" if pd.notna(s) else
          f"no graded submission yet, {d} days into the cohort" for d, s in zip(days, quiet["last"], strict=True)]
    return _rows(quiet, "inactive", zh, en, value=days.astype(float))


def _trend(evidence: Evidence, curriculum: Curriculum) -> pd.DataFrame:
    trend, bar = evidence.trend, curriculum.mastery.risk_below
    names = {code: (c.zh, c.en) for code, c in curriculum.competencies.items()}
    zh = [f"{names.get(c, (c, c))[0]} 连续 {r} 次低于 {percent(bar)}（最近 {percent(s)}）"
          for c, r, s in zip(trend["competency"], trend["run"], trend["last_share"], strict=True)]
    en = [f"{names.get(c, (c, c))[1]}: {r} results in a row below {percent(bar)} (last {percent(s)})"
          for c, r, s in zip(trend["competency"], trend["run"], trend["last_share"], strict=True)]
    return _rows(trend, "trend", zh, en, competency=trend["competency"].astype(str), value=trend["last_share"])


# The at-risk rules, in the order a lead reads them: kind -> rule.
RULES: dict[str, Callable[[Evidence, Curriculum], pd.DataFrame]] = {
    "red_line": _red_line,
    "low_result": _low_result,
    "missed_deadline": _missed_deadline,
    "inactive": _inactive,
    "trend": _trend,
}


def warnings(evidence: Evidence, curriculum: Curriculum) -> pd.DataFrame:
    """Every reason each trainee is at risk now (columns in `WARNING_COLUMNS`), rule by rule."""
    frames = [rule(evidence, curriculum) for rule in RULES.values()]
    return pd.concat(frames, ignore_index=True).sort_values(["trainee"], kind="stable", ignore_index=True)


ALERT_COLUMNS = ["trainee", "module", "case", "cell", "codes", "reason_zh", "reason_en", "excerpt"]
EXCERPT_AROUND = 60  # characters of the reply shown on each side of the red line


def excerpt(text: str, code: str) -> str:
    """The part of a reply around where it first breaks the red line `code` (its start when not located)."""
    from caseloop.checks.redlines import red_lines

    flat = " ".join(text.split())
    quoted = next((f.en.rpartition(": '")[2].rstrip("'") for f in red_lines(flat) if f.code == code), "")
    at = flat.find(quoted) if quoted else 0
    start, end = max(at - EXCERPT_AROUND, 0), min(at + len(quoted) + EXCERPT_AROUND, len(flat))
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def compliance_alerts(alerts: pd.DataFrame, replies: pd.DataFrame | None) -> pd.DataFrame:
    """Each reply that broke a red line (`red_line_replies`), with an excerpt of what the trainee wrote.

    `replies` has trainee, module, cell (the reply's test cell) and text; without it excerpts are empty.
    """
    if replies is None or replies.empty:
        return alerts.assign(excerpt="")[ALERT_COLUMNS].reset_index(drop=True)
    texts = dict(zip(zip(replies["trainee"], replies["module"], replies["cell"], strict=True), replies["text"],
                     strict=True))
    shown = [excerpt(texts[key], codes.split(";")[0]) if key in texts else ""
             for key, codes in zip(zip(alerts["trainee"], alerts["module"], alerts["cell"], strict=True),
                                   alerts["codes"], strict=True)]
    return alerts.assign(excerpt=shown)[ALERT_COLUMNS].reset_index(drop=True)
