"""Rendering reports: the Jinja environment (zh or en) and the trainee and cohort pages."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

import caseloop.report.charts as charts
import caseloop.report.wording as wording
from caseloop.analysis.breakdown import weakest
from caseloop.checks.reasons import failure_reasons
from caseloop.course import CourseError, write_atomically
from caseloop.course.journal import GRADED
from caseloop.course.rubric import BY_CODE
from caseloop.curriculum import Curriculum, MasteryMethod
from caseloop.report.tables import RISK_SHOWN, CohortTables
from caseloop.shares import percent, percentage_points

LANGUAGES = ("zh", "en")
NAMES_SHOWN = 60  # trainees named in one row of the readiness table; readiness.csv names them all
WARNINGS_SHOWN = 5  # warnings listed per trainee on the cohort page; the trainee's report lists them all
ADVICE_STEPS = 2  # first steps of a trainee's learning path shown beside their warnings on the cohort page


def environment(lang: str) -> Environment:
    """The Jinja environment for one report language: `t(zh, en)` picks the text, `name` a zh/en label."""
    if lang not in LANGUAGES:
        raise CourseError(f"unknown report language {lang!r}; use one of {', '.join(LANGUAGES)}")
    env = Environment(loader=PackageLoader("caseloop.report", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    pick = 0 if lang == "zh" else 1
    env.globals.update(lang=lang, t=lambda zh, en: (zh, en)[pick], graded=GRADED, words=wording,
                       not_submitted=wording.NOT_SUBMITTED)
    env.filters["pct"] = percent
    env.filters["points"] = percentage_points
    env.filters["num"] = lambda value: "—" if value is None or pd.isna(value) else f"{value:g}"
    env.filters["name"] = lambda item: (item.zh, item.en)[pick] if hasattr(item, "zh") else item[pick]
    env.filters["pick"] = lambda row, stem: _text(row[f"{stem}_{lang}"])
    env.filters["text"] = _text
    env.filters["failures"] = lambda codes: failure_reasons(_text(codes))[pick] or "—"
    env.filters["status"] = lambda status: wording.status_label(status)[pick]
    env.filters["advice"] = lambda status: wording.status_advice(status)[pick]
    env.filters["method"] = lambda method: wording.method_label(method)[pick]
    env.filters["day"] = lambda stamp: "—" if stamp is None or pd.isna(stamp) else pd.Timestamp(stamp).strftime(
        "%Y-%m-%d")
    return env


def _text(value: Any) -> str:
    """A table value as page text: missing values (None, NaN) are empty, never "nan"."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _bucket(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Rows of `frame` as dicts grouped by trainee, in one pass (no per-trainee filtering)."""
    buckets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in frame.to_dict("records"):
        buckets[row["trainee"]].append(row)
    return buckets


def _by_key(frame: pd.DataFrame, *keys: str) -> dict[Any, dict[str, Any]]:
    """Rows of FRAME as dicts keyed by the values of KEYS (a tuple when more than one)."""
    rows = frame.to_dict("records")
    if len(keys) == 1:
        return {row[keys[0]]: row for row in rows}
    return {tuple(row[k] for k in keys): row for row in rows}


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
    completion, shown = _bucket(tables.completion), _bucket(tables.highlights)
    warned, alerts, mentor = _bucket(tables.warnings), _bucket(tables.alerts), _bucket(tables.mentor)
    ratings = _bucket(tables.ratings)
    levels = tables.levels.set_index("trainee").to_dict("index")
    waiting_modules, waiting_competencies = waiting_counts(tables.waiting)
    progress = _by_key(tables.progress, "trainee")
    cohorts = cohorts if cohorts is not None else pd.Series(dtype=str)
    module_names = {module.id: module for module in curriculum.modules}
    written = []
    for trainee in trainees if trainees is not None else list(levels):
        scores = {row["competency"]: row for row in mastery.get(trainee, [])}
        radar = charts.radar([(c.code, scores[c.code]["mastery"] if c.code in scores else None)
                              for c in competencies], rings=rings,
                             title=f'{t("能力雷达图", "Competency radar")} · {trainee}')
        page = template.render(
            trainee=trainee, cohort=cohorts.get(trainee, ""), curriculum=curriculum, competencies=competencies,
            scores=scores, radar=radar, level=levels[trainee], gates=gates.get(trainee, []),
            path=path.get(trainee, []), modules=completion.get(trainee, []), warnings=warned.get(trainee, []),
            alerts=alerts.get(trainee, []), progress=progress.get(trainee),
            ratings={r["competency"]: r for r in ratings.get(trainee, [])},
            strongest=[r for r in shown.get(trainee, []) if r["side"] == "strongest"],
            weakest=[r for r in shown.get(trainee, []) if r["side"] == "weakest"],
            mentor=mentor.get(trainee, []), criteria=BY_CODE, module_names=module_names,
            waiting_modules={m: n for (tr, m), n in waiting_modules.items() if tr == trainee},
            waiting_competencies={c: n for (tr, c), n in waiting_competencies.items() if tr == trainee})
        target = trainee_dir / f"{trainee}.html"
        write_atomically(target, page)
        written.append(target)
    return written


def _cohort_charts(tables: CohortTables, curriculum: Curriculum, t: Any) -> tuple[str, dict[str, str]]:
    """The cohort page's heatmap and one mastery histogram per competency, as inline SVG."""
    competencies = list(curriculum.competencies.values())
    trainees = list(tables.levels["trainee"])
    values = {(r.trainee, r.competency): r.mastery for r in tables.mastery.itertuples() if pd.notna(r.mastery)}
    heatmap = charts.heatmap(trainees, [c.code for c in competencies], values,
                             title=t("学员 × 能力 掌握度热力图", "Trainee × competency mastery heatmap"),
                             legend=t("掌握度", "Mastery"), empty=t("无数据", "no data"))
    bar = curriculum.mastery.at_level
    level = curriculum.level_names.get(bar, (bar, bar))
    distributions = {c.code: charts.distribution(
        tables.mastery.loc[tables.mastery["competency"] == c.code, "mastery"].dropna().tolist(),
        title=f'{c.code} {t("掌握度分布", "mastery distribution")}', marker=c.thresholds.get(bar),
        marker_label=t(level[0], level[1]), y_label=t("人数", "trainees"), empty=t("无数据", "no data"))
        for c in competencies}
    return heatmap, distributions


def render_cohort_report(tables: CohortTables, curriculum: Curriculum, path: Path, lang: str = "zh",
                         cohort: str = "", method: MasteryMethod | None = None,
                         notes: list[tuple[str, str]] | None = None) -> Path:
    """The cohort report for leads: the answers first (readiness, one gate away, at risk, red lines,
    weakest competencies, progress), then the per-competency breakdown, grid, charts, gain, targets;
    `notes` are (zh, en) warnings about its inputs, shown at the top."""
    env = environment(lang)
    t = env.globals["t"]
    heatmap, distributions = _cohort_charts(tables, curriculum, t)
    cohort_mean = tables.mastery.groupby("competency", observed=True)["mastery"].mean()
    warned = tables.warnings
    at_risk = warned.groupby("trainee", sort=False).size().sort_values(ascending=False, kind="stable")
    chosen = at_risk.index[:RISK_SHOWN]
    shown = _bucket(warned[warned["trainee"].isin(chosen)])
    steps = _bucket(tables.path[tables.path["trainee"].isin(chosen)])
    at_risk_rows = [{"trainee": trainee, "warnings": shown[trainee],
                     "advice": [step[f"reason_{lang}"] for step in steps.get(trainee, [])[:ADVICE_STEPS]]}
                    for trainee in chosen]
    behind = tables.progress[tables.progress["missed"] != ""]
    behind = behind.assign(gap=behind["due"] - behind["done_of_due"]).sort_values("gap", ascending=False,
                                                                                  kind="stable")
    waiting_modules, waiting_competencies = waiting_counts(tables.waiting)
    page = env.get_template("cohort.html").render(
        curriculum=curriculum, competencies=list(curriculum.competencies.values()),
        trainees=list(tables.levels["trainee"]), cohort=cohort, notes=notes or [],
        method=method or curriculum.mastery,
        mastery={(r.trainee, r.competency): r for r in tables.mastery.itertuples()},
        completion={(r.trainee, r.module): r for r in tables.completion.itertuples()},
        module_ids=list(dict.fromkeys(tables.completion["module"])), levels=tables.levels,
        heatmap=heatmap, distributions=distributions, cohort_mean=cohort_mean,
        readiness=tables.readiness.to_dict("records"), names_shown=NAMES_SHOWN,
        one_gate=tables.one_gate.head(RISK_SHOWN).to_dict("records"), one_gate_total=len(tables.one_gate),
        at_risk=at_risk_rows, at_risk_total=len(at_risk), warnings_shown=WARNINGS_SHOWN,
        alerts=tables.alerts.head(RISK_SHOWN).to_dict("records"), alerts_total=len(tables.alerts),
        weakest=weakest(tables.breakdown).to_dict("records"), breakdown=tables.breakdown.to_dict("records"),
        progress=_by_key(tables.progress, "trainee"), behind=behind.head(RISK_SHOWN).to_dict("records"),
        behind_total=len(behind),
        ratings=_by_key(tables.ratings, "trainee", "competency"),
        gain=tables.gain, targets=tables.targets, trend=tables.trend, waiting_modules=waiting_modules,
        waiting_competencies=waiting_competencies, waiting_total=sum(waiting_modules.values()))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, page)
    return path
