"""Writing a course's reports: trainee and cohort pages, tables, the KPI page and the lead notebook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from caseloop.analysis.mastery import mastery_table
from caseloop.analysis.versions import follow_versions, latest_release_rows
from caseloop.checks.reasons import RED_LINES
from caseloop.course import Course, CourseError, staged, write_atomically
from caseloop.curriculum import Curriculum, MasteryMethod
from caseloop.report.export import atomic_csv, export_tables
from caseloop.report.pages import environment, render_cohort_report, render_trainee_reports
from caseloop.report.tables import (
    COHORTS_FILE,
    CohortTables,
    batch_status,
    cohort_of,
    cohort_tables,
    read_cohorts,
    read_flagged,
    read_ratings,
)
from caseloop.schemas import Finding, InvalidFile

Warn = Callable[[tuple[str, str]], None]
"""Hears a (zh, en) warning the page also shows."""


def coverage(path: Path, listed: pd.Series, graded: pd.Series) -> tuple[str, str] | None:
    """A (zh, en) warning when fewer than half of the trainees a KPI or cohort file lists have grades, else None."""
    names = set(listed.dropna())
    found = names & set(graded)
    if not names or len(found) * 2 >= len(names):
        return None
    missing = sorted(names - found)
    shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
    return (f"{path}：列出的 {len(names)} 名学员中只有 {len(found)} 名在成绩表中（不在表中：{shown}）；"
            "请对照 reports/grades.csv 检查 trainee 列的编号",
            f"{path}: only {len(found)} of the {len(names)} trainees it lists are in the grade table (not there: "
            f"{shown}); check the trainee column's ids against reports/grades.csv")


def _declared(items: pd.DataFrame, curriculum: Curriculum, course: Course) -> None:
    """Every competency a graded cell is tagged with is declared in the curriculum; checked before any page."""
    from caseloop.compile import COMPETENCY_MAP_FILE

    codes = items.assign(code=items["competency"].str.split(";")).explode("code")
    unknown = codes[~codes["code"].isin(list(curriculum.competencies))]
    if len(unknown):
        declared = ", ".join(curriculum.competencies)
        raise InvalidFile([Finding(course.source_dir / row.module / f"{row.notebook}.ipynb", None,
                                   f"cell {row.cell}: caseloop.competency",
                                   f"能力 {row.code!r} 未在 {course.curriculum_path} 中声明",
                                   f"the competency {row.code!r} is not declared in {course.curriculum_path}",
                                   f"tag the cell (its metadata, or its entry in source/{COMPETENCY_MAP_FILE}) with "
                                   f"one of {declared}, or add {row.code} to the curriculum's competencies")
                           for row in unknown.itertuples()])


def reply_texts(course: Course, trainees: set[str]) -> pd.DataFrame:
    """What TRAINEES wrote in each answer cell, keyed by the graded cell that scores it (for red-line excerpts)."""
    from caseloop.compile import source_items, submitted_answers

    answers = submitted_answers(course)
    answers = answers[answers["trainee"].isin(trainees)]
    scored_by = source_items(course).dropna(subset=["answer_cell"])
    scored_by = scored_by[["module", "notebook", "cell", "answer_cell"]].rename(columns={"answer_cell": "field"})
    return answers.merge(scored_by, on=["module", "notebook", "field"])[["trainee", "module", "cell", "text"]]


def course_tables(course: Course, grades: pd.DataFrame, cohort: str | None = None,
                  method: MasteryMethod | None = None,
                  warn: Warn | None = None) -> tuple[CohortTables, pd.Series, list[str]]:
    """Read what the reports need from the course and build the tables, for one cohort or all.

    Returns the tables, each trainee's cohort and the trainees of the chosen cohort; `warn` hears when
    reports/cohorts.csv lists mostly trainees without grades.
    """
    from caseloop.compile import item_table

    curriculum, items = course.curriculum(), item_table(course)
    _declared(items, curriculum, course)
    grades = follow_versions(grades, curriculum)
    items = latest_release_rows(items, curriculum, ["module", "notebook", "cell"])
    status = latest_release_rows(batch_status(course), curriculum, ["trainee", "module"])
    assigned = read_cohorts(course)
    note = None if assigned is None else coverage(course.reports_dir / COHORTS_FILE, assigned["trainee"],
                                                  grades["trainee"])
    if note and warn:
        warn(note)
    cohorts = cohort_of(grades, assigned)
    if cohort:
        chosen = sorted(t for t, c in cohorts.items() if c == cohort)
        if not chosen:
            raise CourseError(f"no trainee in cohort {cohort!r}; known cohorts: {', '.join(sorted(set(cohorts)))} "
                              f"(from {course.reports_dir / COHORTS_FILE} or the month of the first submission)")
        grades, status = grades[grades["trainee"].isin(chosen)], status[status["trainee"].isin(chosen)]
    broke = set(grades.loc[grades["failures"].fillna("").str.contains("|".join(RED_LINES)), "trainee"].astype(str))
    flagged = read_flagged(course)
    if flagged is not None:
        flagged = latest_release_rows(flagged, curriculum, ["module", "cell"])[["module", "cell"]]
    replies = latest_release_rows(reply_texts(course, broke), curriculum, ["trainee", "module", "cell"]) \
        if broke else None
    tables = cohort_tables(grades, curriculum, status, items, cohorts, method, flagged, replies,
                           read_ratings(course, curriculum))
    return tables, cohorts, list(tables.levels["trainee"])


def write_reports(course: Course, grades: pd.DataFrame, out_dir: Path | None = None, lang: str = "zh",
                  cohort: str | None = None, method: MasteryMethod | None = None,
                  warn: Warn | None = None) -> tuple[Path, list[Path]]:
    """Write the cohort report, one report per trainee and the exported tables; return the report paths.

    Everything is written to a temporary folder first and moved into place once all of it is written,
    so a run that fails leaves the report folder as it was. `warn` hears what the pages also say.
    """
    out_dir = out_dir or course.reports_dir
    notes: list[tuple[str, str]] = []
    tables, cohorts, trainees = course_tables(course, grades, cohort, method, notes.append)
    for note in notes if warn else ():
        warn(note)
    curriculum = course.curriculum()
    with staged(out_dir) as stage:
        pages = render_trainee_reports(tables, curriculum, stage, lang, trainees, cohorts)
        render_cohort_report(tables, curriculum, stage / "cohort.html", lang, cohort or "", method, notes)
        export_tables(tables, stage, curriculum, lang)
    return out_dir / "cohort.html", [out_dir / page.relative_to(stage) for page in pages]


def write_kpi_report(course: Course, grades: pd.DataFrame, kpis_path: Path, out_dir: Path | None = None,
                     lang: str = "zh", method: MasteryMethod | None = None,
                     warn: Warn | None = None) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """Join the KPI file to training; write reports/kpi.html, kpi-before-after.csv, kpi-amazon.csv, kpi-mastery.csv.

    `warn` hears (and the page says) when fewer than half of the file's agents have grades.
    """
    from caseloop.analysis import kpi as kpi_analysis

    out_dir = out_dir or course.reports_dir
    curriculum = course.curriculum()
    listed = kpi_analysis.read_kpis(kpis_path)
    notes = [note for note in [coverage(kpis_path, listed["trainee"], grades["trainee"])] if note]
    for note in notes if warn else ():
        warn(note)
    grades = follow_versions(grades, curriculum)
    kpis, unknown = kpi_analysis.compared_agents(listed, grades)
    kpis = kpi_analysis.assign_phase(kpis, grades)
    mastery = mastery_table(grades, curriculum, method)
    changes, amazon = kpi_analysis.before_after(kpis), kpi_analysis.amazon_rates(kpis)
    relation = kpi_analysis.kpi_vs_mastery(kpis, mastery)
    page = environment(lang).get_template("kpi.html").render(
        source=kpis_path.name, changes=changes, amazon=amazon, relation=relation, unknown=unknown, notes=notes,
        phases=kpis["phase"].value_counts().to_dict(), trainees=kpis["trainee"].nunique())
    with staged(out_dir) as stage:
        atomic_csv(changes, stage / "kpi-before-after.csv")
        atomic_csv(amazon, stage / "kpi-amazon.csv")
        atomic_csv(relation, stage / "kpi-mastery.csv")
        write_atomically(stage / "kpi.html", page)
    return out_dir / "kpi.html", changes, relation


def run_lead_notebook(course: Course, out_dir: Path | None = None, cohort: str = "", lang: str = "zh",
                      method: str = "") -> tuple[Path, Path]:
    """Execute the packaged lead notebook with papermill for a cohort and export it to HTML.

    Writes reports/lead[-COHORT].ipynb (open it in JupyterLab to dig further) and its .html, which
    loads nothing from the network; both appear together once the notebook ran, or neither changes.
    """
    from importlib import resources

    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    from caseloop.compile import read_grades, require_grades

    grades_path = course.reports_dir / "grades.csv"
    require_grades(read_grades(grades_path), grades_path)  # the notebook would fail on it, deep in papermill
    out_dir = out_dir or course.reports_dir
    stem = f"lead-{cohort}" if cohort else "lead"
    folder = resources.files("caseloop") / "notebooks"
    with (staged(out_dir) as stage, resources.as_file(folder / "lead.ipynb") as notebook,
          resources.as_file(folder / "offline.html.j2") as page):
        papermill.execute_notebook(str(notebook), str(stage / f"{stem}.ipynb"), cwd=str(course.root),
                                   progress_bar=False, parameters={"course": str(course.root), "cohort": cohort,
                                                                   "lang": lang, "method": method},
                                   kernel_name="python3")
        exporter = HTMLExporter(template_name="lab", template_file=str(page))
        body, _ = exporter.from_notebook_node(nbformat.read(stage / f"{stem}.ipynb", as_version=4))
        write_atomically(stage / f"{stem}.html", body)
    return out_dir / f"{stem}.ipynb", out_dir / f"{stem}.html"
