"""`caseloop cases ...`: validate, new, scrub, review, search, similar and stats on the case library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from caseloop.cli.common import add_tasks, course_of
from caseloop.course import CourseError


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
    """The case library; a broken case file is left out with a warning naming each problem (file, line, field,
    fix), so one typo does not block a search and none goes unnoticed."""
    from caseloop.cases import Library, library_command

    folder = course_of(args).cases_dir
    library = Library.load(folder, skip_invalid=True)
    broken = sorted({str(problem.path) for problem in library.skipped})
    if broken:
        print(f"caseloop: warning: left out {len(broken)} file(s) with problems ({', '.join(broken)}); "
              f"以下问题修正前这些案例不参与检索 / these cases are not searched until fixed:", file=sys.stderr)
        for problem in library.skipped:
            print(f"  {problem}", file=sys.stderr)
        print(f"  run `{library_command(folder, 'validate')}` to list them again", file=sys.stderr)
    return library


def cmd_cases(args: argparse.Namespace) -> int:
    return args.cases_handler(args)


def cmd_cases_validate(args: argparse.Namespace) -> int:
    from caseloop.cases import read_library

    folder = course_of(args).cases_dir
    files = read_library(folder)
    for problem in files.problems:
        print(problem)
    if files.problems:
        print(f"{len(files.problems)} problem(s) in {folder}; no file was changed", file=sys.stderr)
        return 2
    states = [case["review"]["state"] for case in files.cases.values()]
    print(f"{len(states)} cases in {folder} are valid ({states.count('approved')} approved, "
          f"{states.count('draft')} draft, {states.count('archived')} archived)")
    return 0


def cmd_cases_new(args: argparse.Namespace) -> int:
    import getpass
    import shlex

    from caseloop.cases import library_command, new_case

    folder = course_of(args).cases_dir
    ticket = _read_text(args.from_ticket) if args.from_ticket else None
    path, draft = new_case(folder, args.type, args.market, args.title, ticket, args.name)
    print(f"draft case written to {path} / 草稿已写入")
    if ticket:
        _print_replacements(draft.replacements)
        for number, pseudonym in draft.pseudonyms.items():
            print(f"  buyer_message: [name {number}] -> {pseudonym} (pseudonym / 化名)")
    review = f"review {path.stem} --approve --reviewer {shlex.quote(getpass.getuser())}"
    print(f"{len(draft.todo)} field(s) marked TODO / 待填写: {', '.join(draft.todo)}\n"
          f"next / 下一步: fill them in, then\n"
          f"  {library_command(folder, 'validate')}\n  {library_command(folder, review)}")
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

    path = set_review(course_of(args).cases_dir, args.id, args.state, args.reviewer)
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

    course = course_of(args)
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
                 "and fix, and exits with status 2 if there is any."),
    "new": (cmd_cases_new, "scaffold a draft case, optionally from a pasted real ticket",
            "Reads cases/ (for the next free id) and the ticket file if given (scrubbed, mail headers dropped, "
            "names given pseudonyms); writes cases/C-NNNN.yaml as a draft with TODO wherever a person must write "
            "or decide (date, root cause, outcome, ...), which `cases validate` lists until it is filled in."),
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


def add_cases_commands(group: argparse.ArgumentParser) -> None:
    """The `caseloop cases ...` subcommands, one per library task."""
    sub = add_tasks(group, CASES_COMMANDS, "cases_handler")
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
