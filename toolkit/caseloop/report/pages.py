"""Rendering reports: the Jinja environment (zh or en), trainee and cohort pages, CSV and XLSX tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

import caseloop.report.charts as charts
from caseloop.course import CourseError, replacing, write_atomically
from caseloop.course.journal import GRADED
from caseloop.course.rubric import BY_CODE
from caseloop.curriculum import Curriculum, MasteryMethod
from caseloop.report.tables import RISK_SHOWN, CohortTables

LANGUAGES = ("zh", "en")


def environment(lang: str) -> Environment:
    """The Jinja environment for one report language: `t(zh, en)` picks the text, `name` a zh/en label."""
    if lang not in LANGUAGES:
        raise CourseError(f"unknown report language {lang!r}; use one of {', '.join(LANGUAGES)}")
    env = Environment(loader=PackageLoader("caseloop.report", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    pick = 0 if lang == "zh" else 1
    env.globals.update(lang=lang, t=lambda zh, en: (zh, en)[pick], graded=GRADED)
    env.filters["pct"] = lambda share: "—" if share is None or pd.isna(share) else f"{share:.0%}"
    env.filters["num"] = lambda value: "—" if value is None or pd.isna(value) else f"{value:g}"
    env.filters["name"] = lambda item: (item.zh, item.en)[pick] if hasattr(item, "zh") else item[pick]
    env.filters["pick"] = lambda row, stem: row[f"{stem}_{lang}"]
    return env


def _bucket(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Rows of `frame` as dicts grouped by trainee, in one pass (no per-trainee filtering)."""
    buckets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in frame.to_dict("records"):
        buckets[row["trainee"]].append(row)
    return buckets


def atomic_csv(frame: pd.DataFrame, path: Path) -> Path:
    with replacing(path) as partial:
        frame.to_csv(partial, index=False)
    return path
    return path


def waiting_counts(waiting: pd.DataFrame) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """How many cells wait for a mentor: per (trainee, module) and per (trainee, competency)."""
    cells = waiting.drop_duplicates(["trainee", "module", "notebook", "cell"])
    by_module = cells.groupby(["trainee", "module"], observed=True).size()
    by_competency = waiting.groupby(["trainee", "competency"], observed=True).size()
    return ({key: int(n) for key, n in by_module.items() if n},
            {key: int(n) for key, n in by_competency.items() if n})


def render_trainee_reports(tables: CohortTables, curriculum: Curriculum, out_dir: Path, lang: str = "zh",
                           trainees: list[str] | None = None, cohorts: pd.Series | None = None) -> list[Path]:
    """One self-contained HTML file per trainee under out_dir/trainees/."""
    env = environment(lang)
    template = env.get_template("trainee.html")
    trainee_dir = out_dir / "trainees"
    trainee_dir.mkdir(parents=True, exist_ok=True)
    competencies = list(curriculum.competencies.values())
    rings = sorted({v for c in competencies for v in c.thresholds.values()})
    t = env.globals["t"]
    mastery, gates, path = _bucket(tables.mastery), _bucket(tables.gates), _bucket(tables.path)
    completion, risk, shown = _bucket(tables.completion), _bucket(tables.risk), _bucket(tables.highlights)
    mentor = _bucket(tables.mentor)
    levels = tables.levels.set_index("trainee").to_dict("index")
    waiting_modules, waiting_competencies = waiting_counts(tables.waiting)
    cohorts = cohorts if cohorts is not None else pd.Series(dtype=str)
    written = []
    for trainee in trainees if trainees is not None else list(levels):
        scores = {row["competency"]: row for row in mastery.get(trainee, [])}
        radar = charts.radar([(c.code, scores[c.code]["mastery"] if c.code in scores else None)
                              for c in competencies], rings=rings,
                             title=f'{t("能力雷达图", "Competency radar")} · {trainee}')
        page = template.render(
            trainee=trainee, cohort=cohorts.get(trainee, ""), curriculum=curriculum, competencies=competencies,
            scores=scores, radar=radar, level=levels[trainee], gates=gates.get(trainee, []),
            path=path.get(trainee, []), modules=completion.get(trainee, []), risk=risk.get(trainee, []),
            strongest=[r for r in shown.get(trainee, []) if r["side"] == "strongest"],
            weakest=[r for r in shown.get(trainee, []) if r["side"] == "weakest"],
            mentor=mentor.get(trainee, []), criteria=BY_CODE,
            waiting_modules={m: n for (tr, m), n in waiting_modules.items() if tr == trainee},
            waiting_competencies={c: n for (tr, c), n in waiting_competencies.items() if tr == trainee})
        target = trainee_dir / f"{trainee}.html"
        write_atomically(target, page)
        written.append(target)
    return written


def render_cohort_report(tables: CohortTables, curriculum: Curriculum, path: Path, lang: str = "zh",
                         cohort: str = "", method: MasteryMethod | None = None,
                         notes: list[tuple[str, str]] | None = None) -> Path:
    """The cohort report for leads: completion, heatmap, distributions, certification, risk, gain, targets;
    `notes` are (zh, en) warnings about its inputs, shown at the top."""
    env = environment(lang)
    t = env.globals["t"]
    competencies = list(curriculum.competencies.values())
    trainees = list(tables.levels["trainee"])
    mastery_of = {(r.trainee, r.competency): r for r in tables.mastery.itertuples()}
    heatmap = charts.heatmap(trainees, [c.code for c in competencies],
                             {key: row.mastery for key, row in mastery_of.items() if pd.notna(row.mastery)},
                             title=t("学员 × 能力 掌握度热力图", "Trainee × competency mastery heatmap"))
    bar = curriculum.mastery.at_level
    distributions = {c.code: charts.distribution(
        tables.mastery.loc[tables.mastery["competency"] == c.code, "mastery"].dropna().tolist(),
        title=f'{c.code} {t("掌握度分布", "mastery distribution")}', marker=c.thresholds.get(bar))
        for c in competencies}
    cohort_mean = tables.mastery.groupby("competency", observed=True)["mastery"].mean()
    first_step = tables.path.drop_duplicates(["trainee", "competency"]).set_index(["trainee", "competency"])
    risk = tables.risk.sort_values(["run", "last_share"], ascending=[False, True]).head(RISK_SHOWN)
    risk = risk.merge(first_step[[f"reason_{lang}"]].reset_index(), on=["trainee", "competency"], how="left")
    waiting_modules, waiting_competencies = waiting_counts(tables.waiting)
    page = env.get_template("cohort.html").render(
        curriculum=curriculum, competencies=competencies, trainees=trainees, cohort=cohort, notes=notes or [],
        method=method or curriculum.mastery, mastery=mastery_of,
        completion={(r.trainee, r.module): r for r in tables.completion.itertuples()},
        module_ids=list(dict.fromkeys(tables.completion["module"])), levels=tables.levels,
        level_counts=tables.levels["level"].value_counts().to_dict(), heatmap=heatmap, distributions=distributions,
        cohort_mean=cohort_mean, weakest=cohort_mean.sort_values().head(2), risk=risk.to_dict("records"),
        risk_total=len(tables.risk),
        gain=tables.gain, targets=tables.targets, trend=tables.trend, waiting_modules=waiting_modules,
        waiting_competencies=waiting_competencies, waiting_total=sum(waiting_modules.values()))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, page)
    return path


def export_tables(tables: CohortTables, out_dir: Path) -> dict[str, Path]:
    """Every table as reports/<name>.csv, and all of them as sheets of reports/cohort.xlsx (atomically)."""
    from openpyxl import Workbook

    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for field in fields(tables):
        written[field.name] = atomic_csv(getattr(tables, field.name), out_dir / f"{field.name.replace('_', '-')}.csv")
    xlsx = out_dir / "cohort.xlsx"
    book = Workbook(write_only=True)  # streams rows: many times faster than pandas' cell-by-cell writer
    for field in fields(tables):
        frame = getattr(tables, field.name)
        for column in frame.select_dtypes(include=["datetimetz"]).columns:
            frame = frame.assign(**{column: frame[column].dt.tz_localize(None)})
        sheet = book.create_sheet(field.name[:31])
        sheet.append(list(frame.columns))
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
            sheet.append(row)
    with replacing(xlsx) as partial:
        book.save(partial)
    written["xlsx"] = xlsx
    return written

