"""A cohort seen per competency, as Canvas's Learning Mastery Gradebook and Moodle's competency
breakdown show it: how many trainees are at each level, which items feed the competency, how many
items its scores rest on, and the date of the last evidence.

Pure functions over the mastery table, the latest graded attempts and the item table.
"""

from __future__ import annotations

import pandas as pd

from caseloop.analysis.mastery import by_competency
from caseloop.framework import Curriculum

BREAKDOWN_COLUMNS = ["competency", "trainees", "mean", "items", "thin", "flagged", "last_evidence", "feeds"]


def competency_breakdown(mastery: pd.DataFrame, latest: pd.DataFrame, items: pd.DataFrame, curriculum: Curriculum,
                         flagged: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per competency of the framework: trainees with evidence, mean mastery, one column per level (count),
    items graded in the cohort (`thin` below `min_items`), flagged ones among them, last evidence, item list.

    `feeds` is "module · title" of every item graded for the competency, ';'-separated.
    """
    codes = list(curriculum.competencies)
    # one row per graded item first: a million attempts hold a few hundred items
    per_item = latest.groupby(["module", "cell", "competency"], observed=True, as_index=False)["submitted_at"].max()
    graded = by_competency(per_item, ["module", "cell", "submitted_at"])
    graded = graded.assign(module=graded["module"].astype(str), cell=graded["cell"].astype(str),
                           competency=graded["competency"].astype(str))
    cells = graded.drop_duplicates(["competency", "module", "cell"])
    titles = {} if "title" not in items else dict(zip(zip(items["module"], items["cell"], strict=True),
                                                      items["title"].fillna(""), strict=True))
    broken = set() if flagged is None else set(zip(flagged["module"], flagged["cell"], strict=True))
    cells = cells.assign(name=[f"{m} · {titles.get((m, c)) or c}" for m, c in zip(cells["module"], cells["cell"],
                                                                                  strict=True)],
                         flagged=[(m, c) in broken for m, c in zip(cells["module"], cells["cell"], strict=True)])
    per = cells.groupby("competency")
    levels = (mastery.assign(competency=mastery["competency"].astype(str))
              .groupby(["competency", "level"]).size().unstack("level"))
    levels = levels.reindex(index=codes, columns=list(curriculum.level_names)).fillna(0).astype(int)
    by_code = mastery.assign(competency=mastery["competency"].astype(str)).groupby("competency")
    table = pd.DataFrame({
        "competency": codes,
        "trainees": by_code["trainee"].nunique().reindex(codes).fillna(0).astype(int).to_numpy(),
        "mean": by_code["mastery"].mean().reindex(codes).to_numpy(),
        "items": per.size().reindex(codes).fillna(0).astype(int).to_numpy(),
        "flagged": per["flagged"].sum().reindex(codes).fillna(0).astype(int).to_numpy(),
        "last_evidence": graded.groupby("competency")["submitted_at"].max().reindex(codes).to_numpy(),
        "feeds": per["name"].agg(";".join).reindex(codes).fillna("").to_numpy(),
    })
    table["thin"] = table["items"] < curriculum.mastery.min_items
    return pd.concat([table[BREAKDOWN_COLUMNS], levels.reset_index(drop=True)], axis=1)


def weakest(breakdown: pd.DataFrame, limit: int = 2) -> pd.DataFrame:
    """The `limit` competencies with the lowest mean mastery in the cohort (with their item counts)."""
    return breakdown.dropna(subset=["mean"]).sort_values(["mean", "competency"]).head(limit)
