"""The `caseloop` command: one subcommand per pipeline stage, each a thin layer over its module.

Stage modules are imported inside each handler, so `--help` answers at once (nbgrader alone
takes seconds to import).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from caseloop.course import Course, CourseError


def _course(args: argparse.Namespace) -> Course:
    return Course.at(args.course) if args.course else Course.find()


def _progress(items, desc: str = "", unit: str = "trainee"):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)


def cmd_release(args: argparse.Namespace) -> int:
    from caseloop.release import release

    for path in release(_course(args), args.module, force=args.force):
        print(f"released {path}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from caseloop.grade import collect

    trainees = collect(_course(args), args.module)
    print(f"{len(trainees)} submissions of {args.module} in submitted/")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from caseloop.grade import GRADED, grade

    course = _course(args)
    results = grade(course, args.module, progress=lambda items: _progress(items, desc=f"grade {args.module}"))
    graded = sum(r.status == GRADED for r in results)
    print(f"graded {graded} of {len(results)} submissions of {args.module}")
    for result in results:
        if result.status != GRADED:
            print(f"  {result.trainee}: {result.status}: {result.detail}")
    print(f"batch status: {course.reports_dir / f'grade-{args.module}.csv'}")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    from caseloop.compile import compile_course

    table, path = compile_course(_course(args))
    print(f"{len(table)} rows ({table['trainee'].nunique()} trainees) written to {path}")
    return 0


def _grades(course: Course):
    from caseloop.compile import read_grades

    return read_grades(course.reports_dir / "grades.csv")


def _mastery_method(course: Course, name: str | None):
    """The curriculum's mastery method, or the same parameters with another method from --method."""
    from dataclasses import replace

    method = course.curriculum().mastery
    return replace(method, method=name) if name else method


def cmd_report(args: argparse.Namespace) -> int:
    course = _course(args)
    view = getattr(args, "view", None)
    if view == "kpi":
        from caseloop.report import write_kpi_report

        path, changes, _ = write_kpi_report(course, _grades(course), args.kpis, args.out, args.lang,
                                            _mastery_method(course, args.method))
        print(f"KPI report: {path} ({len(changes)} KPIs, paired n = {', '.join(map(str, changes['n']))})")
        return 0
    if view == "notebook":
        from caseloop.report import run_lead_notebook

        notebook, html_path = run_lead_notebook(course, args.out, args.cohort or "", args.lang, args.method or "")
        print(f"lead notebook: {notebook}\n         html: {html_path}")
        return 0
    from caseloop.report import write_reports

    cohort, trainees = write_reports(course, _grades(course), args.out, args.lang, args.cohort,
                                     _mastery_method(course, args.method))
    print(f"cohort report: {cohort}")
    print(f"{len(trainees)} trainee reports in {trainees[0].parent if trainees else cohort.parent}")
    print(f"tables: {cohort.parent / 'cohort.xlsx'} and {cohort.parent}/*.csv")
    return 0


def cmd_revise(args: argparse.Namespace) -> int:
    from caseloop.revise import backlog, item_statistics, write_backlog

    course = _course(args)
    stats = item_statistics(_grades(course))
    entries = backlog(stats)
    md, csv = write_backlog(stats, entries, args.out or course.reports_dir)
    print(f"{len(entries)} backlog entries from {len(stats)} graded cells")
    print(f"revision backlog: {md}\n                  {csv}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from caseloop.demo import run

    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="caseloop-demo-"))
    paths = run(_course(args), workspace, size=args.trainees, seed=args.seed, progress=_progress)
    width = max(map(len, paths))
    for name, path in paths.items():
        print(f"{name:<{width}}  {path}")
    return 0


COMMANDS = {
    "release": (cmd_release, "generate the trainee version of a module and release it to trainees",
                "Reads source/MODULE/*.ipynb; writes release/MODULE/ (nbgrader generate_assignment) and "
                "publishes it to the exchange (nbgrader release_assignment)."),
    "collect": (cmd_collect, "collect trainees' submissions of a module",
                "Reads the exchange's inbound submissions; writes submitted/TRAINEE/MODULE/."),
    "grade": (cmd_grade, "autograde every collected submission of a module",
              "Reads submitted/*/MODULE/; writes autograded/TRAINEE/MODULE/, the scores into the gradebook "
              "(gradebook.db) and each trainee's outcome into reports/grade-MODULE.csv. A broken notebook is "
              "reported by name and does not stop the batch."),
    "compile": (cmd_compile, "compile the gradebook into one tidy grade table",
                "Reads the gradebook, source/*/*.ipynb cell metadata (competency, case) and autograded/ "
                "feedback; writes reports/grades.csv (one row per trainee x graded cell x attempt)."),
    "report": (cmd_report, "write per-trainee and cohort competency reports",
               "Reads reports/grades.csv, reports/grade-*.csv, reports/cohorts.csv (optional), source/*/*.ipynb "
               "and source/curriculum.yaml (mastery method, gates, certification, targets); writes "
               "reports/cohort.html, reports/trainees/TRAINEE.html, one CSV per table (mastery, gates, levels, "
               "path, risk, gain, targets, trend ...) and reports/cohort.xlsx. "
               "`report kpi` and `report notebook` write the KPI report and the lead notebook."),
    "revise": (cmd_revise, "item statistics per graded cell and the revision backlog",
               "Reads reports/grades.csv; writes reports/item-statistics.csv, reports/revision-backlog.md "
               "and reports/revision-backlog.csv."),
    "demo": (cmd_demo, "run the whole loop on a simulated cohort in a fresh workspace",
             "Reads this course's source/, cases/ and nbgrader_config.py; writes only into the workspace "
             "(default: a new temporary folder): release, exchange, submissions, gradebook, reports."),
}


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="caseloop",
        description="Train e-commerce customer-service agents with Jupyter notebooks: "
                    "release -> collect -> grade -> compile -> report -> revise.")
    main_parser.add_argument("--course", type=Path, help="course directory (default: the folder with "
                                                         "nbgrader_config.py, here or above)")
    sub = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (handler, summary, details) in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {details}")
        command.set_defaults(handler=handler)
        if name in {"release", "collect", "grade"}:
            command.add_argument("module", metavar="MODULE", help="module id, e.g. m01")
    sub.choices["release"].add_argument("--force", action="store_true",
                                        help="replace a module already released to the exchange")
    for name in ("report", "revise"):
        sub.choices[name].add_argument("--out", type=Path, help="output folder (default: reports/)")
    _add_report_options(sub.choices["report"])
    demo = sub.choices["demo"]
    demo.add_argument("--workspace", type=Path, help="an empty or new folder for the demo course")
    demo.add_argument("--trainees", type=int, default=32, help="cohort size (default: 32)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed of the simulated answers")
    return main_parser


REPORT_VIEWS = {
    "kpi": ("join agent KPIs to training: before/after and relation to mastery",
            "Reads the KPI file (--kpis: trainee, period, optional phase, KPI columns), reports/grades.csv and "
            "source/curriculum.yaml; writes reports/kpi.html, reports/kpi-before-after.csv and "
            "reports/kpi-mastery.csv."),
    "notebook": ("execute the lead notebook with papermill and export it to HTML",
                 "Reads the packaged lead notebook, reports/grades.csv and source/curriculum.yaml; writes "
                 "reports/lead[-COHORT].ipynb (open it in JupyterLab) and reports/lead[-COHORT].html."),
}


def _add_report_options(report: argparse.ArgumentParser) -> None:
    """--lang, --cohort, --method on `report` and on each of its views (kpi, notebook)."""
    from caseloop.course import MASTERY_METHODS

    def options(parser: argparse.ArgumentParser, default: object) -> None:
        parser.add_argument("--lang", choices=["zh", "en"], default="zh" if default is None else default,
                            help="report language (default: zh)")
        parser.add_argument("--cohort", default=default, help="only this cohort (reports/cohorts.csv, or the "
                                                              "month of the first submission, e.g. 2026-03)")
        parser.add_argument("--method", choices=MASTERY_METHODS, default=default,
                            help="mastery method instead of the curriculum's")

    options(report, None)
    views = report.add_subparsers(dest="view", metavar="VIEW")
    for name, (summary, details) in REPORT_VIEWS.items():
        view = views.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {details}")
        options(view, argparse.SUPPRESS)
        view.add_argument("--out", type=Path, default=argparse.SUPPRESS, help="output folder (default: reports/)")
    views.choices["kpi"].add_argument("--kpis", type=Path, required=True, help="KPI CSV file")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except CourseError as err:
        print(f"caseloop: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("caseloop: interrupted; files already written are complete, rerun the command to finish",
              file=sys.stderr)
        return 130
