"""The `caseloop` command: one subcommand per pipeline stage, each a thin layer over its module.

Stage modules are imported inside each handler, so `--help` answers at once (nbgrader alone
takes seconds to import).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from caseloop.cli.author import AUTHOR_COMMANDS, add_author_commands, cmd_author
from caseloop.cli.cases import CASES_COMMANDS, add_cases_commands, cmd_cases
from caseloop.cli.hub import HUB_COMMANDS, add_hub_commands, cmd_hub
from caseloop.cli.stages import (
    cmd_collect,
    cmd_compile,
    cmd_demo,
    cmd_feedback,
    cmd_grade,
    cmd_lab,
    cmd_queue,
    cmd_release,
    cmd_report,
    cmd_revise,
)
from caseloop.course import CourseError

COMMANDS = {
    "release": (cmd_release, "generate the trainee version of a module and release it to trainees",
                "Reads source/MODULE/*.ipynb; writes release/MODULE/ (nbgrader generate_assignment) and "
                "publishes it to the course's exchange (nbgrader release_assignment; c.Exchange.root in "
                "nbgrader_config.py, else exchange/ in the course)."),
    "collect": (cmd_collect, "collect trainees' submissions of a module",
                "Reads the exchange's inbound submissions; writes submitted/TRAINEE/MODULE/."),
    "grade": (cmd_grade, "autograde every collected submission of a module",
              "Reads submitted/*/MODULE/; writes autograded/TRAINEE/MODULE/, the scores into the gradebook "
              "(gradebook.db, backed up first to .caseloop/backups/) and each trainee's outcome into "
              "reports/grade-MODULE.csv. A broken notebook is reported by name and does not stop the batch; "
              "a killed batch resumes where it stopped when run again."),
    "queue": (cmd_queue, "what waits for a mentor in a module: unsure replies first, then rubric cells",
              "Reads the gradebook and autograded/*/MODULE/ (the grader's reasons); writes "
              "reports/review-queue-MODULE.csv and prints the queue with each submission's formgrader address."),
    "compile": (cmd_compile, "compile the gradebook into one tidy grade table",
                "Reads the gradebook, reports/grade-history.csv (earlier submissions' grades), "
                "source/*/*.ipynb cell metadata (competency, case; for cells without it "
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
    "author": (cmd_author, "write and check modules: new, exercise, rubric; lint, and grading of model, blank and "
                           "wrong answers",
               "Reads source/, cases/ and the policy file; new, exercise and rubric write source/ (new also "
               "source/curriculum.yaml), lint writes nothing, check writes only into a temporary course. See "
               "`caseloop author TASK --help`."),
    "lab": (cmd_lab, "start JupyterLab on this machine for a mentor (formgrader) or a trainee (assignment list)",
            "Reads nbgrader_config.py and the exchange; writes .caseloop/lab/USER/ (Jupyter config, server log) "
            "and, through JupyterLab, the notebooks a trainee fetches into trainees/TRAINEE/ and their "
            "submissions into the exchange. Listens on 127.0.0.1 only and prints the URL with its token."),
    "hub": (cmd_hub, "run the course for many trainees on JupyterHub: setup, add-trainee, add-mentor, list",
            "Reads nbgrader_config.py and the server's accounts; writes accounts, the exchange and HUB_DIR (as root). "
            "See `caseloop hub TASK --help`."),
    "feedback": (cmd_feedback, "release feedback on a module, with each trainee's competency summary",
                 "Reads autograded/*/MODULE/, the gradebook, reports/grades.csv and source/curriculum.yaml; writes "
                 "feedback/TRAINEE/MODULE/*.html (nbgrader's feedback without hidden tests, plus the competency "
                 "summary and next steps) and releases it to the exchange."),
    "demo": (cmd_demo, "run two simulated cohorts through the whole curriculum in a fresh workspace",
             "Reads this course's source/, cases/ and nbgrader_config.py; writes only into the workspace "
             "(default: a new temporary folder): release, exchange, submissions, gradebook, mentor scores, "
             "reports (open reports/cohort.html first), the KPI report and the revision backlog. --quick runs "
             "one cohort through m01 only."),
}


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="caseloop",
        description="Train e-commerce customer-service agents with Jupyter notebooks: "
                    "release -> collect -> grade -> compile -> report -> revise.")
    _add_course_option(main_parser, None)
    sub = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (handler, summary, details) in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {details}")
        command.set_defaults(handler=handler)
        if name in {"release", "collect", "grade", "feedback", "queue"}:
            command.add_argument("module", metavar="MODULE", help="module id, e.g. m01")
    grade_cmd = sub.choices["grade"]
    grade_cmd.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                           help="parallel grading processes (default: one per core)")
    grade_cmd.add_argument("--timeout", type=int, help="seconds a cell may run (default: nbgrader_config.py)")
    grade_cmd.add_argument("--memory-limit", type=int, metavar="MB",
                           help="memory limit of each sandboxed process, MB, 0 for none (default: nbgrader_config.py)")
    grade_cmd.add_argument("--no-fast-path", action="store_true",
                           help="in notebooks without caseloop's answer metadata, run every submission in the sandbox, "
                                "even one whose answers are all literals (literal-answer modules never run trainee "
                                "code; code modules run it in the sandbox)")
    grade_cmd.add_argument("--regrade", action="store_true",
                           help="grade again submissions that already have scores")
    grade_cmd.add_argument("--watch", action="store_true",
                           help="keep collecting and grading new submissions as they arrive (Ctrl-C stops)")
    grade_cmd.add_argument("--interval", type=float, default=5.0, help="seconds between checks with --watch")
    grade_cmd.add_argument("--restore-backup", nargs="?", const="newest", metavar="FILE",
                           help="put the newest gradebook backup of .caseloop/backups/ (or FILE) in place of the "
                                "gradebook, keeping the damaged one beside it as gradebook.db.damaged-TIME; grades "
                                "nothing")
    grade_cmd.add_argument("--accept-gradebook", action="store_true",
                           help="grade even into a gradebook with fewer rows than its last backup (rows removed on "
                                "purpose)")
    grade_cmd.add_argument("--cluster", metavar="ADDRESS",
                           help="run the grading tasks on this Dask scheduler (workers must share the course "
                                "directory), e.g. tcp://10.0.0.5:8786")
    sub.choices["release"].add_argument("--force", action="store_true",
                                        help="replace a module already released to the exchange")
    for name in ("report", "revise"):
        sub.choices[name].add_argument("--out", type=Path, help="output folder (default: reports/)")
    add_cases_commands(sub.choices["cases"])
    revise_cmd = sub.choices["revise"]
    revise_cmd.add_argument("--trainee", action="append", metavar="GLOB",
                            help="only trainees whose id matches (repeatable, e.g. 'trainee0*')")
    revise_cmd.add_argument("--cohort", help="only this cohort, as in `report --cohort` (reports/cohorts.csv, or the "
                                             "month of the first submission, e.g. 2026-03)")
    _add_report_options(sub.choices["report"])
    add_author_commands(sub.choices["author"])
    add_hub_commands(sub.choices["hub"])
    lab_cmd = sub.choices["lab"]
    lab_cmd.add_argument("--trainee", metavar="ID", help="open the trainee's lab (assignment list) instead of "
                                                         "the mentor's (formgrader)")
    lab_cmd.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    lab_cmd.add_argument("--practice", action="store_true",
                         help="start a trainee's lab even as the account that owns source/ (someone practising "
                              "alone: the kernel can read the model answers)")
    sub.choices["feedback"].add_argument("--trainee", metavar="ID", action="append", default=[],
                                         help="only this trainee (repeatable; default: every graded trainee)")
    demo = sub.choices["demo"]
    demo.add_argument("--workspace", type=Path, help="an empty or new folder for the demo course")
    demo.add_argument("--quick", action="store_true", help="one cohort through m01 only, in seconds")
    demo.add_argument("--trainees", type=int, default=32, help="cohort size with --quick (default: 32)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed of the simulated answers")
    demo.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the reports (default: zh)")
    for command in _subcommands(main_parser):
        _add_course_option(command, argparse.SUPPRESS)
    return main_parser


def _add_course_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--course", type=Path, default=default,
                        help="course directory (default: the folder with nbgrader_config.py, here or above)")


def _subcommands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every subcommand below PARSER, at any depth, so a global option is accepted wherever it is typed."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                found += [command, *_subcommands(command)]
    return found


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
    def options(parser: argparse.ArgumentParser, default: object) -> None:
        parser.add_argument("--lang", choices=["zh", "en"], default="zh" if default is None else default,
                            help="report language (default: zh)")
        parser.add_argument("--cohort", default=default, help="only this cohort (reports/cohorts.csv, or the "
                                                              "month of the first submission, e.g. 2026-03)")
        parser.add_argument("--method", default=default,
                            help="mastery method instead of the curriculum's (e.g. average, latest; see README)")

    options(report, None)
    views = report.add_subparsers(dest="view", metavar="[VIEW]")
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
    except BrokenPipeError:  # the output went into `head` or a closed pager: what was asked for is done or stops
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes stdout
        return 141


__all__ = ["AUTHOR_COMMANDS", "CASES_COMMANDS", "COMMANDS", "HUB_COMMANDS", "main", "parser"]
