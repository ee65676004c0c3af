"""The handlers of the pipeline's subcommands: release, collect, grade, compile, report, revise, lab, feedback, demo."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from caseloop.cli.common import course_of, grades_of, progress
from caseloop.course import Course, CourseError


def cmd_release(args: argparse.Namespace) -> int:
    from caseloop.release import release

    course = course_of(args)
    for path in release(course, args.module, force=args.force):
        print(f"released {path}")
    print(f"trainees fetch {args.module} from the exchange {course.exchange_dir}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from caseloop.grade import collect

    trainees = collect(course_of(args), args.module)
    print(f"{len(trainees)} submissions of {args.module} in submitted/")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from caseloop.course.journal import journal_path
    from caseloop.grade import GradeOptions, grade, pipeline_note, watch

    course = course_of(args)
    if args.restore_backup:
        from caseloop.course.backups import restore_backup, shown

        chosen = None if args.restore_backup == "newest" else Path(args.restore_backup)
        restored, kept = restore_backup(course, args.module, chosen)
        print(f"restored the gradebook {shown(course.db_url().removeprefix('sqlite:///'))} from {restored}")
        if kept:
            print(f"the gradebook it replaced is kept as {kept}")
        print(f"grade again with `caseloop grade {args.module}`")
        return 0
    options = GradeOptions(workers=args.workers, timeout=args.timeout, memory_mb=args.memory_limit,
                           fast_path=not args.no_fast_path, regrade=args.regrade, cluster=args.cluster,
                           accept_gradebook=args.accept_gradebook)

    def bar(items, total):
        return progress(items, desc=f"grade {args.module}", unit="submission", total=total)

    note = pipeline_note(course)
    if note:
        print(note, file=sys.stderr)
    if args.watch:
        watch(course, args.module, options, interval=args.interval, echo=lambda line: print(line, flush=True))
        return 0
    results = grade(course, args.module, options, progress=bar)
    print(status_table(results))
    print(f"batch status: {journal_path(course, args.module)}")
    return 0


def status_table(results) -> str:
    """Count per status, then one line per submission that did not simply get graded."""
    from collections import Counter

    counts = Counter(r.status for r in results)
    lines = [f"{len(results)} submissions: " + ", ".join(f"{n} {status}" for status, n in counts.most_common())]
    lines += [f"  {r.trainee:<20} {r.status:<18} {r.detail}" for r in results if r.status != "graded"]
    return "\n".join(lines)


def cmd_compile(args: argparse.Namespace) -> int:
    from caseloop.analysis.mastery import latest_attempts
    from caseloop.compile import compile_course

    table, path = compile_course(course_of(args))
    print(f"{len(table)} rows ({table['trainee'].nunique()} trainees) written to {path}")
    waiting = int(latest_attempts(table)["needs_manual_grade"].sum()) if len(table) else 0
    if waiting:
        print(f"{waiting} items wait for a mentor's grade: `caseloop lab`, then Nbgrader > Formgrader > Manual Grading")
    return 0


def _mastery_method(course: Course, name: str | None):
    """The curriculum's mastery method, or the same parameters with another method from --method."""
    from dataclasses import replace

    from caseloop.analysis.mastery import METHODS

    if name and name not in METHODS:
        raise CourseError(f"--method {name}: unknown mastery method; use one of {', '.join(METHODS)}")
    method = course.curriculum().mastery
    return replace(method, method=name) if name else method


def warn(note: tuple[str, str]) -> None:
    """A (zh, en) warning about an input file, on stderr."""
    print(f"caseloop: warning: {note[1]}\n  {note[0]}", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    course = course_of(args)
    view = getattr(args, "view", None)
    if view == "kpi":
        from caseloop.report import write_kpi_report

        path, changes, _ = write_kpi_report(course, grades_of(course), args.kpis, args.out, args.lang,
                                            _mastery_method(course, args.method), warn)
        print(f"KPI report: {path} ({len(changes)} KPIs, paired n = {', '.join(map(str, changes['n']))})")
        return 0
    if view == "notebook":
        from caseloop.report import run_lead_notebook

        notebook, html_path = run_lead_notebook(course, args.out, args.cohort or "", args.lang, args.method or "")
        print(f"lead notebook: {notebook}\n         html: {html_path}")
        return 0
    from caseloop.report import write_reports

    cohort, trainees = write_reports(course, grades_of(course), args.out, args.lang, args.cohort,
                                     _mastery_method(course, args.method), warn)
    print(f"cohort report: {cohort}")
    print(f"{len(trainees)} trainee reports in {trainees[0].parent if trainees else cohort.parent}")
    print(f"tables: {cohort.parent / 'cohort.xlsx'} and {cohort.parent}/*.csv")
    return 0


def cmd_revise(args: argparse.Namespace) -> int:
    from caseloop.revise import revise

    course = course_of(args)
    result = revise(course, grades_of(course), trainees=args.trainee, cohort=args.cohort, out_dir=args.out)
    cells = int((result.stats["level"] == "cell").sum())
    print(f"{len(result.backlog)} backlog entries from {cells} graded cells")
    for name, path in result.paths.items():
        print(f"{name:<18} {path}")
    for path in result.notebooks + result.cases:
        print(f"updated            {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from caseloop import demo

    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="caseloop-demo-"))
    if args.quick:
        paths = demo.run_module(course_of(args), workspace, size=args.trainees, seed=args.seed, lang=args.lang,
                                progress=progress)
    else:
        paths = demo.run(course_of(args), workspace, seed=args.seed, lang=args.lang, progress=progress)
    width = max(map(len, paths))
    for name, path in paths.items():
        print(f"{name:<{width}}  {path}")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    import signal

    from caseloop import lab

    def stop_on_term(signum: int, frame: object) -> None:  # `kill PID` stops JupyterLab too, like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_term)
    user = args.trainee or lab.MENTOR
    server = lab.start(course_of(args), user, port=args.port, practice=args.practice)
    role = f"trainee {user}: Nbgrader > Assignment List" if args.trainee else "mentor: Nbgrader > Formgrader"
    print(f"JupyterLab for {role}\n{server.url}\nCtrl-C stops the server", flush=True)
    try:
        return server.process.wait()
    except KeyboardInterrupt:
        print("JupyterLab stopped", file=sys.stderr)
        return 0
    finally:
        server.stop()


def cmd_feedback(args: argparse.Namespace) -> int:
    from caseloop.feedback import feedback

    pages = feedback(course_of(args), args.module, args.trainee or None)
    print(f"{len(pages)} feedback pages with competency summaries released for {args.module}; trainees fetch "
          "them with Fetch Feedback in the assignment list")
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    from caseloop.grade.queue import UNSURE, waiting

    course = course_of(args)
    queue = waiting(course, args.module)
    course.reports_dir.mkdir(parents=True, exist_ok=True)
    path = course.reports_dir / f"review-queue-{args.module}.csv"
    queue.to_csv(path, index=False)
    if queue.empty:
        print(f"nothing in {args.module} waits for a mentor; wrote {path}")
        return 0
    unsure = int((queue["waits_because"] == UNSURE).sum())
    print(f"{len(queue)} cells of {args.module} wait for a mentor ({unsure} the grader was unsure of, first); "
          f"wrote {path}")
    for row in queue.itertuples():
        why = f"unsure: {row.reasons}" if row.waits_because == UNSURE else "rubric"
        print(f"{row.Index + 1:>3}. {row.trainee}  {row.notebook}/{row.cell}  autograde {row.autograde:g}/"
              f"{row.max_score:g}  {why}  {row.formgrader}")
    return 0
