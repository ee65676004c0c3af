"""Revise stage: item statistics, survey answers and the revision backlog that points to what to edit.

Reads the compiled grade table, the source notebooks and the autograded notebooks (the options
trainees picked, the end-of-module survey); computes the statistics of `caseloop.itemstats` per
graded cell and per exercise (the cells of one case); flags items with the thresholds of
source/item_analysis.yaml; ranks the flags into a backlog; writes each cell's statistics into
its source cell's metadata and flags the cases behind the worst items in cases/.

A revised cell is recognised by its fingerprint (the source of the cells that make up the
question: markdown, answer cell, graded cell). When it differs from the fingerprint stored with
the cell's last statistics, those statistics become "before" and the new ones count only
submissions made after them. Running revise twice on the same data writes nothing new.
"""

from __future__ import annotations

import datetime
import fnmatch
import hashlib
import json
import math
import numbers
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from caseloop import itemstats
from caseloop.author import ANSWER_CELL
from caseloop.compile import item_table
from caseloop.course import Course, CourseError, write_atomically
from caseloop.mastery import latest_attempts
from caseloop.review import disagreement, review_pairs

CONFIG_FILE = "item_analysis.yaml"
STAT_KEYS = ["n", "facility", "facility_low", "facility_high", "sd", "discrimination", "discrimination_low",
             "discrimination_high", "efficiency", "upper_lower", "share_zero", "share_full", "alpha_if_deleted"]
SURVEY_RATINGS = ("usefulness", "clarity")
EVIDENCE = {"firm": "确定 / firm (the whole interval is past the threshold)",
            "tentative": "待确认 / tentative (the interval still reaches the threshold)",
            "reported": "学员反馈 / reported by trainees"}
SHARE_KEYS = {"too_hard", "too_easy", "mentor_disagreement", "unclear_share", "confidence", "upper_lower_group"}

# flag code: (zh, en, what to do in zh, what to do in en)
FLAGS = {
    "negative_discrimination": ("区分度为负", "negative discrimination",
                                "能力强的学员反而得分低：先检查答案键和检查逻辑",
                                "stronger trainees score lower: check the answer key and the check first"),
    "check_fires_on_good_answers": ("检查误判好答案", "check fires on good answers",
                                    "导师给分高于自动评分：放宽或修正触发的检查",
                                    "mentors award more than the autograde: loosen or fix the checks that fired"),
    "check_misses_mentor_concern": ("自动检查漏掉导师扣分的问题", "autograde misses what mentors mark down",
                                    "导师在该评分项上判不达标而自动检查通过：收紧相关检查，或在题干中写明要求",
                                    "mentors fail the reply on this rubric criterion while the autograde passes it: "
                                    "tighten the related checks or state the requirement in the question"),
    "too_hard": ("太难", "too hard", "很少有人做对：检查题干，确认模块教过这一点",
                 "few succeed: check the instructions and whether the module teaches this"),
    "weak_discrimination": ("区分度弱", "weak discrimination", "得分与整体水平关系不大：让选项或评分标准更清晰",
                            "scores barely follow overall skill: sharpen the options or the rubric"),
    "too_easy": ("太容易", "too easy", "几乎人人做对：加大难度，或检查答案是否随发布版泄露",
                 "almost everyone succeeds: make it harder, or check the answer did not ship in the release"),
    "unused_distractor": ("无人选择的干扰项", "distractor nobody picks", "换一个可信的错误选项",
                          "replace it with a plausible wrong option"),
    "low_rating": ("问卷评分低", "low survey rating", "阅读学员的文字反馈，修改讲解或案例",
                   "read the trainees' comments and rework the explanations or cases"),
    "unclear_exercise": ("学员认为不清楚", "trainees found it unclear", "重写题干或补充背景",
                         "rewrite the question or add the missing context"),
    "missing_scenario": ("缺少的场景", "missing scenarios", "为学员提到的场景补充案例",
                         "add cases for the scenarios trainees name"),
}


@dataclass(frozen=True)
class Thresholds:
    """When a statistic becomes a backlog entry, and how entries are weighed (source/item_analysis.yaml)."""

    min_trainees: int = 10
    too_hard: float = 0.30
    too_easy: float = 0.95
    weak_discrimination: float = 0.20
    mentor_disagreement: float = 0.20
    min_reviewed: int = 3
    low_rating: float = 3.0
    unclear_share: float = 0.25
    case_flag_impact: float = 1.0
    confidence: float = 0.95
    upper_lower_group: float = 0.27
    weights: dict[str, float] = field(default_factory=lambda: {
        "negative_discrimination": 3, "check_fires_on_good_answers": 3, "check_misses_mentor_concern": 2,
        "too_hard": 2, "weak_discrimination": 1,
        "too_easy": 2, "unused_distractor": 0.5, "low_rating": 2, "unclear_exercise": 1, "missing_scenario": 1})

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        """The thresholds in `path`; defaults for every key the file leaves out, or when there is no file."""
        if not path.is_file():
            return cls()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as err:
            raise CourseError(f"{path}: not valid YAML ({err}); fix the syntax") from None
        if not isinstance(data, dict):
            raise CourseError(f"{path}: expected a mapping of threshold names to values (see README.md)")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise CourseError(f"{path}: unknown keys {unknown}; use {sorted(known)}")
        defaults = cls()
        values = {}
        for key, value in data.items():
            if key == "weights":
                if not isinstance(value, dict) or set(value) - set(FLAGS):
                    raise CourseError(f"{path}: 'weights' must map flags {sorted(FLAGS)} to numbers")
                value = {**defaults.weights, **value}
            expected = type(getattr(defaults, key))
            if key != "weights" and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise CourseError(f"{path}: '{key}' must be a number, not {value!r}")
            if key in SHARE_KEYS and not 0 < value < 1:
                raise CourseError(f"{path}: '{key}' is a share and must lie between 0 and 1, not {value!r}")
            values[key] = expected(value) if key != "weights" else {k: float(v) for k, v in value.items()}
        return cls(**values)


# -- reading the course (I/O) ------------------------------------------------------------------


def _fingerprint(sources: list[str]) -> str:
    return hashlib.sha256("\n\x00".join(sources).encode("utf-8")).hexdigest()[:12]


def source_items(course: Course) -> pd.DataFrame:
    """Every graded cell of the source notebooks with its revision fingerprint, paired answer cell and stored stats.

    The cells between one graded cell and the previous one (the question, the answer cell) belong
    to it; a change to any of them is a revision of the item.
    """
    import nbformat

    rows = []
    for path in sorted(course.source_dir.glob("*/*.ipynb")):
        question: list[Any] = []
        for cell in nbformat.read(path, as_version=4).cells:
            question.append(cell)
            grading = cell.metadata.get("nbgrader", {})
            if not grading.get("grade") and not grading.get("task"):
                continue
            answer = next((c for c in reversed(question) if "answer" in c.metadata.get("caseloop", {})), None)
            tags = cell.metadata.get("caseloop", {})
            rows.append({"module": path.parent.name, "notebook": path.stem, "cell": grading["grade_id"],
                         "revision": _fingerprint([c.source for c in question]),
                         "must_know": bool(tags.get("must_know")),
                         "answer_cell": answer.metadata["nbgrader"].get("grade_id") if answer else None,
                         "options": tuple(answer.metadata["caseloop"].get("options", ())) if answer else (),
                         "stored": tags.get("stats"), "history": tags.get("stats_history", [])})
            question = []
    return pd.DataFrame(rows, columns=["module", "notebook", "cell", "revision", "must_know", "answer_cell",
                                       "options", "stored", "history"])


def submitted_answers(course: Course) -> pd.DataFrame:
    """What each trainee wrote in answer and survey cells, read from the autograded notebooks.

    `field` is the answer cell's grade id, or `survey:<question>` for survey cells.
    """
    import nbformat

    rows = []
    for path in sorted(course.autograded_dir.glob("*/*/*.ipynb")):
        trainee, module = path.parent.parent.name, path.parent.name
        for cell in nbformat.read(path, as_version=4).cells:
            tags = cell.metadata.get("caseloop", {})
            if cell.cell_type != "code":
                continue
            if "survey" in tags:
                name = f"survey:{tags['survey']}"
            elif "answer" in tags:
                name = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            else:
                continue
            match = ANSWER_CELL.search(cell.source)
            rows.append({"trainee": trainee, "module": module, "notebook": path.stem, "field": name,
                         "text": match["body"].strip() if match else ""})
    return pd.DataFrame(rows, columns=["trainee", "module", "notebook", "field", "text"])


def failure_messages(course: Course) -> dict[tuple[str, str, str], str]:
    """(module, cell, failed-check code) -> the feedback line the check printed for it in the autograded notebooks.

    Only codes whose message is the same for every trainee are kept (a message that quotes the
    trainee's answer would count as many reasons).
    """
    import nbformat

    seen: dict[tuple[str, str, str], set[str]] = {}
    for path in sorted(course.autograded_dir.glob("*/*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if not cell.metadata.get("nbgrader", {}).get("grade") or cell.cell_type != "code":
                continue
            printed = [line[2:].strip() for output in cell.outputs if output.get("output_type") == "stream"
                       for line in output.get("text", "").splitlines() if line.startswith("✗ ")]
            failed = [code for output in cell.outputs
                      for code in (output.get("data", {}).get("application/json") or {}).get("failed", [])]
            for code, message in zip(failed, printed, strict=False):
                seen.setdefault((path.parent.name, grade_id, code), set()).add(message)
    return {key: next(iter(messages)) for key, messages in seen.items() if len(messages) == 1}


# -- statistics (pure) --------------------------------------------------------------------------


def select_cohorts(grades: pd.DataFrame, patterns: list[str] | None) -> pd.DataFrame:
    """Only the trainees whose id matches one of the glob patterns (all trainees when none are given)."""
    if not patterns:
        return grades
    keep = grades["trainee"].map(lambda t: any(fnmatch.fnmatchcase(str(t), p) for p in patterns))
    return grades[keep]


def revision_cuts(items: pd.DataFrame) -> pd.DataFrame:
    """Per item: `since` (count only submissions after it) and `before` (the statistics of the last revision)."""
    since, before = [], []
    for item in items.itertuples():
        stored = item.stored or {}
        if stored and stored.get("revision") != item.revision:
            since.append(stored.get("through"))
            before.append(stored)
        else:
            since.append(stored.get("since"))
            before.append(item.history[-1] if item.history else None)
    return items.assign(since=pd.to_datetime(pd.Series(since, index=items.index, dtype=object), utc=True),
                        before=before)


def _top_failures(failures: pd.Series, messages: dict[str, str] | None = None, limit: int = 3) -> str:
    """The most frequent failed checks of one item with the share of trainees, as "time 42% (message); link 18%"."""
    codes = failures[failures != ""].str.split(";").explode()
    counts = codes.value_counts().head(limit)
    messages = messages or {}
    return "; ".join(f"{code} {count / len(failures):.0%}" + (f" ({messages[code]})" if code in messages else "")
                     for code, count in counts.items())


def _module_statistics(latest: pd.DataFrame, unit: str, thresholds: Thresholds) -> tuple[pd.DataFrame, dict]:
    """Item statistics of one module's latest attempts, with `unit` ("cell" or "case") as the item."""
    points = latest.pivot_table(index="trainee", columns=unit, values="score", aggfunc="sum", dropna=False)
    max_points = latest.groupby(unit)["max_score"].first() if unit == "cell" else (
        latest.drop_duplicates(["cell"]).groupby("case")["max_score"].sum())
    stats = itemstats.item_statistics(points, max_points, thresholds.confidence, thresholds.upper_lower_group)
    return stats, itemstats.scale_statistics(points, thresholds.confidence)


def item_statistics(grades: pd.DataFrame, items: pd.DataFrame, thresholds: Thresholds = Thresholds(),
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
            failures = pd.Series({cell: _top_failures(group["failures"], labels.get((module, cell)))
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
                              failure_reasons=_top_failures(higher["failures"])))
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
                                  **{**where, "n": s.respondents, "failure_reasons": _counted(s.missing_scenario)}))
    return entries


def _counted(texts: list[str]) -> str:
    """Distinct answers with how many trainees gave each, most frequent first."""
    return "; ".join(f"{text} ({count})" for text, count in pd.Series(texts, dtype=str).value_counts().items())


BACKLOG_COLUMNS = ["rank", "impact", "flag", "flag_text", "evidence", "module", "notebook", "cell", "case",
                   "competency", "statistic", "value", "n", "failure_reasons", "action", "before", "after"]


def revision_comparison(items: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """For every revised cell: its statistics before the revision and since, as short text."""
    after = {(s.module, s.cell): s._asdict() for s in stats[stats["level"] == "cell"].itertuples()}
    rows = [{"module": i.module, "cell": i.cell, "before": _summary(i.before),
             "after": _summary(after.get((i.module, i.cell))) or "no submissions yet"}
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


def _summary(stats: dict | None) -> str:
    if not stats:
        return ""
    parts = [f"n={stats.get('n', 0)}"]
    for key in ("facility", "discrimination"):
        value = stats.get(key)
        if value is not None and pd.notna(value):
            parts.append(f"{key} {value:.2f}")
    return ", ".join(parts)


# -- writing (I/O) -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON/YAML-friendly value: rounded floats, None for missing, ISO text for times."""
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is None or value is pd.NaT or (isinstance(value, numbers.Real) and math.isnan(value)):
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    return round(float(value), 3) if isinstance(value, numbers.Real) else value


def cell_stats(stats: pd.DataFrame, items: pd.DataFrame) -> dict[tuple[str, str, str], dict]:
    """The statistics block each graded source cell gets in its `caseloop.stats` metadata."""
    blocks = {}
    by_cell = {(s.module, s.notebook, s.cell): s._asdict() for s in stats[stats["level"] == "cell"].itertuples()}
    for item in items.itertuples():
        found = by_cell.get((item.module, item.notebook, item.cell))
        block = {"revision": item.revision, "since": _plain(item.since),
                 "through": _plain(found["through"]) if found else None}
        block.update({key: _plain(found[key]) if found else None for key in STAT_KEYS})
        if not found:
            block["n"] = 0
        history = list(item.history) + ([item.before] if item.before and item.before not in item.history else [])
        blocks[(item.module, item.notebook, item.cell)] = {"stats": block, "stats_history": history}
    return blocks


def write_cell_stats(course: Course, blocks: dict[tuple[str, str, str], dict]) -> list[Path]:
    """Write each cell's statistics into its source notebook's metadata; only notebooks that change are written."""
    import nbformat

    changed = []
    for path in sorted(course.source_dir.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        dirty = False
        for cell in nb.cells:
            key = (path.parent.name, path.stem, cell.metadata.get("nbgrader", {}).get("grade_id"))
            if key not in blocks:
                continue
            tags = cell.metadata.setdefault("caseloop", {})
            for name, value in blocks[key].items():
                if value in ([], None):
                    dirty |= tags.pop(name, None) is not None
                elif tags.get(name) != value:
                    tags[name] = value
                    dirty = True
        if dirty:
            write_atomically(path, nbformat.writes(nb) + "\n")
            changed.append(path)
    return changed


def _case_file(course: Course, case: str) -> Path | None:
    direct = course.cases_dir / f"{case}.yaml"
    if direct.is_file():
        return direct
    pattern = re.compile(rf"^id:\s*['\"]?{re.escape(case)}['\"]?\s*$", re.MULTILINE)
    return next((p for p in sorted(course.cases_dir.glob("*.yaml")) if pattern.search(p.read_text("utf-8"))), None)


def _yaml_scalar(value: Any) -> str:
    """A value as a YAML flow scalar: plain where YAML reads it back unchanged (dates as dates), else quoted."""
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9_][\w.-]*", text):
        loaded = yaml.safe_load(text)
        if loaded == text or (isinstance(loaded, datetime.date) and loaded.isoformat() == text):
            return text
    return json.dumps(text, ensure_ascii=False)


def _flag_line(flag: dict) -> str:
    return "  - {" + ", ".join(f"{key}: {_yaml_scalar(value)}" for key, value in flag.items()) + "}"


def merge_revision_flags(text: str, flags: list[dict]) -> str:
    """The case file's text with `flags` merged into its `revision_flags` list; the rest of the text untouched.

    A flag replaces an earlier one for the same module, cell and flag; the list is written in flow
    style, one flag a line, at the end of the file or where it already was.
    """
    data = yaml.safe_load(text) or {}
    current = [{key: value.isoformat() if isinstance(value, datetime.date) else value for key, value in old.items()}
               for old in data.get("revision_flags") or []]
    def key(flag: dict) -> tuple:
        return flag.get("module"), flag.get("cell"), flag.get("flag")

    for flag in flags:
        same = [i for i, old in enumerate(current) if key(old) == key(flag)]
        if same:
            current[same[0]] = flag
        else:
            current.append(flag)
    block = "revision_flags:\n" + "".join(_flag_line(f) + "\n" for f in current)
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("revision_flags:")), None)
    if start is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + block
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "-", "\t")) or not lines[end].strip()):
        end += 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def flag_cases(course: Course, table: pd.DataFrame, stats: pd.DataFrame, t: Thresholds) -> list[Path]:
    """Add the worst items' flags to their cases' `revision_flags` (entries with impact >= case_flag_impact)."""
    through = {(s.module, s.cell): s.through for s in stats[stats["level"] == "cell"].itertuples()}
    worst = table[(table["impact"] >= t.case_flag_impact) & (table["case"] != "")]
    changed = []
    for case, entries in worst.groupby("case"):
        path = _case_file(course, str(case))
        if path is None:
            continue
        flags = [{"date": str(pd.Timestamp(through.get((e.module, e.cell))).date())
                  if pd.notna(through.get((e.module, e.cell), pd.NaT)) else None,
                  "module": e.module, "cell": e.cell or None, "flag": e.flag, "statistic": _plain(e.value)}
                 for e in entries.itertuples()]
        text = path.read_text(encoding="utf-8")
        new = merge_revision_flags(text, flags)
        if new != text:
            write_atomically(path, new)
            changed.append(path)
    return changed


def _fmt(value: Any, digits: int = 2) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def write_reports(out_dir: Path, stats: pd.DataFrame, modules: pd.DataFrame, table: pd.DataFrame,
                  revisions: pd.DataFrame, summary: pd.DataFrame, responses: pd.DataFrame, t: Thresholds,
                  notes: list[str]) -> dict[str, Path]:
    """The statistics and survey as CSV, and the backlog as CSV and Markdown."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"item statistics": out_dir / "item-statistics.csv", "module statistics": out_dir / "module-statistics.csv",
             "survey": out_dir / "survey.csv", "backlog csv": out_dir / "revision-backlog.csv",
             "backlog": out_dir / "revision-backlog.md"}
    for key, frame in (("item statistics", stats), ("module statistics", modules), ("survey", responses),
                       ("backlog csv", table)):
        write_atomically(paths[key], frame.to_csv(index=False))
    lines = ["# 修订待办 / Revision backlog", "",
             f"{int((stats['level'] == 'cell').sum())} 个评分单元，{len(table)} 条待办 / "
             f"{int((stats['level'] == 'cell').sum())} graded cells, {len(table)} entries. "
             f"Flags need at least {t.min_trainees} trainees per item.", "", *notes, ""]
    lines += ["## 样本量 / How many trainees the statistics rest on", ""]
    for m in modules.itertuples():
        missing = itemstats.too_few(m.n)
        scope = "" if pd.isna(m.since) else f" (after {m.since:%Y-%m-%d %H:%M})"
        lines.append(f"- {m.module}{scope}: n = {m.n} trainees, {m.items} items; Cronbach's alpha "
                     f"{_fmt(m.alpha)} [{_fmt(m.alpha_low)}, {_fmt(m.alpha_high)}]")
        if missing:
            needs = ", ".join(f"{name} (≥ {itemstats.MIN_TRAINEES[name]})" for name in missing)
            lines.append(f"  - 人数太少，无法计算 / too few trainees to compute: {needs}")
        if m.n < t.min_trainees:
            lines.append(f"  - 少于 {t.min_trainees} 人，不判定任何标记 / fewer than {t.min_trainees} trainees: "
                         "no item is flagged; facility and SD are shown with their (wide) intervals")
    lines.append("")
    for e in table.itertuples():
        where = " · ".join(str(x) for x in (e.module, e.cell, e.case) if x)
        lines += [f"## {e.rank}. {where} · {e.flag_text}", "",
                  f"- {e.statistic}: {e.value} · n = {e.n} · 证据 / evidence: {EVIDENCE[e.evidence]} · "
                  f"impact {e.impact:g}"]
        if e.notebook:
            lines.append(f"- edit: source/{e.module}/{e.notebook}.ipynb, cell `{e.cell}`; case {e.case} in cases/")
        if e.failure_reasons:
            lines.append(f"- reasons: {e.failure_reasons}")
        if e.before:
            lines.append(f"- before revision: {e.before} → after: {e.after}")
        lines += [f"- action: {e.action}", ""]
    if not revisions.empty:
        lines += ["## 修订前后 / Revised items, before and after", ""]
        lines += [f"- {r.module} · {r.cell}: {r.before} → {r.after}" for r in revisions.itertuples()]
        lines.append("")
    for s in summary.itertuples():
        lines += [f"## 学员问卷 / Survey · {s.module} ({s.respondents} respondents)", "",
                  f"- usefulness {_fmt(s.usefulness)} / 5 (n={s.usefulness_n}) · "
                  f"clarity {_fmt(s.clarity)} / 5 (n={s.clarity_n})"]
        for label, texts in (("missing scenarios", s.missing_scenario), ("least clear case", s.unclear_case),
                             ("comments", s.comment)):
            if texts:
                lines.append(f"- {label}: {_counted(texts)}")
        lines.append("")
    write_atomically(paths["backlog"], "\n".join(lines))
    return paths


@dataclass
class Revision:
    """What one `caseloop revise` run found and wrote."""

    stats: pd.DataFrame
    backlog: pd.DataFrame
    paths: dict[str, Path]
    notebooks: list[Path]
    cases: list[Path]


def revise(course: Course, grades: pd.DataFrame, cohorts: list[str] | None = None,
           out_dir: Path | None = None) -> Revision:
    """The whole stage: statistics, survey, backlog, cell metadata and case flags for the chosen cohorts."""
    config = course.source_dir / CONFIG_FILE
    thresholds = Thresholds.load(config)
    grades = select_cohorts(grades, cohorts)
    if grades.empty:
        raise CourseError(f"no grades for trainees matching {cohorts}; check --cohort against reports/grades.csv")
    pending = grades["score"].isna() | grades["needs_manual_grade"].astype(bool)
    graded = grades[~pending]
    items = revision_cuts(source_items(course))
    stats, modules = item_statistics(graded, items, thresholds, failure_messages(course))
    answers = submitted_answers(course)
    answers = answers[answers["trainee"].isin(set(grades["trainee"]))]
    responses = survey_responses(answers)
    summary = survey_summary(responses)
    entries = (statistic_flags(stats, items, thresholds)
               + distractor_flags(distractor_picks(answers, items), items, graded, thresholds)
               + mentor_flags(graded, thresholds)
               + rubric_flags(review_pairs(latest_attempts(grades), item_table(course)), thresholds)
               + survey_flags(summary, thresholds))
    revisions = revision_comparison(items, stats)
    table = backlog(entries, revisions)
    described = config if config.is_file() else f"defaults ({config} not found)"
    notes = [f"{int(pending.sum())} 个答案等待导师评分，未计入 / answers waiting for a mentor's grade are left out "
             f"({int(pending.sum())})"] if pending.any() else []
    paths = write_reports(out_dir or course.reports_dir, stats, modules, table, revisions, summary, responses,
                          thresholds, [f"Thresholds: {described}.", *notes])
    notebooks = write_cell_stats(course, cell_stats(stats, items))
    cases = flag_cases(course, table, stats, thresholds)
    return Revision(stats, table, paths, notebooks, cases)
