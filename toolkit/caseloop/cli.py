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


def cmd_report(args: argparse.Namespace) -> int:
    from caseloop.report import write_reports

    course = _course(args)
    cohort, trainees = write_reports(course, _grades(course), args.out)
    print(f"cohort report: {cohort}")
    print(f"{len(trainees)} trainee reports in {trainees[0].parent if trainees else cohort.parent}")
    return 0


def cmd_revise(args: argparse.Namespace) -> int:
    from caseloop.revise import revise

    course = _course(args)
    result = revise(course, _grades(course), cohorts=args.cohort, out_dir=args.out)
    cells = int((result.stats["level"] == "cell").sum())
    print(f"{len(result.backlog)} backlog entries from {cells} graded cells")
    for name, path in result.paths.items():
        print(f"{name:<18} {path}")
    for path in result.notebooks + result.cases:
        print(f"updated            {path}")
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
                "Reads the gradebook, source/*/*.ipynb cell metadata (competency, case; for cells without it "
                "source/competency-map.yaml) and autograded/ "
                "feedback; writes reports/grades.csv (one row per trainee x graded cell x attempt)."),
    "report": (cmd_report, "write per-trainee and cohort competency reports",
               "Reads reports/grades.csv, reports/grade-*.csv and source/curriculum.yaml; writes "
               "reports/cohort.html, reports/trainees/TRAINEE.html and reports/competency-scores.csv."),
    "revise": (cmd_revise, "item statistics per graded cell and exercise, the survey, and the revision backlog",
               "Reads reports/grades.csv, source/item_analysis.yaml (thresholds), source/*/*.ipynb and the "
               "autograded notebooks (options picked, survey answers); writes reports/item-statistics.csv, "
               "reports/module-statistics.csv, reports/survey.csv, reports/revision-backlog.md and .csv, "
               "each graded source cell's caseloop.stats metadata and revision_flags in the worst items' cases/."),
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
    sub.choices["revise"].add_argument("--cohort", action="append", metavar="GLOB",
                                       help="only trainees whose id matches (repeatable, e.g. '2026-03-*')")
    demo = sub.choices["demo"]
    demo.add_argument("--workspace", type=Path, help="an empty or new folder for the demo course")
    demo.add_argument("--trainees", type=int, default=32, help="cohort size (default: 32)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed of the simulated answers")
    return main_parser


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
