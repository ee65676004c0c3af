"""The gradebook's backups: taken before and after each batch, checked against before grading, restored on request.

An SQLite gradebook is copied with SQLite's backup API, a PostgreSQL one with pg_dump (custom
format, the row count of each of nbgrader's tables written beside it as NAME.rows.json). A batch
refuses to grade into a gradebook that is missing, empty, unreadable or holds fewer rows in one of
those tables than its newest backup, and names the backup and the command that restores it.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caseloop.course.gradebook import grading_lock, try_flock
from caseloop.course.layout import Course
from caseloop.files import CourseError

BACKUPS_KEPT = 20  # two per batch: before it, and after it
BACKUP_SUFFIXES = (".db", ".pgdump")
# nbgrader's tables whose rows hold what grading and mentors produced; none shrinks in a batch.
GRADEBOOK_TABLES = ("assignment", "notebook", "student", "submitted_assignment", "submitted_notebook", "grade",
                    "comment")


def _stamp() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}"


def _sqlite_file(course: Course) -> Path | None:
    url = course.db_url()
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _postgres_url(course: Course) -> str | None:
    url = course.db_url()
    return url if url.startswith("postgresql") else None


def shown(url: str) -> str:
    """A database URL as messages show it: host and database, never the password."""
    return url.split("@")[-1]


def _libpq(url: str) -> str:
    """SQLAlchemy's URL of a PostgreSQL database as libpq's tools take it (no driver name)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def _pg_tool(tool: str, url: str, *args: str) -> subprocess.CompletedProcess:
    """Run pg_dump or pg_restore for the gradebook at URL, or say how to install them."""
    if not shutil.which(tool):
        raise CourseError(f"the gradebook {shown(url)} is PostgreSQL, and {tool} is not installed; install the "
                          "PostgreSQL client (apt-get install postgresql-client)")
    return subprocess.run([tool, *args], capture_output=True, text=True)


def row_counts(path: Path) -> dict[str, int] | None:
    """Rows per nbgrader table of an SQLite gradebook; None when it has none of them. Raises sqlite3.Error."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        if db.execute("pragma quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("its integrity check failed")
        tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
        if not tables & set(GRADEBOOK_TABLES):
            return None
        return {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in GRADEBOOK_TABLES if t in tables}


def postgres_row_counts(url: str) -> dict[str, int] | None:
    """Rows per nbgrader table of a PostgreSQL gradebook; None when it has none of them. Raises SQLAlchemyError."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(sqlalchemy.inspect(connection).get_table_names()) & set(GRADEBOOK_TABLES)
            return {t: connection.execute(sqlalchemy.text(f'select count(*) from "{t}"')).scalar_one()
                    for t in GRADEBOOK_TABLES if t in tables} or None
    finally:
        engine.dispose()


def _counts_file(dump: Path) -> Path:
    return dump.with_suffix(".rows.json")


def backup_row_counts(backup: Path) -> dict[str, int] | None:
    """The row counts a backup holds (None when they cannot be read): its own tables, or its .rows.json."""
    try:
        if backup.suffix == ".db":
            return row_counts(backup)
        data = json.loads(_counts_file(backup).read_text(encoding="utf-8"))
    except (sqlite3.Error, OSError, ValueError):
        return None
    return {t: n for t, n in data.items() if t in GRADEBOOK_TABLES and type(n) is int} if type(data) is dict else None


def backups(course: Course) -> list[Path]:
    """The gradebook's backups, oldest first."""
    if not course.backups_dir.is_dir():
        return []
    return sorted(p for p in course.backups_dir.glob("gradebook-*") if p.suffix in BACKUP_SUFFIXES)


def back_up(course: Course, module: str, when: str = "before") -> Path | None:
    """Back the gradebook up before (and after) a batch (SQLite backup API, or pg_dump); keep the newest copies.

    The backup after a batch holds everything it graded, so restoring the newest backup loses no
    autograde; what a mentor scored since then is in no backup.
    """
    folder = course.backups_dir
    stem = f"gradebook-{_stamp()}-{when}-{module}"
    source, url = _sqlite_file(course), _postgres_url(course)
    if source is not None:
        if not source.is_file():
            return None
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stem}.db"
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    elif url is not None:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stem}.pgdump"
        done = _pg_tool("pg_dump", url, "--format=custom", f"--file={target}", _libpq(url))
        if done.returncode:
            raise CourseError(f"pg_dump could not back up the gradebook {shown(url)}: {done.stderr.strip()}")
        _counts_file(target).write_text(json.dumps(_readable_postgres_counts(url)), encoding="utf-8")
    else:
        return None
    for old in backups(course)[:-BACKUPS_KEPT]:
        old.unlink()
        _counts_file(old).unlink(missing_ok=True)
    return target


def _readable_postgres_counts(url: str) -> dict[str, int]:
    import sqlalchemy

    try:
        return postgres_row_counts(url) or {}
    except sqlalchemy.exc.SQLAlchemyError as err:
        raise CourseError(f"the gradebook {shown(url)} cannot be read ({type(err).__name__})") from None


def check_before_batch(course: Course, module: str, accept_smaller: bool = False) -> None:
    """Refuse to grade into a gradebook that is missing, empty, unreadable or smaller than its last backup.

    nbgrader would silently create a new, empty gradebook in place of a missing or empty one (every
    grade lost), and fail on an unreadable one with a raw database error; the message says which
    backup to restore and how.
    """
    copies = backups(course)
    newest = copies[-1] if copies else None
    restore = f"`caseloop --course {course.root} grade {module} --restore-backup`"
    if newest is not None:
        hint = (f"the newest backup is {newest}; restore it with {restore} (or `--restore-backup FILE` for another "
                f"one of {course.backups_dir}), then grade again")
    else:
        hint = (f"there is no backup of it in {course.backups_dir}: restore it from your own backups, or move it "
                "away to start a new, empty gradebook")
    path, url = _sqlite_file(course), _postgres_url(course)
    if path is not None:
        where = str(path)
        if not path.exists():
            if newest is not None:
                raise CourseError(f"{path}: the gradebook is missing, and nbgrader would start a new empty one; {hint}")
            return
        if path.stat().st_size == 0:
            raise CourseError(f"{path}: the gradebook is empty (0 bytes), and nbgrader would start a new empty one; "
                              f"{hint}")
        try:
            counts = row_counts(path)
        except sqlite3.Error as err:
            raise CourseError(f"{path}: the gradebook cannot be read ({err}); {hint}") from None
    elif url is not None:
        import sqlalchemy

        where = f"the gradebook {shown(url)}"
        try:
            counts = postgres_row_counts(url)
        except sqlalchemy.exc.SQLAlchemyError as err:
            raise CourseError(f"{where} cannot be read ({type(err).__name__}); {hint}") from None
        if counts is None and newest is None:
            return  # a new course: nbgrader makes its tables
    else:
        return
    if counts is None:
        raise CourseError(f"{where}: the gradebook holds none of nbgrader's tables, and nbgrader would start a new "
                          f"empty one; {hint}")
    before = backup_row_counts(newest) if newest is not None and not accept_smaller else None
    shrunk = [f"{table} {counts.get(table, 0)} < {rows}" for table, rows in (before or {}).items()
              if counts.get(table, 0) < rows]
    if shrunk:
        raise CourseError(f"{where}: the gradebook has fewer rows than its last backup {newest} ({', '.join(shrunk)}), "
                          f"so grades may have been lost; restore the backup with {restore}, or, if the rows were "
                          f"removed on purpose, grade with `--accept-gradebook`")


def restore_backup(course: Course, module: str, backup: Path | None = None) -> tuple[Path, Path | None]:
    """Put a backup (the newest by default) in place of the gradebook; keep the damaged one beside it.

    Returns the backup restored and where the damaged gradebook was kept (None if there was none).
    No module may be being graded meanwhile. The restored gradebook is backed up again at once, so
    the next batch compares itself with it.
    """
    path, url = _sqlite_file(course), _postgres_url(course)
    if path is None and url is None:
        raise CourseError(f"--restore-backup restores SQLite and PostgreSQL gradebooks, not {shown(course.db_url())}")
    suffix = ".db" if path is not None else ".pgdump"
    copies = [c for c in backups(course) if c.suffix == suffix]
    chosen = backup.resolve() if backup else (copies[-1] if copies else None)
    if chosen is None or not chosen.is_file():
        raise CourseError(f"{chosen or course.backups_dir}: no gradebook backup to restore")
    unreadable = _unreadable_backup(chosen, url)
    if unreadable:
        raise CourseError(f"{chosen}: this backup cannot be read either ({unreadable}); pick another with "
                          f"`--restore-backup FILE` from {course.backups_dir}")
    with grading_lock(course, module), _no_batch_running(course, module):
        _forget_grading_after(course, chosen)
        kept = _restore_sqlite(path, chosen) if path is not None else _restore_postgres(course, url, chosen)
        back_up(course, module, when="restored")
    return chosen, kept


def _unreadable_backup(backup: Path, url: str | None) -> str:
    """Why BACKUP cannot be restored ("" when it can): SQLite's own check, or pg_restore's reading of it."""
    if url is None:
        try:
            return "" if row_counts(backup) is not None else "it holds none of nbgrader's tables"
        except sqlite3.Error as err:
            return str(err)
    done = _pg_tool("pg_restore", url, "--list", str(backup))
    if done.returncode == 0:
        return ""
    return (done.stderr.strip().splitlines() or [f"pg_restore exit status {done.returncode}"])[-1]


def _restore_sqlite(path: Path, backup: Path) -> Path | None:
    kept = None
    if path.exists():
        kept = path.with_name(f"{path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S}")
        path.rename(kept)
    with closing(sqlite3.connect(backup)) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)
    return kept


def _restore_postgres(course: Course, url: str, backup: Path) -> Path | None:
    """pg_restore BACKUP over the gradebook's database, after a dump of what it holds now (kept, if readable)."""
    kept: Path | None = course.backups_dir / f"damaged-gradebook-{_stamp()}.pgdump"
    if _pg_tool("pg_dump", url, "--format=custom", f"--file={kept}", _libpq(url)).returncode:
        kept.unlink(missing_ok=True)
        kept = None
    done = _pg_tool("pg_restore", url, "--clean", "--if-exists", "--single-transaction", "--no-owner",
                    f"--dbname={_libpq(url)}", str(backup))
    if done.returncode:
        raise CourseError(f"pg_restore could not restore {backup} into {shown(url)}: {done.stderr.strip()[-500:]}; "
                          "the gradebook is as it was")
    return kept


def _forget_grading_after(course: Course, backup: Path) -> None:
    """Drop the journal's outcomes recorded after BACKUP was taken: their grades are not in it, so the
    next batch grades those submissions again."""
    from caseloop.course import journal

    match = re.match(r"gradebook-(\d{8}T\d{6})", backup.name)
    if not match:
        return
    taken = datetime.strptime(match[1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    for path in sorted(course.reports_dir.glob("grade-*.csv")):
        journal.forget_after(path, taken)


@contextmanager
def _no_batch_running(course: Course, module: str) -> Iterator[None]:
    """Hold every other module's grading lock too (or say who grades), so no batch writes meanwhile."""
    held: list[Any] = []
    try:
        for lock in sorted(course.state_dir.glob("grade-*.lock")):
            if lock.name == f"grade-{module}.lock":
                continue
            handle, holder = try_flock(lock)
            if handle is None:
                raise CourseError(f"{lock.stem.removeprefix('grade-')} is being graded right now by {holder}; "
                                  "restore the gradebook when no batch runs")
            held.append(handle)
        yield
    finally:
        for handle in held:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
