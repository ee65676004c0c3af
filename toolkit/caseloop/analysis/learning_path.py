"""Learning paths: for each trainee, the cases to redo and the modules to do next.

Pure functions over the mastery table, the latest attempts and the item table (every graded cell
of every module, with its competencies, case and title). A trainee's weakest competencies below
the course's `at_level` come first; for each, the failed cells tagged with it (lowest share first)
and then the module that trains it most and that the trainee has not done yet (or, when all are
done, the one to revisit). Only training modules are recommended, never the baseline, post-test
or final assessment, and never an item the revision backlog flagged as broken.
"""

from __future__ import annotations

import pandas as pd

from caseloop.analysis.mastery import by_competency
from caseloop.checks.reasons import failure_reasons
from caseloop.framework import Curriculum
from caseloop.shares import percent

PATH_COLUMNS = ["trainee", "step", "kind", "competency", "module", "case", "cell", "mastery", "reason_zh",
                "reason_en"]


def weak_competencies(mastery: pd.DataFrame, curriculum: Curriculum, limit: int = 2) -> pd.DataFrame:
    """Each trainee's `limit` lowest competencies not yet at the `at_level` threshold.

    A competency without a mastery yet (n_mastery before n results at the bar) counts as not
    there; it is ranked and shown by its raw share.
    """
    bar = mastery["competency"].map({code: c.thresholds.get(curriculum.mastery.at_level, 1.0)
                                     for code, c in curriculum.competencies.items()}).astype(float).fillna(1.0)
    weak = mastery[mastery["mastery"].isna() | (mastery["mastery"] < bar - 1e-9)]
    weak = weak.assign(mastery=weak["mastery"].fillna(weak["share"]))
    weak = weak.sort_values(["trainee", "mastery", "competency"], kind="stable")
    weak = weak.groupby("trainee", sort=False, observed=True).head(limit)
    rank = weak.groupby("trainee", sort=False, observed=True).cumcount()
    return weak.assign(rank=rank)[["trainee", "competency", "mastery", "rank"]]


def learning_path(mastery: pd.DataFrame, latest: pd.DataFrame, items: pd.DataFrame, curriculum: Curriculum,
                  cases_per_competency: int = 2, flagged: pd.DataFrame | None = None) -> pd.DataFrame:
    """Next steps per trainee (columns in `PATH_COLUMNS`), numbered from 1 in the order to take them.

    `flagged` holds the (module, cell) pairs of the revision backlog: those items are never recommended.
    """
    weak = weak_competencies(mastery, curriculum)
    training = {m.id for m in curriculum.training_modules}
    usable = latest["module"].isin(training)
    if flagged is not None and not flagged.empty:
        keys = pd.MultiIndex.from_arrays([latest["module"].astype(str), latest["cell"].astype(str)])
        usable &= ~keys.isin(pd.MultiIndex.from_frame(flagged[["module", "cell"]].astype(str)))
    failed = by_competency(latest[(latest["score"] < latest["max_score"]) & usable])
    failed = failed.assign(share=failed["score"] / failed["max_score"]).merge(weak, on=["trainee", "competency"])
    failed = failed.sort_values(["trainee", "rank", "share", "max_score"], ascending=[True, True, True, False],
                                kind="stable")
    cases = failed.groupby(["trainee", "competency"], sort=False, observed=True).head(cases_per_competency)
    cases = cases.assign(kind="case", order=0)

    order = {m.id: i for i, m in enumerate(curriculum.modules)}
    trains = by_competency(items[items["module"].isin(training)])
    trains = trains.groupby(["competency", "module"], as_index=False, observed=True)["points"].sum()
    done = latest[["trainee", "module"]].drop_duplicates().assign(done=True)
    modules = weak.merge(trains, on="competency").merge(done, on=["trainee", "module"], how="left")
    modules["done"] = modules["done"].fillna(False).astype(bool)
    modules["module_order"] = modules["module"].map(order).fillna(len(order))
    modules = modules.sort_values(["trainee", "rank", "done", "points", "module_order"],
                                  ascending=[True, True, True, False, True], kind="stable")
    modules = modules.groupby(["trainee", "competency"], sort=False, observed=True).head(1)
    modules = modules.assign(kind="module", order=1)

    steps = pd.concat([cases, modules], ignore_index=True)
    steps = steps.sort_values(["trainee", "rank", "order"], kind="stable", ignore_index=True)
    steps["step"] = steps.groupby("trainee", sort=False, observed=True).cumcount() + 1
    for column in ("case", "cell", "failures"):
        steps[column] = steps[column].astype(object).fillna("") if column in steps else ""
    names = {code: (c.zh, c.en) for code, c in curriculum.competencies.items()}
    titles = item_titles(items)
    zh, en = [], []
    for row in steps.itertuples():
        name = names.get(row.competency, (row.competency, row.competency))
        head_zh, head_en = f"{name[0]} {percent(row.mastery)}", f"{name[1]} {percent(row.mastery)}"
        if row.kind == "case":
            title = titles.get((row.module, row.cell)) or row.cell
            checks_zh, checks_en = failure_reasons(row.failures) if row.failures else ("—", "—")
            zh.append(f"{head_zh}：重做案例 {row.case}（{row.module} · {title}），未通过的检查：{checks_zh}")
            en.append(f"{head_en}: redo case {row.case} ({row.module} · {title}), failed checks: {checks_en}")
        elif row.done:
            zh.append(f"{head_zh}：复习模块 {row.module}")
            en.append(f"{head_en}: revisit module {row.module}")
        else:
            zh.append(f"{head_zh}：学习模块 {row.module}")
            en.append(f"{head_en}: take module {row.module}")
    steps["reason_zh"], steps["reason_en"] = zh, en
    return steps[PATH_COLUMNS]


def item_titles(items: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(module, cell) -> the item's title from its exercise; empty when the item table has none."""
    if "title" not in items:
        return {}
    named = items[items["title"].fillna("") != ""]
    return dict(zip(zip(named["module"], named["cell"], strict=True), named["title"], strict=True))
