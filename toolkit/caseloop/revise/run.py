"""Revise stage: item statistics, survey answers and the revision backlog that points to what to edit.

Reads the compiled grade table, the source notebooks and the autograded notebooks (the options
trainees picked, the end-of-module survey); computes the statistics of `caseloop.analysis.itemstats` per
graded cell and per exercise (the cells of one case) and the agreement of the autograde with mentors
(`caseloop.analysis.agreement`); flags items with the thresholds of source/item_analysis.yaml; ranks
the flags into a backlog; writes each cell's statistics into its source cell's metadata and flags
the cases behind the worst items in cases/.

A revised cell is recognised by its fingerprint (the source of the cells that make up the
question: markdown, answer cell, graded cell). When it differs from the fingerprint stored with
the cell's last statistics, those statistics become "before" and the new ones count only
submissions made after them. Running revise twice on the same data writes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from caseloop.analysis import itemstats
from caseloop.analysis.agreement import agreement_report, review_pairs, score_pairs
from caseloop.analysis.mastery import latest_attempts
from caseloop.compile import item_table, require_grades, source_items, submitted_answers
from caseloop.course import Course, CourseError, staged, write_atomically
from caseloop.revise.flags import (
    agreement_flags,
    backlog,
    counted,
    distractor_flags,
    mentor_flags,
    revision_comparison,
    rubric_flags,
    statistic_flags,
    survey_flags,
)
from caseloop.revise.inputs import failure_messages, revision_cuts, select_trainees
from caseloop.revise.replies import reply_languages
from caseloop.revise.statistics import distractor_picks, item_statistics, survey_responses, survey_summary
from caseloop.revise.thresholds import CONFIG_FILE, EVIDENCE, Thresholds
from caseloop.revise.writeback import cell_stats, flag_cases, write_cell_stats


def _fmt(value: Any, digits: int = 2) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def _agreement_section(agreement: pd.DataFrame, t: Thresholds) -> list[str]:
    """The backlog's short section on how closely the autograde follows the mentors (all numbers: agreement.csv)."""
    lines = ["## 自动评分与导师评分的一致性 / Autograde vs mentor agreement", ""]
    if agreement.empty:
        return [*lines, "- 还没有导师评完整条回复 / no reply has been fully scored by a mentor yet", ""]
    lines += [f"Replies a mentor has fully scored, mentor and autograde on 0-4 (criteria 0-2: not met, partly, met); "
              f"an exercise is flagged from n = {t.min_scored_replies} when QWK < {t.min_qwk:.2f} or |SMD| > "
              f"{t.max_smd:.2f} (SMD > 0: the autograde is more lenient). All metrics: agreement.csv.", "",
              "| level | item | n | QWK | exact | adjacent | r | SMD | mentor mean | autograde mean |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for a in agreement.itertuples():
        item = {"exercise": f"{a.module} · {a.reviews} · {a.case}", "criterion": a.criterion,
                "language": a.language}[a.level]
        lines.append(f"| {a.level} | {item} | {a.n} | {_fmt(a.qwk)} | {_fmt(a.exact)} | {_fmt(a.adjacent)} | "
                     f"{_fmt(a.r)} | {_fmt(a.smd)} | {_fmt(a.human_mean)} / {a.points} | "
                     f"{_fmt(a.machine_mean)} / {a.points} |")
    return [*lines, ""]


def write_reports(out_dir: Path, stats: pd.DataFrame, modules: pd.DataFrame, table: pd.DataFrame,
                  revisions: pd.DataFrame, summary: pd.DataFrame, responses: pd.DataFrame, agreement: pd.DataFrame,
                  t: Thresholds, notes: list[str]) -> dict[str, Path]:
    """The statistics, survey and agreement with mentors as CSV, and the backlog as CSV and Markdown."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"item statistics": out_dir / "item-statistics.csv", "module statistics": out_dir / "module-statistics.csv",
             "survey": out_dir / "survey.csv", "agreement": out_dir / "agreement.csv",
             "backlog csv": out_dir / "revision-backlog.csv", "backlog": out_dir / "revision-backlog.md"}
    for key, frame in (("item statistics", stats), ("module statistics", modules), ("survey", responses),
                       ("agreement", agreement), ("backlog csv", table)):
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
    lines += _agreement_section(agreement, t)
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
                lines.append(f"- {label}: {counted(texts)}")
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


def revise(course: Course, grades: pd.DataFrame, trainees: list[str] | None = None, cohort: str | None = None,
           out_dir: Path | None = None) -> Revision:
    """The whole stage: statistics, survey, backlog, cell metadata and case flags for the chosen trainees.

    `trainees` are glob patterns of trainee ids; `cohort` is a cohort as the reports name it
    (reports/cohorts.csv, else the month of the first submission).
    """
    from caseloop.report.tables import cohort_of, read_cohorts

    config = course.source_dir / CONFIG_FILE
    thresholds = Thresholds.load(config)
    grades = select_trainees(require_grades(grades, course.reports_dir / "grades.csv"), trainees)
    if grades.empty:
        raise CourseError(f"no grades for trainees matching {' or '.join(trainees or [])}; check --trainee against "
                          "the trainee column of reports/grades.csv")
    if cohort:
        cohorts = cohort_of(grades, read_cohorts(course))
        grades = grades[grades["trainee"].map(cohorts).eq(cohort)]
        if grades.empty:
            raise CourseError(f"no grades for cohort {cohort!r}; known cohorts: {', '.join(sorted(set(cohorts)))} "
                              f"(from {course.reports_dir / 'cohorts.csv'} or the month of the first submission)")
    pending = grades["score"].isna()  # waiting for a mentor; an autograde a mentor is asked to check still counts
    graded = grades[~pending]
    items = revision_cuts(source_items(course))
    stats, modules = item_statistics(graded, items, thresholds, failure_messages(course))
    answers = submitted_answers(course)
    answers = answers[answers["trainee"].isin(set(grades["trainee"]))]
    responses = survey_responses(answers)
    summary = survey_summary(responses)
    graded_items = item_table(course)
    reviewed = review_pairs(latest_attempts(grades), graded_items)
    agreement = agreement_report(score_pairs(reviewed, reply_languages(course)))
    entries = (statistic_flags(stats, items, thresholds)
               + distractor_flags(distractor_picks(answers, items), items, graded, thresholds)
               + mentor_flags(graded, thresholds)
               + rubric_flags(reviewed, thresholds)
               + agreement_flags(agreement, graded_items, thresholds)
               + survey_flags(summary, thresholds))
    revisions = revision_comparison(items, stats)
    table = backlog(entries, revisions)
    described = config if config.is_file() else f"defaults ({config} not found)"
    notes = [f"{int(pending.sum())} 个答案等待导师评分，未计入 / answers waiting for a mentor's grade are left out "
             f"({int(pending.sum())})"] if pending.any() else []
    folder = out_dir or course.reports_dir
    with staged(folder) as stage:  # the report files move into place together, or none does
        written = write_reports(stage, stats, modules, table, revisions, summary, responses, agreement, thresholds,
                                [f"Thresholds: {described}.", *notes])
    paths = {key: folder / path.relative_to(stage) for key, path in written.items()}
    notebooks = write_cell_stats(course, cell_stats(stats, items))
    cases = flag_cases(course, table, stats, thresholds)
    return Revision(stats, table, paths, notebooks, cases)
