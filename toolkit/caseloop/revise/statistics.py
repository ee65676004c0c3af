"""Item statistics per graded cell and per exercise, distractor picks and the end-of-module survey."""

from __future__ import annotations

import pandas as pd

from caseloop.analysis import itemstats
from caseloop.analysis.mastery import latest_attempts
from caseloop.revise.thresholds import SURVEY_RATINGS, Thresholds

DEFAULT_THRESHOLDS = Thresholds()


def top_failures(failures: pd.Series, messages: dict[str, str] | None = None, limit: int = 3) -> str:
    """The most frequent failed checks of one item with the share of trainees, as "time 42% (message); link 18%"."""
    codes = failures[failures != ""].str.split(";").explode()
    counts = codes.value_counts().head(limit)
    messages = messages or {}
    return "; ".join(f"{code} {count / len(failures):.0%}" + (f" ({messages[code]})" if code in messages else "")
                     for code, count in counts.items())


def _module_statistics(latest: pd.DataFrame, unit: str, thresholds: Thresholds) -> tuple[pd.DataFrame, dict]:
    """Item statistics of one module's latest attempts, with `unit` ("cell" or "case") as the item."""
    points = latest.pivot_table(index="trainee", columns="cell", values="score", aggfunc="sum", dropna=False)
    if unit == "case":  # an exercise's points: the sum over its cells, missing while any of them waits for a mentor
        case_of = latest.drop_duplicates("cell").set_index("cell")["case"].reindex(points.columns)
        waiting = points.isna().T.groupby(case_of).any().T
        points = points.T.groupby(case_of).sum().T.mask(waiting)
    max_points = latest.groupby(unit)["max_score"].first() if unit == "cell" else (
        latest.drop_duplicates(["cell"]).groupby("case")["max_score"].sum())
    stats = itemstats.item_statistics(points, max_points, thresholds.confidence, thresholds.upper_lower_group)
    return stats, itemstats.scale_statistics(points, thresholds.confidence)


def item_statistics(grades: pd.DataFrame, items: pd.DataFrame, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                    messages: dict[tuple[str, str, str], str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Statistics per graded cell and per exercise (level "cell" / "exercise"), and per module (alpha).

    Each item counts the latest attempts made after its `since` (see `revision_cuts`); a mentor's
    pending grade leaves the trainee out of that module's statistics. `messages` labels failed-check
    codes in the failure reasons (see `failure_messages`).
    """
    latest = latest_attempts(grades)
    latest = latest.assign(submitted_at=pd.to_datetime(latest["submitted_at"], utc=True))
    labels: dict[tuple[str, str], dict[str, str]] = {}
    for (module, cell, code), text in (messages or {}).items():
        labels.setdefault((module, cell), {})[code] = text
    cuts = items.set_index(["module", "notebook", "cell"])["since"] if len(items) else pd.Series(dtype=object)
    rows, modules = [], []
    for module, in_module in latest.groupby("module"):
        keys = list(zip(in_module["module"], in_module["notebook"], in_module["cell"], strict=True))
        since = pd.Series([cuts.get(key, pd.NaT) for key in keys], index=in_module.index)
        for cut in sorted(set(since.dropna())) + [pd.NaT]:
            scope = in_module if pd.isna(cut) else in_module[in_module["submitted_at"] > cut]
            mine = since.isna() if pd.isna(cut) else since.eq(cut)
            if not mine.any():
                continue
            cells, scale = _module_statistics(scope, "cell", thresholds)
            described = scope.groupby("cell").agg(notebook=("notebook", "first"), case=("case", "first"),
                                                 competency=("competency", "first"))
            failures = pd.Series({cell: top_failures(group["failures"], labels.get((module, cell)))
                                  for cell, group in scope.groupby("cell")}, name="failure_reasons", dtype=object)
            cells = cells.join(described, on="item").join(failures, on="item")
            cells = cells[cells["item"].isin(set(in_module.loc[mine, "cell"]))]
            rows.append(cells.assign(level="cell", module=module, since=cut,
                                     through=scope["submitted_at"].max()))
            modules.append({"module": module, "since": cut, **scale})
            if pd.isna(cut):
                exercises, _ = _module_statistics(scope, "case", thresholds)
                rows.append(exercises.assign(level="exercise", module=module, case=exercises["item"],
                                             notebook="", competency="", failure_reasons="", since=cut,
                                             through=scope["submitted_at"].max()))
    columns = ["level", "module", "notebook", "item", "case", "competency", *itemstats.ITEM_COLUMNS[1:],
               "failure_reasons", "since", "through"]
    stats = pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)
    return stats.rename(columns={"item": "cell"}), pd.DataFrame(
        modules, columns=["module", "since", "n", "items", "alpha", "alpha_low", "alpha_high"])


def distractor_picks(answers: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Per choice item and option: how many trainees picked it (0 for options nobody picked)."""
    rows = []
    choice_items = items[items["options"].map(len) > 0]
    for item in choice_items.itertuples():
        given = answers[(answers["module"] == item.module) & (answers["field"] == item.answer_cell)]
        letters = given["text"].str.extract(r"^\W*([A-Za-z])(?![A-Za-z])", expand=False).str.upper()
        for option in item.options:
            rows.append({"module": item.module, "cell": item.cell, "option": option,
                         "picked": int((letters == option).sum()), "answered": int(letters.notna().sum())})
    return pd.DataFrame(rows, columns=["module", "cell", "option", "picked", "answered"])


def survey_responses(answers: pd.DataFrame) -> pd.DataFrame:
    """The survey answers as one row per trainee, module and question; ratings outside 1-5 are left out."""
    survey = answers[answers["field"].str.startswith("survey:")].assign(
        question=lambda a: a["field"].str.removeprefix("survey:"))
    survey = survey[survey["text"] != ""]
    ratings = survey["question"].isin(SURVEY_RATINGS)
    valid = survey["text"].str.fullmatch(r"[1-5]")
    return survey[~ratings | valid][["trainee", "module", "question", "text"]].reset_index(drop=True)


def survey_summary(responses: pd.DataFrame) -> pd.DataFrame:
    """Per module: respondents, mean usefulness and clarity, and the missing scenarios and comments given."""
    rows = []
    for module, answers in responses.groupby("module"):
        by_question = {q: group["text"] for q, group in answers.groupby("question")}
        row = {"module": module, "respondents": answers["trainee"].nunique()}
        for rating in SURVEY_RATINGS:
            values = by_question.get(rating, pd.Series(dtype=str)).astype(int)
            row[rating] = values.mean() if len(values) else float("nan")
            row[f"{rating}_n"] = len(values)
        for text in ("missing_scenario", "comment", "unclear_case"):
            row[text] = list(by_question.get(text, pd.Series(dtype=str)))
        rows.append(row)
    return pd.DataFrame(rows, columns=["module", "respondents", "usefulness", "usefulness_n", "clarity", "clarity_n",
                                       "missing_scenario", "comment", "unclear_case"])
