"""`caseloop author ...`: lint, check, exercise and rubric on the source modules."""

from __future__ import annotations

import argparse
import sys

from caseloop.cli.common import add_tasks, course_of
from caseloop.course import CourseError


def cmd_author(args: argparse.Namespace) -> int:
    return args.author_handler(args)


def cmd_author_new(args: argparse.Namespace) -> int:
    from caseloop.author import new_module

    cases = [case.strip() for case in (args.from_cases or "").split(",") if case.strip()]
    folder = new_module(course_of(args), args.module, args.title, args.title_en, cases, args.notebook, args.copy_of)
    made = f"a new version of {args.copy_of}" if args.copy_of else f"{len(cases)} exercise(s)"
    print(f"{folder}: new module {args.module}, {made}; added to source/curriculum.yaml")
    if args.copy_of:
        print(f"put {args.copy_of} back as trainees submitted it (`git restore source/{args.copy_of}`), then "
              f"`caseloop author lint {args.module}`, `caseloop author check {args.module}` and "
              f"`caseloop release {args.module}`; reports and gates count a trainee's latest submission to "
              f"either as their result on the module")
    else:
        print(f"write the intro, add exercises (caseloop author exercise --case C-NNNN --module {args.module}), "
              f"then `caseloop author lint {args.module}`, `caseloop author check {args.module}` and "
              f"`caseloop release {args.module}`")
    return 0


def cmd_author_lint(args: argparse.Namespace) -> int:
    from caseloop.author import lint

    found = lint(course_of(args), args.module or None)
    for problem in found:
        print(problem)
    problems = [p for p in found if not p.warning]
    if problems:
        print(f"{len(problems)} problem(s) / 个问题; no file was changed", file=sys.stderr)
        return 1
    warnings = len(found) - len(problems)
    note = f"; {warnings} warning(s) / 个警告" if warnings else ""
    print(f"lint: no problems / 没有问题{note}")
    return 0


def cmd_author_check(args: argparse.Namespace) -> int:
    from caseloop.author import check

    course = course_of(args)
    if not args.all and not args.module:
        raise CourseError("name a module (e.g. caseloop author check m01) or pass --all")
    modules = course.module_ids() if args.all else [args.module]
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

    also = tuple(code.strip() for code in (args.competency or "").split(",") if code.strip())
    path, graded = add_exercise(course_of(args), args.case, args.module, points=args.points, also=also)
    print(f"{path}: added the exercise on {args.case}; graded cells {', '.join(graded)}")
    print(f"edit it if you like, then run `caseloop author check {args.module}` and `caseloop release {args.module} "
          "--force`")
    return 0


def cmd_author_rubric(args: argparse.Namespace) -> int:
    from caseloop.author import add_rubric

    changed, added = add_rubric(course_of(args), args.module, args.cell or None, points=args.points)
    if not added:
        print(f"{args.module}: every reply already has a mentor rubric; nothing changed")
        return 0
    for path in changed:
        print(f"{path}: added mentor rubric cells")
    print(f"{len(added)} task cells ({', '.join(added)}); run `caseloop author lint {args.module}` and "
          f"`caseloop release {args.module} --force`")
    return 0


AUTHOR_COMMANDS = {
    "new": (cmd_author_new, "start a module: its notebook (intro, exercises on cases, self-check, survey) and "
                            "curriculum entry",
            "Reads source/curriculum.yaml and, with --from-cases, cases/; writes source/MODULE/NOTEBOOK.ipynb (the "
            "intro with the answer-format note, one exercise per case as `author exercise` builds it, the "
            "self-check and the survey) and adds the module as one new line to the `modules:` list of "
            "source/curriculum.yaml. With --copy-of, copies that module's source folder instead and marks the "
            "entry `version_of` it: reports and gates then count a trainee's latest submission to either. "
            "Writes nothing if the module exists or a case is not approved or has no `reply: must:` items."),
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
                 "scenario, a graded root-cause choice (DIA) and a graded reply (COM, XCC when not in English, and "
                 "--competency; model answers from the case, nbgrader metadata and case tags filled in), placed "
                 "before the self-check and survey."),
    "rubric": (cmd_author_rubric, "add a mentor's rubric (tone, empathy, cultural fit) below a module's replies",
               "Reads source/MODULE/*.ipynb; writes them with one nbgrader task cell per rubric criterion below "
               "each reply test cell (checks.reply) that has none yet, each tagged with its competency (COM, EMO, "
               "XCC), case and the test cell it reviews. Mentors score them by hand in the formgrader."),
}


def add_author_commands(group: argparse.ArgumentParser) -> None:
    """The `caseloop author ...` subcommands."""
    sub = add_tasks(group, AUTHOR_COMMANDS, "author_handler")
    new = sub.choices["new"]
    new.add_argument("module", metavar="MODULE", help="the new module's id, e.g. m09")
    new.add_argument("--title", help="the module's title in Chinese (the curriculum's zh; default with --copy-of: "
                                     "the earlier module's)")
    new.add_argument("--title-en", help="the module's title in English (default: --title)")
    new.add_argument("--from-cases", metavar="IDS", help="approved cases to build exercises on, comma-separated, "
                                                         "e.g. C-0001,C-0012")
    new.add_argument("--notebook", metavar="NAME", help="the notebook's file name without .ipynb (default: MODULE)")
    new.add_argument("--copy-of", metavar="MODULE", help="a new version of this module: a copy of its source folder, "
                                                         "released under the new id (the earlier module keeps its "
                                                         "submissions, grades and attempts; reports follow the "
                                                         "trainee's latest)")
    sub.choices["lint"].add_argument("module", metavar="MODULE", nargs="*", help="module ids (default: all)")
    sub.choices["check"].add_argument("module", metavar="MODULE", nargs="?", help="module id, e.g. m01")
    sub.choices["check"].add_argument("--all", action="store_true", help="check every module in source/")
    exercise = sub.choices["exercise"]
    exercise.add_argument("--case", required=True, metavar="ID", help="an approved case, e.g. C-0012")
    exercise.add_argument("--module", required=True, metavar="MODULE", help="the module to append to, e.g. m04")
    exercise.add_argument("--points", type=int, default=3, help="points of the reply (default: 3)")
    exercise.add_argument("--competency", metavar="CODES", help="competencies the reply also trains besides COM (and "
                                                                "XCC), comma-separated, e.g. POL or EMO,POL")
    rubric = sub.choices["rubric"]
    rubric.add_argument("module", metavar="MODULE", help="module id, e.g. m07")
    rubric.add_argument("--cell", action="append", metavar="GRADE_ID",
                        help="only the reply test cell with this grade id (repeatable; default: every reply)")
    rubric.add_argument("--points", type=float, default=1, help="points of each criterion (default: 1)")
