"""Revise stage: item statistics per graded cell, and the revision backlog they point to.

Statistics are computed on each trainee's latest attempt, per module:
- facility: mean score / max score (classical item difficulty; high = easy);
- sd: standard deviation of score / max score;
- discrimination: corrected item-rest correlation, the Pearson correlation between the item's
  score and the trainee's module total without that item (Moodle's "discrimination index");
- share_zero / share_full: share of trainees with no points / all points.
A statistic resting on fewer than `Thresholds.min_trainees` trainees is reported but not flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from caseloop.report import latest_attempts

STAT_COLUMNS = ["module", "notebook", "cell", "case", "competency", "max_score", "n", "facility", "sd",
                "discrimination", "share_zero", "share_full", "top_failures"]


@dataclass(frozen=True)
class Thresholds:
    """When an item statistic becomes a backlog entry."""

    too_hard: float = 0.30        # facility below
    too_easy: float = 0.95        # facility above
    weak_discrimination: float = 0.20
    min_trainees: int = 10


def _item_rest(scores: pd.DataFrame) -> pd.Series:
    """Corrected item-rest correlation of every column of a trainee x item score matrix."""
    total = scores.sum(axis=1)
    result = {}
    for item in scores.columns:
        rest = total - scores[item]
        item_scores = scores[item]
        valid = item_scores.notna()
        if valid.sum() < 3 or item_scores[valid].std() == 0 or rest[valid].std() == 0:
            result[item] = np.nan
        else:
            result[item] = float(np.corrcoef(item_scores[valid], rest[valid])[0, 1])
    return pd.Series(result, dtype=float)


def _top_failures(failures: pd.Series, n: int, limit: int = 3) -> str:
    """The most frequent failed-check codes of one item, as "code 42%; code 18%"."""
    codes = failures[failures != ""].str.split(";").explode()
    counts = codes.value_counts().head(limit)
    return "; ".join(f"{code} {count / n:.0%}" for code, count in counts.items())


def item_statistics(grades: pd.DataFrame) -> pd.DataFrame:
    """One row per graded cell with its statistics (columns in `STAT_COLUMNS`)."""
    latest = latest_attempts(grades)
    rows = []
    for (module, notebook), group in latest.groupby(["module", "notebook"]):
        matrix = group.pivot_table(index="trainee", columns="cell", values="score", aggfunc="sum")
        discrimination = _item_rest(matrix)
        for cell, cell_rows in group.groupby("cell"):
            share = cell_rows["score"] / cell_rows["max_score"]
            rows.append({
                "module": module, "notebook": notebook, "cell": cell,
                "case": cell_rows["case"].iloc[0], "competency": cell_rows["competency"].iloc[0],
                "max_score": cell_rows["max_score"].iloc[0], "n": len(cell_rows),
                "facility": share.mean(), "sd": share.std(ddof=0),
                "discrimination": discrimination.get(cell, np.nan),
                "share_zero": (share == 0).mean(), "share_full": (share == 1).mean(),
                "top_failures": _top_failures(cell_rows["failures"], len(cell_rows)),
            })
    return pd.DataFrame(rows, columns=STAT_COLUMNS)


def backlog(stats: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Backlog entries for items whose statistics cross a threshold, most urgent first.

    Urgency: a negative discrimination (the key is probably wrong) outranks a weak one, which
    outranks too hard, which outranks too easy; within a kind, items worth more points and
    further past the threshold come first.
    """
    entries = []
    for item in stats.itertuples():
        if item.n < thresholds.min_trainees:
            continue
        found = []
        if pd.notna(item.discrimination) and item.discrimination < 0:
            found.append((4, "negative discrimination", item.discrimination,
                          "Stronger trainees score lower here: check the answer key and the check's logic first."))
        elif pd.notna(item.discrimination) and item.discrimination < thresholds.weak_discrimination:
            found.append((3, "weak discrimination", item.discrimination,
                          "Score barely relates to overall skill: make the options or rubric sharper."))
        if item.facility < thresholds.too_hard:
            found.append((2, "too hard", item.facility,
                          "Few trainees succeed: check the instructions and whether the module teaches this."))
        if item.facility > thresholds.too_easy:
            found.append((1, "too easy", item.facility,
                          "Almost everyone succeeds: make it harder unless it is a must-know gate."))
        for severity, flag, value, action in found:
            entries.append({"severity": severity, "flag": flag, "module": item.module, "notebook": item.notebook,
                            "cell": item.cell, "case": item.case, "competency": item.competency,
                            "statistic": round(float(value), 3), "n": item.n, "facility": round(item.facility, 3),
                            "discrimination": item.discrimination, "failure_reasons": item.top_failures,
                            "action": action, "impact": severity * item.max_score})
    table = pd.DataFrame(entries, columns=["severity", "flag", "module", "notebook", "cell", "case", "competency",
                                           "statistic", "n", "facility", "discrimination", "failure_reasons",
                                           "action", "impact"])
    return table.sort_values(["impact", "severity"], ascending=False, ignore_index=True)


def write_backlog(stats: pd.DataFrame, entries: pd.DataFrame, out_dir: Path,
                  thresholds: Thresholds = Thresholds()) -> tuple[Path, Path]:
    """Write the backlog as Markdown (for trainers) and CSV (for tools), and the statistics as CSV."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stats.to_csv(out_dir / "item-statistics.csv", index=False)
    csv_path = out_dir / "revision-backlog.csv"
    entries.to_csv(csv_path, index=False)
    lines = ["# 修订待办 / Revision backlog", "",
             f"{len(stats)} 个评分单元，{len(entries)} 条待办 / {len(stats)} graded cells, {len(entries)} entries. "
             f"Flags need at least {thresholds.min_trainees} trainees per item.", ""]
    small = stats[stats["n"] < thresholds.min_trainees]
    if not small.empty:
        lines += [f"样本太少，未判定 / Too few trainees to judge (< {thresholds.min_trainees}): "
                  + ", ".join(f"{r.module}/{r.cell} (n={r.n})" for r in small.itertuples()), ""]
    for rank, e in enumerate(entries.itertuples(), start=1):
        lines += [f"## {rank}. {e.module} · {e.cell} · {e.flag}", "",
                  f"- case {e.case} · competency {e.competency} · notebook source/{e.module}/{e.notebook}.ipynb",
                  f"- statistic {e.statistic:g} · facility {e.facility:g} · n = {e.n}",
                  f"- failure reasons: {e.failure_reasons or '—'}",
                  f"- action: {e.action}", ""]
    md_path = out_dir / "revision-backlog.md"
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return md_path, csv_path
