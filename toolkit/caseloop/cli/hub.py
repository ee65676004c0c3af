"""`caseloop hub ...`: set a course up on JupyterHub and manage its trainees' and mentors' accounts."""

from __future__ import annotations

import argparse
from pathlib import Path

from caseloop.cli.common import add_tasks, course_of
from caseloop.course import CourseError


def cmd_hub(args: argparse.Namespace) -> int:
    return args.hub_handler(args)


def _course_id(args: argparse.Namespace) -> str:
    return course_of(args).nbgrader_config().CourseDirectory.course_id


def cmd_hub_setup(args: argparse.Namespace) -> int:
    from caseloop.hub import deploy

    done = deploy.setup(course_of(args), args.grader, args.exchange, args.hub_dir, args.homes, args.bind, args.db)
    print(f"course      {done.course.root}  (owned by {done.grader}, mode 0700)")
    print(f"exchange    {done.exchange}  (mode 1777, linked from {done.course.exchange_dir})")
    print(f"gradebook   {done.course.db_url().split('@')[-1]}")
    print(f"hub config  {done.hub_config}")
    print(f"user config {done.user_config_dir}")
    print(f"start the hub as root: jupyterhub -f {done.hub_config}")
    return 0


def _add(args: argparse.Namespace, role: str) -> int:
    from caseloop.hub import accounts

    names = list(args.id)
    if args.csv:
        names += accounts.read_roster(args.csv)
    if not names:
        raise CourseError(f"name the {role}s to add (caseloop hub add-{role} ID ...) or pass --csv FILE")
    for account in accounts.add(_course_id(args), role, names, args.homes):
        print(f"{account.role:<8} {account.name:<24} {account.home}  "
              f"{'password: ' + account.password if account.password else '(account existed; password unchanged)'}")
    print("restart the hub so it reads the new members of the course's groups")
    return 0


def cmd_hub_add_trainee(args: argparse.Namespace) -> int:
    return _add(args, "trainee")


def cmd_hub_add_mentor(args: argparse.Namespace) -> int:
    return _add(args, "mentor")


def cmd_hub_list(args: argparse.Namespace) -> int:
    from caseloop.hub import accounts

    table = accounts.listing(_course_id(args))
    print(table.to_string(index=False) if len(table) else "no trainee or mentor accounts yet")
    return 0


HUB_COMMANDS = {
    "setup": (cmd_hub_setup, "hand the course to the grader account, link it to the shared exchange, write the hub's "
                             "config",
              "Reads nbgrader_config.py; writes the grader account and the course's groups, the exchange (mode 1777) "
              "and the course's link to it, the gradebook's URL into nbgrader_config.py (--db), the course "
              "directory's owner (the grader account, mode 0700), HUB_DIR/jupyterhub_config.py and HUB_DIR/jupyter/ "
              "(the Jupyter config of every user's server). Run as root."),
    "add-trainee": (cmd_hub_add_trainee, "create trainee accounts (members of nbgrader-COURSE)",
                    "Reads the ids (or the CSV file's 'trainee' column); writes each account with a private home and "
                    "a random password (printed once), or adds an existing account to the course. Run as root."),
    "add-mentor": (cmd_hub_add_mentor, "create mentor accounts (members of formgrade-COURSE, who open the formgrader)",
                   "Reads and writes as add-trainee, for mentors. Run as root."),
    "list": (cmd_hub_list, "list the course's trainee and mentor accounts",
             "Reads the course's groups; writes nothing."),
}


def add_hub_commands(group: argparse.ArgumentParser) -> None:
    """The `caseloop hub ...` subcommands."""
    sub = add_tasks(group, HUB_COMMANDS, "hub_handler")
    setup = sub.choices["setup"]
    setup.add_argument("--grader", metavar="ACCOUNT", help="the grader account (default: grader-COURSE)")
    setup.add_argument("--exchange", type=Path, default=Path("/srv/nbgrader/exchange"),
                       help="nbgrader's shared exchange (default: /srv/nbgrader/exchange)")
    setup.add_argument("--hub-dir", type=Path, default=Path("/etc/jupyterhub"),
                       help="where the hub's config goes (default: /etc/jupyterhub)")
    setup.add_argument("--bind", default="http://127.0.0.1:8000",
                       help="the hub's public address (default: http://127.0.0.1:8000, behind a TLS proxy)")
    setup.add_argument("--db", metavar="URL", help="the gradebook's database, e.g. "
                                                   "postgresql://caseloop:SECRET@127.0.0.1:5432/caseloop")
    for name in ("setup", "add-trainee", "add-mentor"):
        sub.choices[name].add_argument("--homes", type=Path, help="folder new accounts' homes go in (default: /home)")
    for name in ("add-trainee", "add-mentor"):
        sub.choices[name].add_argument("id", metavar="ID", nargs="*", help="account names, e.g. trainee01")
        sub.choices[name].add_argument("--csv", type=Path, help="a CSV file with a 'trainee' column, one per row")
