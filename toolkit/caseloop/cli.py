"""The `caseloop` command: one subcommand per pipeline stage, each a thin layer over its module.

Stage modules are imported inside each handler, so `--help` answers at once (nbgrader alone
takes seconds to import).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from caseloop.course import Course, CourseError


def _course(args: argparse.Namespace) -> Course:
    return Course.at(args.course) if args.course else Course.find()


def _progress(items, desc: str = "", unit: str = "trainee", total: int | None = None):
    """A progress bar with rate and ETA on stderr."""
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: grading forks worker processes
    return tqdm(items, desc=desc, unit=unit, total=total, file=sys.stderr, dynamic_ncols=True)


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
    from caseloop.grade import GradeOptions, batch_status_path, grade, watch

    course = _course(args)
    options = GradeOptions(workers=args.workers, timeout=args.timeout, memory_mb=args.memory_limit or None,
                           fast_path=not args.no_fast_path, regrade=args.regrade, cluster=args.cluster)

    def progress(items, total):
        return _progress(items, desc=f"grade {args.module}", unit="submission", total=total)

    if args.watch:
        watch(course, args.module, options, interval=args.interval, echo=lambda line: print(line, flush=True))
        return 0
    results = grade(course, args.module, options, progress=progress)
    print(status_table(results))
    print(f"batch status: {batch_status_path(course, args.module)}")
    return 0


def status_table(results) -> str:
    """Count per status, then one line per submission that did not simply get graded."""
    from collections import Counter

    counts = Counter(r.status for r in results)
    lines = [f"{len(results)} submissions: " + ", ".join(f"{n} {status}" for status, n in counts.most_common())]
    lines += [f"  {r.trainee:<20} {r.status:<18} {r.detail}" for r in results if r.status != "graded"]
    return "\n".join(lines)


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
              "(gradebook.db, backed up first to .caseloop/backups/) and each trainee's outcome into "
              "reports/grade-MODULE.csv. A broken notebook is reported by name and does not stop the batch; "
              "a killed batch resumes where it stopped when run again."),
    "compile": (cmd_compile, "compile the gradebook into one tidy grade table",
                "Reads the gradebook, source/*/*.ipynb cell metadata (competency, case) and autograded/ "
                "feedback; writes reports/grades.csv (one row per trainee x graded cell x attempt)."),
    "report": (cmd_report, "write per-trainee and cohort competency reports",
               "Reads reports/grades.csv, reports/grade-*.csv and source/curriculum.yaml; writes "
               "reports/cohort.html, reports/trainees/TRAINEE.html and reports/competency-scores.csv."),
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
    grade_cmd = sub.choices["grade"]
    grade_cmd.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                           help="parallel grading processes (default: one per core)")
    grade_cmd.add_argument("--timeout", type=int, help="seconds a cell may run (default: nbgrader_config.py)")
    grade_cmd.add_argument("--memory-limit", type=int, default=2048, metavar="MB",
                           help="memory limit of each kernel in MB, 0 for none (default: 2048)")
    grade_cmd.add_argument("--no-fast-path", action="store_true",
                           help="run every submission in a Jupyter kernel, literal answers included")
    grade_cmd.add_argument("--regrade", action="store_true",
                           help="grade again submissions that already have scores")
    grade_cmd.add_argument("--watch", action="store_true",
                           help="keep collecting and grading new submissions as they arrive (Ctrl-C stops)")
    grade_cmd.add_argument("--interval", type=float, default=5.0, help="seconds between checks with --watch")
    grade_cmd.add_argument("--cluster", metavar="ADDRESS",
                           help="run the grading tasks on this Dask scheduler (workers must share the course "
                                "directory), e.g. tcp://10.0.0.5:8786")
    sub.choices["release"].add_argument("--force", action="store_true",
                                        help="replace a module already released to the exchange")
    for name in ("report", "revise"):
        sub.choices[name].add_argument("--out", type=Path, help="output folder (default: reports/)")
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
