"""Writing a course's reports: trainee and cohort pages, tables, the KPI page and the lead notebook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from caseloop.analysis.mastery import mastery_table
from caseloop.course import Course, CourseError, write_atomically
from caseloop.curriculum import MasteryMethod
from caseloop.report.pages import (
    atomic_csv,
    environment,
    export_tables,
    render_cohort_report,
    render_trainee_reports,
)
from caseloop.report.tables import COHORTS_FILE, CohortTables, batch_status, cohort_of, cohort_tables, read_cohorts


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
    """Join the KPI file to training; write reports/kpi.html, kpi-before-after.csv, kpi-amazon.csv, kpi-mastery.csv."""
    from caseloop.analysis import kpi as kpi_analysis

    out_dir = out_dir or course.reports_dir
    curriculum = course.curriculum()
    kpis, unknown = kpi_analysis.compared_agents(kpi_analysis.read_kpis(kpis_path), grades)
    kpis = kpi_analysis.assign_phase(kpis, grades)
    mastery = mastery_table(grades, curriculum, method)
    changes, amazon = kpi_analysis.before_after(kpis), kpi_analysis.amazon_rates(kpis)
    relation = kpi_analysis.kpi_vs_mastery(kpis, mastery)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_csv(changes, out_dir / "kpi-before-after.csv")
    atomic_csv(amazon, out_dir / "kpi-amazon.csv")
    atomic_csv(relation, out_dir / "kpi-mastery.csv")
    page = environment(lang).get_template("kpi.html").render(
        source=kpis_path.name, changes=changes, amazon=amazon, relation=relation, unknown=unknown,
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
