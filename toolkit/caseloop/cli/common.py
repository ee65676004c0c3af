"""What every subcommand needs: the course it works on, a progress bar, the grade table."""

from __future__ import annotations

import argparse
import sys

from caseloop.course import Course


def course_of(args: argparse.Namespace) -> Course:
    return Course.at(args.course) if args.course else Course.find()


def progress(items, desc: str = "", unit: str = "trainee", total: int | None = None):
    """A progress bar with rate and ETA on stderr."""
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: grading forks worker processes
    return tqdm(items, desc=desc, unit=unit, total=total, file=sys.stderr, dynamic_ncols=True)


def add_tasks(group: argparse.ArgumentParser, tasks: dict, handler_attr: str) -> argparse._SubParsersAction:
    """One subcommand per task of a command group; the handler is stored under `handler_attr`."""
    sub = group.add_subparsers(dest=f"{handler_attr}_task", required=True, metavar="TASK")
    for name, (handler, summary, details) in tasks.items():
        command = sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {details}")
        command.set_defaults(**{handler_attr: handler})
    return sub


def grades_of(course: Course):
    from caseloop.compile import read_grades

    return read_grades(course.reports_dir / "grades.csv")
