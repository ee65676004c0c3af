"""Operating-system accounts of a hub course: one per trainee and per mentor, recognisable by their group.

Trainees are members of `nbgrader-COURSE` (the group nbgrader's JupyterHub authenticator reads to list a
trainee's courses), mentors of `formgrade-COURSE` (the group allowed to open the formgrader service). The
account name is the trainee id nbgrader files submissions under, so it follows POSIX user-name rules.
"""

from __future__ import annotations

import csv
import grp
import os
import pwd
import re
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from caseloop.course import CourseError

# Role -> the group its accounts belong to (COURSE is the nbgrader course id).
ROLE_GROUPS = {"trainee": "nbgrader-{course}", "mentor": "formgrade-{course}"}
ACCOUNT_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
ROSTER_COLUMN = "trainee"


@dataclass(frozen=True)
class NewAccount:
    """An account `add` created or found, with the password it was given (None when it existed already)."""

    name: str
    role: str
    home: Path
    password: str | None


def group_of(role: str, course_id: str) -> str:
    if role not in ROLE_GROUPS:
        raise CourseError(f"role {role!r}: unknown; use one of {', '.join(ROLE_GROUPS)}")
    return ROLE_GROUPS[role].format(course=course_id)


def grader_account(course_id: str) -> str:
    """The account that owns the course directory and runs the formgrader, as nbgrader's docs name it."""
    return f"grader-{course_id}"


def check_name(name: str, where: str = "") -> str:
    if not ACCOUNT_NAME.match(name):
        raise CourseError(f"{where}{name!r}: not a usable account name; use lower-case letters, digits, - and _, "
                          "starting with a letter, at most 32 characters (e.g. trainee01)")
    return name


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise CourseError(f"`{' '.join(command)}` failed: {done.stderr.strip() or done.stdout.strip()}; "
                          "caseloop hub manages accounts as root (sudo caseloop hub ...)")


def ensure_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        _run("groupadd", name)


def ensure_account(name: str, homes: Path | None = None, groups: tuple[str, ...] = ()) -> tuple[Path, bool]:
    """The account NAME (created with a private home under HOMES if missing) in GROUPS; (home, created)."""
    check_name(name)
    for group in groups:
        ensure_group(group)
    try:
        home, created = Path(pwd.getpwnam(name).pw_dir), False
    except KeyError:
        _run("useradd", "--create-home", "--shell", "/bin/bash", "--user-group",
             *(["--base-dir", str(homes)] if homes else []), name)
        entry = pwd.getpwnam(name)
        home, created = Path(entry.pw_dir), True
        os.chown(home, entry.pw_uid, entry.pw_gid)  # a home that existed before (e.g. a clone in it) becomes theirs
        home.chmod(0o700)  # nobody else reads a trainee's answers
    if groups:
        _run("usermod", "--append", "--groups", ",".join(groups), name)
    return home, created


def add(course_id: str, role: str, names: list[str], homes: Path | None = None) -> list[NewAccount]:
    """Create (or add to the course) one account per name; new accounts get a random password for PAM log-in."""
    group = group_of(role, course_id)
    for name in names:
        check_name(name)
    added = []
    for name in names:
        home, created = ensure_account(name, homes, (group,))
        password = secrets.token_urlsafe(9) if created else None
        if password:
            done = subprocess.run(["chpasswd"], input=f"{name}:{password}\n", capture_output=True, text=True)
            if done.returncode:
                raise CourseError(f"chpasswd for {name} failed: {done.stderr.strip()}")
        added.append(NewAccount(name, role, home, password))
    return added


def read_roster(path: Path) -> list[str]:
    """Account names from a CSV file with a `trainee` column (one trainee per row)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as err:
        raise CourseError(f"{path}: cannot read it ({err.strerror})") from None
    if not rows or ROSTER_COLUMN not in rows[0]:
        raise CourseError(f"{path}: needs a header row with a {ROSTER_COLUMN!r} column and one trainee per row")
    names = [(row[ROSTER_COLUMN] or "").strip() for row in rows]
    for line, name in enumerate(names, start=2):
        check_name(name, f"{path}, line {line}: ")
    return names


def members(group: str) -> list[str]:
    try:
        return sorted(grp.getgrnam(group).gr_mem)
    except KeyError:
        return []


def listing(course_id: str) -> pd.DataFrame:
    """One row per account of the course: role, account, home."""
    rows = [{"role": role, "account": name, "home": pwd.getpwnam(name).pw_dir}
            for role in ROLE_GROUPS for name in members(group_of(role, course_id))]
    return pd.DataFrame(rows, columns=["role", "account", "home"])
