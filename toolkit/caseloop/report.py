"""Report stage: what leads act on, from the grade table, as HTML (zh or en), CSV and XLSX.

`cohort_tables` gathers every table a report shows (mastery, gates and levels, learning paths,
at-risk runs, pre/post gain, completion, the course's targets, the trend across cohorts) as pure
functions over the grade table; only the `write_*` and `run_*` functions touch files. Scoring
lives in `caseloop.mastery`, certification in `caseloop.certify`, paths in
`caseloop.learning_path`, charts in `caseloop.charts`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from caseloop import charts
from caseloop.certify import certification, gate_results
from caseloop.course import Course, CourseError, Curriculum, MasteryMethod, replacing, write_atomically
from caseloop.grade import GRADED, read_batch_status
from caseloop.learning_path import learning_path
from caseloop.mastery import (
    at_risk,
    competency_results,
    latest_attempts,
    mastery_table,
    module_results,
    pre_post_gain,
    with_categories,
)
from caseloop.review import BY_CODE, review_pairs

LANGUAGES = ("zh", "en")
COHORTS_FILE = "cohorts.csv"
HIGHLIGHTS = 3
RISK_SHOWN = 200  # longest runs shown in the cohort report; risk.csv has them all


@dataclass
class CohortTables:
    """Every table the reports show, one tidy frame each (exported as CSV and XLSX sheets)."""

    mastery: pd.DataFrame
    modules: pd.DataFrame
    completion: pd.DataFrame
    gates: pd.DataFrame
    levels: pd.DataFrame
    path: pd.DataFrame
    risk: pd.DataFrame
    highlights: pd.DataFrame
    gain_pairs: pd.DataFrame
    gain: pd.DataFrame
    targets: pd.DataFrame
    trend: pd.DataFrame
    mentor: pd.DataFrame


def cohort_of(grades: pd.DataFrame, assigned: pd.DataFrame | None = None) -> pd.Series:
    """trainee -> cohort: from the cohorts file when given, else the month of the first submission."""
    first = grades.groupby("trainee", observed=True)["submitted_at"].min()
    cohorts = first.dt.strftime("%Y-%m").fillna("—")
    if assigned is not None and not assigned.empty:
        cohorts = assigned.set_index("trainee")["cohort"].astype(str).combine_first(cohorts)
    return cohorts.rename("cohort")


def completion_table(modules: pd.DataFrame, status: pd.DataFrame, trainees: list[str],
                     module_ids: list[str]) -> pd.DataFrame:
    """Per trainee x module: graded share, or the batch status (malformed notebook ...), or not submitted."""
    grid = pd.MultiIndex.from_product([trainees, module_ids], names=["trainee", "module"]).to_frame(index=False)
    grid = grid.merge(modules, on=["trainee", "module"], how="left")
    grid = grid.merge(status[["trainee", "module", "status", "detail"]], on=["trainee", "module"], how="left")
    grid["status"] = grid["status"].where(grid["status"].notna(), grid["share"].notna().map({True: GRADED,
                                                                                               False: "not submitted"}))
    grid["detail"] = grid["detail"].fillna("")
    return grid


def highlights(latest: pd.DataFrame, per_trainee: int = HIGHLIGHTS) -> pd.DataFrame:
    """Each trainee's strongest (highest share, most points first) and weakest (lowest share, most points
    first) answers, `per_trainee` of each."""
    columns = ["trainee", "module", "notebook", "cell", "case", "competency", "score", "max_score", "failures"]
    share = (latest["score"] / latest["max_score"]).to_numpy()
    points = latest["max_score"].to_numpy()
    trainee = pd.factorize(latest["trainee"], sort=True)[0]
    sides = []
    for side, keep, direction in (("strongest", share > 0, -1), ("weakest", share < 1, 1)):
        # sort row numbers only (trainee, then share down or up, then points down); copy just the chosen rows
        index = np.flatnonzero(keep)
        index = index[np.lexsort((-points[index], direction * share[index], trainee[index]))]
        starts = np.flatnonzero(np.r_[True, np.diff(trainee[index]) != 0])
        rank = np.arange(len(index)) - np.repeat(starts, np.diff(np.r_[starts, len(index)]))
        chosen = latest.iloc[index[rank < per_trainee]][columns]
        sides.append(chosen.assign(share=chosen["score"] / chosen["max_score"], side=side))
    return pd.concat(sides, ignore_index=True)


def target_progress(mastery: pd.DataFrame, grades: pd.DataFrame, cohorts: pd.Series,
                    curriculum: Curriculum) -> pd.DataFrame:
    """Per cohort x course target: the cohort's mean mastery against the goal, by the goal's deadline.

    A cohort starts at its first submission; `as_of` is its latest submission, so the result does
    not depend on when the report is run.
    """
    window = grades.assign(cohort=grades["trainee"].map(cohorts)).groupby("cohort", observed=True)["submitted_at"].agg(
        ["min", "max"])
    by_cohort = mastery.assign(cohort=mastery["trainee"].map(cohorts))
    rows = []
    for target in curriculum.targets:
        values = by_cohort[by_cohort["competency"] == target.competency].groupby("cohort", observed=True)["mastery"]
        for cohort, (start, as_of) in window.iterrows():
            value = values.mean().get(cohort, float("nan"))
            n = int(values.count().get(cohort, 0))
            deadline = start + pd.Timedelta(days=target.within_days)
            met = bool(pd.notna(value) and value >= target.mastery - 1e-9)
            state = "met" if met else ("missed" if as_of > deadline else "open")
            rows.append({"cohort": cohort, "target": target.id, "zh": target.zh, "en": target.en,
                         "competency": target.competency, "goal": target.mastery, "value": value, "n": n,
                         "start": start, "deadline": deadline, "as_of": as_of,
                         "days_left": max((deadline - as_of).days, 0), "state": state})
    return pd.DataFrame(rows, columns=["cohort", "target", "zh", "en", "competency", "goal", "value", "n", "start",
                                       "deadline", "as_of", "days_left", "state"])


def cohort_trend(mastery: pd.DataFrame, cohorts: pd.Series) -> pd.DataFrame:
    """Mean mastery per cohort x competency and how many trainees it rests on, oldest cohort first."""
    by_cohort = mastery.assign(cohort=mastery["trainee"].map(cohorts))
    trend = by_cohort.groupby(["cohort", "competency"], as_index=False, observed=True).agg(
        mastery=("mastery", "mean"), n=("mastery", "count"))
    return trend.sort_values(["cohort", "competency"])


def item_catalogue(grades: pd.DataFrame, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every graded cell known from the source modules and the grade table: module, cell, competency, case, points."""
    seen = (grades[["module", "notebook", "cell", "competency", "case", "max_score"]]
            .drop_duplicates(["module", "notebook", "cell"]).rename(columns={"max_score": "points"}))
    frames = [items, seen] if items is not None and not items.empty else [seen]
    return pd.concat(frames, ignore_index=True).drop_duplicates(["module", "notebook", "cell"])


def cohort_tables(grades: pd.DataFrame, curriculum: Curriculum, status: pd.DataFrame | None = None,
                  items: pd.DataFrame | None = None, cohorts: pd.Series | None = None,
                  method: MasteryMethod | None = None) -> CohortTables:
    """All report tables for the trainees in `grades` (and in `status`, who may have no grades)."""
    status = status if status is not None else pd.DataFrame(columns=["trainee", "module", "status", "detail"])
    cohorts = cohorts if cohorts is not None else cohort_of(grades)
    method = method or curriculum.mastery
    grades = with_categories(grades)
    trainees = sorted(set(grades["trainee"]) | set(status["trainee"]))
    everything = latest_attempts(grades)
    # a cell still waiting for a mentor's grade is not evidence yet; the gates still see it as pending
    latest = everything[everything["score"].notna()]
    results = competency_results(grades[grades["score"].notna()])
    mastery = mastery_table(grades, curriculum, method, latest, results)
    modules = module_results(latest)
    module_order = [m.id for m in curriculum.modules]
    present = set(modules["module"]) | set(status["module"])
    module_ids = [m for m in module_order if m in present] + sorted(present - set(module_order))
    gates = gate_results(everything, mastery, curriculum, trainees)
    baseline, post = curriculum.assessment.get("baseline", ""), curriculum.assessment.get("post_test", "")
    gain_pairs, gain = pre_post_gain(latest, baseline, post)
    return CohortTables(
        mastery=mastery, modules=modules, completion=completion_table(modules, status, trainees, module_ids),
        gates=gates, levels=certification(gates, curriculum, trainees),
        path=learning_path(mastery, latest, item_catalogue(grades, items), curriculum),
        risk=at_risk(results, method), highlights=highlights(latest), gain_pairs=gain_pairs, gain=gain,
        targets=target_progress(mastery, grades, cohorts, curriculum), trend=cohort_trend(mastery, cohorts),
        mentor=review_pairs(everything, items))


def batch_status(course: Course) -> pd.DataFrame:
    """Every trainee's outcome in the last grade batch of each module (graded, malformed ...)."""
    rows = [row for path in sorted(course.reports_dir.glob("grade-*.csv")) for row in read_batch_status(path)]
    return pd.DataFrame(rows, columns=["trainee", "module", "status", "detail"])


def read_cohorts(course: Course) -> pd.DataFrame | None:
    """reports/cohorts.csv (trainee, cohort) when a lead keeps one, else None."""
    path = course.reports_dir / COHORTS_FILE
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype=str)
    if not {"trainee", "cohort"} <= set(table.columns):
        raise CourseError(f"{path}: needs the columns trainee and cohort (one row per trainee); fix the header")
    return table


def environment(lang: str) -> Environment:
    """The Jinja environment for one report language: `t(zh, en)` picks the text, `name` a zh/en label."""
    if lang not in LANGUAGES:
        raise CourseError(f"unknown report language {lang!r}; use one of {', '.join(LANGUAGES)}")
    env = Environment(loader=PackageLoader("caseloop", "templates"), autoescape=select_autoescape(["html"]),
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


def _atomic_csv(frame: pd.DataFrame, path: Path) -> Path:
    with replacing(path) as partial:
        frame.to_csv(partial, index=False)
    return path
    return path


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
            mentor=mentor.get(trainee, []), criteria=BY_CODE)
        target = trainee_dir / f"{trainee}.html"
        write_atomically(target, page)
        written.append(target)
    return written


def render_cohort_report(tables: CohortTables, curriculum: Curriculum, path: Path, lang: str = "zh",
                         cohort: str = "", method: MasteryMethod | None = None) -> Path:
    """The cohort report for leads: completion, heatmap, distributions, certification, risk, gain, targets."""
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
    page = env.get_template("cohort.html").render(
        curriculum=curriculum, competencies=competencies, trainees=trainees, cohort=cohort,
        method=method or curriculum.mastery, mastery=mastery_of,
        completion={(r.trainee, r.module): r for r in tables.completion.itertuples()},
        module_ids=list(dict.fromkeys(tables.completion["module"])), levels=tables.levels,
        level_counts=tables.levels["level"].value_counts().to_dict(), heatmap=heatmap, distributions=distributions,
        cohort_mean=cohort_mean, weakest=cohort_mean.sort_values().head(2), risk=risk.to_dict("records"),
        risk_total=len(tables.risk),
        gain=tables.gain, targets=tables.targets, trend=tables.trend)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, page)
    return path


def export_tables(tables: CohortTables, out_dir: Path) -> dict[str, Path]:
    """Every table as reports/<name>.csv, and all of them as sheets of reports/cohort.xlsx (atomically)."""
    from openpyxl import Workbook

    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for field in fields(tables):
        written[field.name] = _atomic_csv(getattr(tables, field.name), out_dir / f"{field.name.replace('_', '-')}.csv")
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


def course_tables(course: Course, grades: pd.DataFrame, cohort: str | None = None,
                  method: MasteryMethod | None = None) -> tuple[CohortTables, pd.Series, list[str]]:
    """Read what the reports need from the course and build the tables, for one cohort or all.

    Returns the tables, each trainee's cohort and the trainees of the chosen cohort.
    """
    from caseloop.compile import item_table

    status = batch_status(course)
    cohorts = cohort_of(grades, read_cohorts(course))
    if cohort:
        chosen = sorted(t for t, c in cohorts.items() if c == cohort)
        if not chosen:
            raise CourseError(f"no trainee in cohort {cohort!r}; known cohorts: {', '.join(sorted(set(cohorts)))} "
                              f"(from {course.reports_dir / COHORTS_FILE} or the month of the first submission)")
        grades, status = grades[grades["trainee"].isin(chosen)], status[status["trainee"].isin(chosen)]
    tables = cohort_tables(grades, course.curriculum(), status, item_table(course), cohorts, method)
    return tables, cohorts, list(tables.levels["trainee"])


def write_reports(course: Course, grades: pd.DataFrame, out_dir: Path | None = None, lang: str = "zh",
                  cohort: str | None = None, method: MasteryMethod | None = None) -> tuple[Path, list[Path]]:
    """Write the cohort report, one report per trainee and the exported tables; return the report paths."""
    curriculum = course.curriculum()
    out_dir = out_dir or course.reports_dir
    tables, cohorts, trainees = course_tables(course, grades, cohort, method)
    trainee_paths = render_trainee_reports(tables, curriculum, out_dir, lang, trainees, cohorts)
    cohort_path = render_cohort_report(tables, curriculum, out_dir / "cohort.html", lang, cohort or "", method)
    export_tables(tables, out_dir)
    return cohort_path, trainee_paths


def write_kpi_report(course: Course, grades: pd.DataFrame, kpis_path: Path, out_dir: Path | None = None,
                     lang: str = "zh", method: MasteryMethod | None = None) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """Join the KPI file to training and write reports/kpi.html, kpi-before-after.csv and kpi-mastery.csv."""
    from caseloop.kpi import assign_phase, before_after, kpi_vs_mastery, read_kpis

    out_dir = out_dir or course.reports_dir
    curriculum = course.curriculum()
    kpis = assign_phase(read_kpis(kpis_path), grades)
    unknown = sorted(set(kpis["trainee"]) - set(grades["trainee"]))
    mastery = mastery_table(grades, curriculum, method)
    changes, relation = before_after(kpis), kpi_vs_mastery(kpis, mastery)
    out_dir.mkdir(parents=True, exist_ok=True)
    _atomic_csv(changes, out_dir / "kpi-before-after.csv")
    _atomic_csv(relation, out_dir / "kpi-mastery.csv")
    page = environment(lang).get_template("kpi.html").render(
        source=kpis_path.name, changes=changes, relation=relation, unknown=unknown,
        phases=kpis["phase"].value_counts().to_dict(), trainees=kpis["trainee"].nunique())
    path = out_dir / "kpi.html"
    write_atomically(path, page)
    return path, changes, relation


def run_lead_notebook(course: Course, out_dir: Path | None = None, cohort: str = "", lang: str = "zh",
                      method: str = "") -> tuple[Path, Path]:
    """Execute the packaged lead notebook with papermill for a cohort and export it to HTML.

    Writes reports/lead[-COHORT].ipynb (open it in JupyterLab to dig further) and its .html, which
    loads nothing from the network.
    """
    from importlib import resources

    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    out_dir = out_dir or course.reports_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"lead-{cohort}" if cohort else "lead"
    executed = out_dir / f"{stem}.ipynb"
    folder = resources.files("caseloop") / "notebooks"
    with resources.as_file(folder / "lead.ipynb") as notebook, resources.as_file(folder / "offline.html.j2") as page:
        papermill.execute_notebook(str(notebook), str(executed), cwd=str(course.root), progress_bar=False,
                                   parameters={"course": str(course.root), "cohort": cohort, "lang": lang,
                                               "method": method}, kernel_name="python3")
        exporter = HTMLExporter(template_name="lab", template_file=str(page))
        body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    html_path = out_dir / f"{stem}.html"
    write_atomically(html_path, body)
    return executed, html_path
