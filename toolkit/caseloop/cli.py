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
    from caseloop.mastery import latest_attempts

    table, path = compile_course(_course(args))
    print(f"{len(table)} rows ({table['trainee'].nunique()} trainees) written to {path}")
    waiting = int(latest_attempts(table)["needs_manual_grade"].sum()) if len(table) else 0
    if waiting:
        print(f"{waiting} items wait for a mentor's grade: `caseloop lab`, then Nbgrader > Formgrader > Manual Grading")
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


def cmd_lab(args: argparse.Namespace) -> int:
    from caseloop import lab

    user = args.trainee or lab.MENTOR
    server = lab.start(_course(args), user, port=args.port)
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

    pages = feedback(_course(args), args.module, args.trainee or None)
    print(f"{len(pages)} feedback pages with competency summaries released for {args.module}; trainees fetch "
          "them with Fetch Feedback in the assignment list")
    return 0


def _read_text(source: str) -> str:
    """A ticket from a file, or from standard input for "-"."""
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError) as err:
        raise CourseError(f"{source}: cannot read the ticket ({err.__class__.__name__}); pass a UTF-8 text file "
                          "or - for standard input") from None


def _print_replacements(replacements, file=None) -> None:
    print(f"{len(replacements)} replacement(s) / 替换:", file=file)
    for r in replacements:
        print(f"  line {r.line:<4} {r.kind:<9} {r.original!r} -> {r.replacement}", file=file)


def _library(args: argparse.Namespace):
    """The case library; a broken case file is left out with a warning, so one typo does not block a search."""
    from caseloop.cases import Library

    library = Library.load(_course(args).cases_dir, skip_invalid=True)
    broken = sorted({str(problem.path) for problem in library.skipped})
    if broken:
        print(f"caseloop: warning: left out {len(broken)} file(s) with problems ({', '.join(broken)}); "
              "run `caseloop cases validate` for the fixes", file=sys.stderr)
    return library


def cmd_cases(args: argparse.Namespace) -> int:
    return args.cases_handler(args)


def cmd_cases_validate(args: argparse.Namespace) -> int:
    from caseloop.cases import read_library

    folder = _course(args).cases_dir
    files = read_library(folder)
    for problem in files.problems:
        print(problem)
    if files.problems:
        print(f"{len(files.problems)} problem(s) in {folder}; no file was changed", file=sys.stderr)
        return 1
    states = [case["review"]["state"] for case in files.cases.values()]
    print(f"{len(states)} cases in {folder} are valid ({states.count('approved')} approved, "
          f"{states.count('draft')} draft, {states.count('archived')} archived)")
    return 0


def cmd_cases_new(args: argparse.Namespace) -> int:
    from caseloop.cases import new_case

    ticket = _read_text(args.from_ticket) if args.from_ticket else None
    path, replacements = new_case(_course(args).cases_dir, args.type, args.market, args.title, ticket, args.name)
    print(f"draft case written to {path}; fill in every TODO, then `caseloop cases review {path.stem} --approve`")
    if ticket:
        _print_replacements(replacements)
    return 0


def cmd_cases_scrub(args: argparse.Namespace) -> int:
    from caseloop.cases import scrub
    from caseloop.course import write_atomically

    text, replacements = scrub(_read_text(args.ticket), args.name)
    if args.out:
        write_atomically(args.out, text)
        _print_replacements(replacements)
        print(f"scrubbed text written to {args.out}")
    else:
        sys.stdout.write(text)
        _print_replacements(replacements, file=sys.stderr)
    return 0


def cmd_cases_review(args: argparse.Namespace) -> int:
    from caseloop.cases import set_review

    path = set_review(_course(args).cases_dir, args.id, args.state, args.reviewer)
    print(f"{args.id} is now {args.state} (reviewer {args.reviewer}): {path}")
    return 0


def _print_hits(hits) -> int:
    if hits.empty:
        print("没有匹配的案例 / no matching case")
        return 0
    print(hits.assign(score=hits["score"].round(2)).to_string(index=False))
    return 0


def cmd_cases_search(args: argparse.Namespace) -> int:
    hits = _library(args).search(args.query, tags=args.tag, problem_type=args.type, market=args.market,
                                 state=None if args.state == "any" else args.state, limit=args.limit)
    return _print_hits(hits)


def cmd_cases_similar(args: argparse.Namespace) -> int:
    return _print_hits(_library(args).similar(args.id, args.text, limit=args.limit))


def cmd_cases_stats(args: argparse.Namespace) -> int:
    from caseloop.cases import write_stats

    course = _course(args)
    stats, csv_path, html_path = write_stats(_library(args), args.out or course.reports_dir)
    for dimension, table in stats.groupby("dimension", sort=False):
        print(f"\n{dimension}")
        print(table.drop(columns=["dimension", "value"]).assign(share=table["share"].map("{:.0%}".format))
              .to_string(index=False))
    print(f"\ntable: {csv_path}\nchart: {html_path}")
    return 0


CASES_COMMANDS = {
    "validate": (cmd_cases_validate, "check every case file against the schema",
                 "Reads cases/*.yaml and cases/sources.yaml; writes nothing. Lists every problem with file, field "
                 "and fix, and exits with status 1 if there is any."),
    "new": (cmd_cases_new, "scaffold a draft case, optionally from a pasted real ticket",
            "Reads cases/ (for the next free id) and the ticket file if given (scrubbed before use); writes "
            "cases/C-NNNN.yaml as a draft with TODO where a person must write."),
    "scrub": (cmd_cases_scrub, "remove personal data from a real ticket",
              "Reads TICKET (a text file, or - for standard input); writes the scrubbed text to standard output or "
              "--out, and a table of every replacement (names, e-mails, phones, addresses, order ids, tracking "
              "numbers). Scrubbing twice changes nothing."),
    "review": (cmd_cases_review, "approve, archive or reopen a case",
               "Reads cases/ID.yaml and cases/sources.yaml; writes the review entry (state, reviewer, date) of "
               "cases/ID.yaml, only if the case passes every check for that state."),
    "search": (cmd_cases_search, "ranked keyword search (English, Chinese, ...) with tag, type and market filters",
               "Reads cases/*.yaml; writes nothing. Prints the best-matching approved cases; an empty query "
               "browses by the filters."),
    "similar": (cmd_cases_similar, "cases most like a given case or a new buyer message",
                "Reads cases/*.yaml; writes nothing. Prints the approved cases closest to case ID or to --text."),
    "stats": (cmd_cases_stats, "case counts by problem type, product line, market, root cause and outcome",
              "Reads cases/*.yaml; writes reports/case-stats.csv and reports/case-stats.html (tables and bar "
              "charts) and prints the tables."),
}


def _add_tasks(group: argparse.ArgumentParser, tasks: dict, handler_attr: str) -> argparse._SubParsersAction:
    """One subcommand per task of a command group; the handler is stored under `handler_attr`."""
    sub = group.add_subparsers(dest=f"{handler_attr}_task", required=True, metavar="TASK")
    for name, (handler, summary, details) in tasks.items():
        command = sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {details}")
        command.set_defaults(**{handler_attr: handler})
    return sub


def _add_cases_commands(group: argparse.ArgumentParser) -> None:
    """The `caseloop cases ...` subcommands, one per library task."""
    sub = _add_tasks(group, CASES_COMMANDS, "cases_handler")
    new, scrub, review = sub.choices["new"], sub.choices["scrub"], sub.choices["review"]
    new.add_argument("--type", default="item_not_received", help="problem type id (default: item_not_received)")
    new.add_argument("--market", default="US", help="market code, e.g. US, UK, DE, FR, JP (default: US)")
    new.add_argument("--title", help="one-line title")
    new.add_argument("--from-ticket", metavar="FILE", help="a real ticket to scrub into buyer_message (- for stdin)")
    scrub.add_argument("ticket", metavar="TICKET", help="ticket text file, or - for standard input")
    scrub.add_argument("--out", type=Path, help="write the scrubbed text here instead of standard output")
    for command in (new, scrub):
        command.add_argument("--name", action="append", default=[],
                             help="a name to remove that the patterns may miss (repeatable)")
    review.add_argument("id", metavar="ID", help="case id, e.g. C-0042")
    decision = review.add_mutually_exclusive_group(required=True)
    for flag, state in (("--approve", "approved"), ("--archive", "archived"), ("--draft", "draft")):
        decision.add_argument(flag, dest="state", action="store_const", const=state, help=f"mark the case {state}")
    review.add_argument("--reviewer", required=True, help="who reviewed it")
    search = sub.choices["search"]
    search.add_argument("query", metavar="QUERY", nargs="?", default="", help="keywords or a buyer's message")
    search.add_argument("--tag", action="append", default=[], help="only cases with this tag (repeatable)")
    search.add_argument("--type", help="only this problem type, e.g. damaged")
    search.add_argument("--market", help="only this market, e.g. UK")
    search.add_argument("--state", default="approved", choices=["approved", "draft", "archived", "any"],
                        help="review state (default: approved)")
    similar = sub.choices["similar"]
    similar.add_argument("id", metavar="ID", nargs="?", help="a case id")
    similar.add_argument("--text", help="a buyer's message instead of a case id")
    for command in (search, similar):
        command.add_argument("--limit", type=int, default=10, help="how many cases to show (default: 10)")
    sub.choices["stats"].add_argument("--out", type=Path, help="output folder (default: reports/)")


def cmd_author(args: argparse.Namespace) -> int:
    return args.author_handler(args)


def cmd_author_lint(args: argparse.Namespace) -> int:
    from caseloop.author import lint

    problems = lint(_course(args), args.module or None)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) / 个问题; no file was changed", file=sys.stderr)
        return 1
    print("lint: no problems / 没有问题")
    return 0


def cmd_author_check(args: argparse.Namespace) -> int:
    from caseloop.author import check, module_ids

    course = _course(args)
    if not args.all and not args.module:
        raise CourseError("name a module (e.g. caseloop author check m01) or pass --all")
    modules = module_ids(course) if args.all else [args.module]
    results = check(course, modules, echo=lambda line: print(line, flush=True))
    failing = [(result, problem) for result in results for problem in result.problems]
    print(f"{'cell':<40} {'max':>5} {'model':>6} {'blank':>6} {'wrong':>6}  failures of the wrong answer")
    for r in results:
        if r.by_mentor:
            print(f"{r.module}/{r.cell:<36} {r.max_score:>5g}  graded by a mentor in the formgrader")
            continue
        print(f"{r.module}/{r.cell:<36} {r.max_score:>5g} {r.solution:>6g} {r.blank:>6g} {r.wrong:>6g}  "
              f"{r.wrong_failures}")
    for result, problem in failing:
        print(f"✗ {result.module}/{result.notebook} cell {result.cell}: {problem}", file=sys.stderr)
    return 1 if failing else 0


def cmd_author_exercise(args: argparse.Namespace) -> int:
    from caseloop.author import add_exercise

    path, graded = add_exercise(_course(args), args.case, args.module, points=args.points)
    print(f"{path}: added the exercise on {args.case}; graded cells {', '.join(graded)}")
    print(f"edit it if you like, then run `caseloop author check {args.module}` and `caseloop release {args.module} "
          "--force`")
    return 0


def cmd_author_rubric(args: argparse.Namespace) -> int:
    from caseloop.review import add_rubric

    changed, added = add_rubric(_course(args), args.module, args.cell or None, points=args.points)
    if not added:
        print(f"{args.module}: every reply already has a mentor rubric; nothing changed")
        return 0
    for path in changed:
        print(f"{path}: added mentor rubric cells")
    print(f"{len(added)} task cells ({', '.join(added)}); run `caseloop author lint {args.module}` and "
          f"`caseloop release {args.module} --force`")
    return 0


AUTHOR_COMMANDS = {
    "lint": (cmd_author_lint, "check source notebooks without running them",
             "Reads source/MODULE/*.ipynb (default: every module), source/curriculum.yaml, cases/ and the policy "
             "file; writes nothing. Lists every graded cell without a known competency or an existing case, "
             "points that are not positive or differ from the points= of its checks, unbalanced solution or "
             "hidden-test markers and policy numbers written into tests; exits 1 if there is any."),
    "check": (cmd_author_check, "grade the model, blank and wrong answers of a module through nbgrader",
              "Reads source/MODULE (or every module with --all), cases/ and nbgrader_config.py; writes only into a "
              "temporary course (release, submissions, gradebook), never this course. The model answers must "
              "score full marks, the blank release 0, and wrong answers must fail every graded cell with a reason; "
              "exits 1 otherwise."),
    "exercise": (cmd_author_exercise, "append an exercise built on a case to a module",
                 "Reads cases/CASE.yaml and source/MODULE/*.ipynb; writes the module's notebook with the case's "
                 "scenario, a graded root-cause choice and a graded reply (model answers from the case, nbgrader "
                 "metadata and competency/case tags filled in), placed before the self-check and survey."),
    "rubric": (cmd_author_rubric, "add a mentor's rubric (tone, empathy, cultural fit) below a module's replies",
               "Reads source/MODULE/*.ipynb; writes them with one nbgrader task cell per rubric criterion below "
               "each reply test cell (checks.reply) that has none yet, each tagged with its competency (COM, EMO, "
               "XCC), case and the test cell it reviews. Mentors score them by hand in the formgrader."),
}


def _add_author_commands(group: argparse.ArgumentParser) -> None:
    """The `caseloop author ...` subcommands."""
    sub = _add_tasks(group, AUTHOR_COMMANDS, "author_handler")
    sub.choices["lint"].add_argument("module", metavar="MODULE", nargs="*", help="module ids (default: all)")
    sub.choices["check"].add_argument("module", metavar="MODULE", nargs="?", help="module id, e.g. m01")
    sub.choices["check"].add_argument("--all", action="store_true", help="check every module in source/")
    exercise = sub.choices["exercise"]
    exercise.add_argument("--case", required=True, metavar="ID", help="an approved case, e.g. C-0012")
    exercise.add_argument("--module", required=True, metavar="MODULE", help="the module to append to, e.g. m04")
    exercise.add_argument("--points", type=int, default=3, help="points of the reply (default: 3)")
    rubric = sub.choices["rubric"]
    rubric.add_argument("module", metavar="MODULE", help="module id, e.g. m07")
    rubric.add_argument("--cell", action="append", metavar="GRADE_ID",
                        help="only the reply test cell with this grade id (repeatable; default: every reply)")
    rubric.add_argument("--points", type=float, default=1, help="points of each criterion (default: 1)")


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
                "Reads the gradebook, source/*/*.ipynb cell metadata (competency, case; for cells without it "
                "source/competency-map.yaml) and autograded/ "
                "feedback; writes reports/grades.csv (one row per trainee x graded cell x attempt)."),
    "report": (cmd_report, "write per-trainee and cohort competency reports",
               "Reads reports/grades.csv, reports/grade-*.csv, reports/cohorts.csv (optional), source/*/*.ipynb "
               "and source/curriculum.yaml (mastery method, gates, certification, targets); writes "
               "reports/cohort.html, reports/trainees/TRAINEE.html, one CSV per table (mastery, gates, levels, "
               "path, risk, gain, targets, trend ...) and reports/cohort.xlsx. "
               "`report kpi` and `report notebook` write the KPI report and the lead notebook."),
    "revise": (cmd_revise, "item statistics per graded cell and exercise, the survey, and the revision backlog",
               "Reads reports/grades.csv, source/item_analysis.yaml (thresholds), source/*/*.ipynb and the "
               "autograded notebooks (options picked, survey answers); writes reports/item-statistics.csv, "
               "reports/module-statistics.csv, reports/survey.csv, reports/revision-backlog.md and .csv, "
               "each graded source cell's caseloop.stats metadata and revision_flags in the worst items' cases/."),
    "cases": (cmd_cases, "the case library: validate, new, scrub, review, search, similar, stats",
              "Reads cases/*.yaml (and a ticket for new/scrub); validate, search and similar write nothing, new and "
              "review write cases/C-NNNN.yaml, stats writes reports/case-stats.*. See `caseloop cases TASK --help`."),
    "author": (cmd_author, "check modules before release: lint, and grading of model, blank and wrong answers",
               "Reads source/, cases/ and the policy file; lint writes nothing, check writes only into a temporary "
               "course. See `caseloop author TASK --help`."),
    "lab": (cmd_lab, "start JupyterLab on this machine for a mentor (formgrader) or a trainee (assignment list)",
            "Reads nbgrader_config.py and the exchange; writes .caseloop/lab/USER/ (Jupyter config, server log) "
            "and, through JupyterLab, the notebooks a trainee fetches into trainees/TRAINEE/ and their "
            "submissions into the exchange. Listens on 127.0.0.1 only and prints the URL with its token."),
    "feedback": (cmd_feedback, "release feedback on a module, with each trainee's competency summary",
                 "Reads autograded/*/MODULE/, the gradebook, reports/grades.csv and source/curriculum.yaml; writes "
                 "feedback/TRAINEE/MODULE/*.html (nbgrader's feedback without hidden tests, plus the competency "
                 "summary and next steps) and releases it to the exchange."),
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
        if name in {"release", "collect", "grade", "feedback"}:
            command.add_argument("module", metavar="MODULE", help="module id, e.g. m01")
    grade_cmd = sub.choices["grade"]
    grade_cmd.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                           help="parallel grading processes (default: one per core)")
    grade_cmd.add_argument("--timeout", type=int, help="seconds a cell may run (default: nbgrader_config.py)")
    grade_cmd.add_argument("--memory-limit", type=int, default=2048, metavar="MB",
                           help="memory limit of each kernel in MB, 0 for none (default: 2048)")
    grade_cmd.add_argument("--no-fast-path", action="store_true",
                           help="in modules with code answers, run every submission in a Jupyter kernel "
                                "(literal-answer modules never run trainee code)")
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
    _add_cases_commands(sub.choices["cases"])
    sub.choices["revise"].add_argument("--cohort", action="append", metavar="GLOB",
                                       help="only trainees whose id matches (repeatable, e.g. '2026-03-*')")
    _add_report_options(sub.choices["report"])
    _add_author_commands(sub.choices["author"])
    lab_cmd = sub.choices["lab"]
    lab_cmd.add_argument("--trainee", metavar="ID", help="open the trainee's lab (assignment list) instead of "
                                                         "the mentor's (formgrader)")
    lab_cmd.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    sub.choices["feedback"].add_argument("--trainee", metavar="ID", action="append", default=[],
                                         help="only this trainee (repeatable; default: every graded trainee)")
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
