"""The gradebook: nbgrader's database, opened, read, backed up and locked in one place.

nbgrader owns the schema and every write (autograde, the formgrader); caseloop opens the
gradebook only through `opened`, backs it up before each grading batch (SQLite backup API or
pg_dump), and holds one grading lock per module so two graders never write the same scores.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caseloop.course.files import CourseError
from caseloop.course.layout import Course

BACKUPS_KEPT = 20  # two per batch: before it, and after it
SQLITE_BUSY_SECONDS = 120


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def opened(course: Course) -> Iterator[Any]:
    """nbgrader's Gradebook of this course, closed afterwards."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url()) as gradebook:
        yield gradebook


def seconds_late(course: Course, module: str, trainee: str) -> float:
    """How late nbgrader found a trainee's submission of MODULE."""
    with opened(course) as gradebook:
        return gradebook.find_submission(module, trainee).total_seconds_late


# File descriptors of the grading locks this process holds; forked workers close their copies.
_held_locks: set[int] = set()


def release_inherited_locks() -> None:
    """In a forked worker: close the copies of the parent's lock files, so the locks end with the parent."""
    for descriptor in _held_locks:
        os.close(descriptor)


def _flock(path: Path) -> tuple[Any, str]:
    """An exclusive flock on PATH without waiting: (open handle, "") or (None, who holds it)."""
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another grader"
        handle.close()
        return None, holder
    return handle, ""


@contextmanager
def grading_lock(course: Course, module: str) -> Iterator[None]:
    """Hold the module's grading lock; a second grader gets a message naming the holder.

    The lock is an flock on a file, so the kernel releases it when a batch dies, even by SIGKILL.
    """
    folder = course.state_dir
    folder.mkdir(exist_ok=True)
    path = folder / f"grade-{module}.lock"
    handle, holder = _flock(path)
    if handle is None:
        raise CourseError(f"{module} is being graded right now by {holder}; wait for that batch to finish "
                          f"(lock: {path})")
    handle.seek(0)
    handle.truncate()
    handle.write(f"{getpass.getuser()}@{socket.gethostname()} (pid {os.getpid()}, since {_now()})")
    handle.flush()
    _held_locks.add(handle.fileno())
    try:
        yield
    finally:
        _held_locks.discard(handle.fileno())
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def back_up(course: Course, module: str, when: str = "before") -> Path | None:
    """Back the gradebook up before (and after) a batch (SQLite backup API, or pg_dump); keep the newest copies.

    The backup after a batch holds everything it graded, so restoring the newest backup loses no
    autograde; what a mentor scored since then is in no backup.
    """
    url = course.db_url()
    folder = course.backups_dir
    stem = f"gradebook-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{when}-{module}"
    if url.startswith("sqlite:///"):
        source = Path(url.removeprefix("sqlite:///"))
        if not source.is_file():
            return None
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stem}.db"
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    elif url.startswith("postgresql"):
        if not shutil.which("pg_dump"):
            raise CourseError(f"cannot back up the gradebook {url.split('@')[-1]}: pg_dump is not installed; "
                              "install the PostgreSQL client (apt-get install postgresql-client)")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stem}.pgdump"
        plain_url = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        done = subprocess.run(["pg_dump", "--format=custom", f"--file={target}", plain_url],
                              capture_output=True, text=True)
        if done.returncode:
            raise CourseError(f"pg_dump could not back up the gradebook: {done.stderr.strip()}")
    else:
        return None
    for old in sorted(folder.glob("gradebook-*"))[:-BACKUPS_KEPT]:
        old.unlink()
    return target



HISTORY_COLUMNS = ["trainee", "module", "notebook", "cell", "score", "max_score", "auto_score", "manual_score",
                   "needs_manual_grade", "comment", "submitted_at"]


def history_path(course: Course) -> Path:
    """Earlier submissions' grades that a new submission replaced in the gradebook (see `set_aside_replaced`)."""
    return course.reports_dir / "grade-history.csv"


def set_aside_replaced(course: Course, module: str, trainee: str, new_timestamp: str) -> int:
    """Before a new submission is graded: keep its predecessor's mentor scores off it.

    nbgrader keeps one submission per trainee and module and leaves a mentor's manual score (and
    comment) on the cell when the trainee submits again, so a blank resubmission would show the old
    points. When the gradebook's submission has another timestamp than the new one and a mentor
    scored or commented on it, its grades are appended to reports/grade-history.csv (which
    `caseloop compile` reads as the earlier attempt) and the manual scores, extra credit and comments
    are cleared, so the new submission's items wait for the mentor again. Returns the rows set aside.
    """
    import csv

    from nbgrader.api import MissingEntry
    from nbgrader.utils import parse_utc

    if not new_timestamp:
        return 0
    new = parse_utc(new_timestamp)
    with opened(course) as gradebook:
        try:
            submission = gradebook.find_submission(module, trainee)
        except MissingEntry:
            return 0
        old = submission.timestamp
        if old is None or old.replace(tzinfo=None) == new.replace(tzinfo=None):
            return 0
        notebooks = list(submission.notebooks)
        touched = any(g.manual_score is not None or g.extra_credit for nb in notebooks for g in nb.grades) or any(
            c.manual_comment for nb in notebooks for c in nb.comments)
        if not touched:
            return 0
        rows = []
        for notebook in notebooks:
            comments = {c.name: c.manual_comment or "" for c in notebook.comments}
            for grade in notebook.grades:
                awarded = None if grade.manual_score is None and grade.auto_score is None else grade.score
                rows.append([trainee, module, notebook.name, grade.name, awarded, grade.max_score, grade.auto_score,
                             grade.manual_score, bool(grade.needs_manual_grade), comments.get(grade.name, ""),
                             old.replace(tzinfo=None).isoformat(sep=" ")])
        path = history_path(course)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", newline="", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            writer = csv.writer(handle)
            if handle.tell() == 0:
                writer.writerow(HISTORY_COLUMNS)
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        for notebook in notebooks:
            for grade in notebook.grades:
                grade.manual_score = None
                grade.extra_credit = None
            for comment in notebook.comments:
                comment.manual_comment = None
        gradebook.db.commit()
    return len(rows)


# nbgrader's tables whose rows hold what grading and mentors produced; none shrinks in a batch.
GRADEBOOK_TABLES = ("assignment", "notebook", "student", "submitted_assignment", "submitted_notebook", "grade",
                    "comment")


def _sqlite_file(course: Course) -> Path | None:
    url = course.db_url()
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def row_counts(path: Path) -> dict[str, int] | None:
    """Rows per nbgrader table of an SQLite gradebook; None when it has none of them. Raises sqlite3.Error."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        if db.execute("pragma quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("its integrity check failed")
        tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
        if not tables & set(GRADEBOOK_TABLES):
            return None
        return {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in GRADEBOOK_TABLES if t in tables}


def backups(course: Course) -> list[Path]:
    """The gradebook's backups, oldest first."""
    return sorted(course.backups_dir.glob("gradebook-*")) if course.backups_dir.is_dir() else []


def check_before_batch(course: Course, module: str, accept_smaller: bool = False) -> None:
    """Refuse to grade into a gradebook that is missing, empty, unreadable or smaller than its last backup.

    nbgrader would silently create a new, empty gradebook in place of a missing or empty one (every
    grade lost), and fail on an unreadable one with a raw database error; the message says which
    backup to restore and how.
    """
    url = course.db_url()
    copies = backups(course)
    newest = copies[-1] if copies else None
    restore = f"`caseloop --course {course.root} grade {module} --restore-backup`"
    if newest is not None:
        hint = (f"the newest backup is {newest}; restore it with {restore} (or `--restore-backup FILE` for another "
                f"one of {course.backups_dir}), then grade again")
    else:
        hint = (f"there is no backup of it in {course.backups_dir}: restore it from your own backups, or move it "
                "away to start a new, empty gradebook")
    path = _sqlite_file(course)
    if path is None:
        if url.startswith("postgresql"):
            _check_postgres(url, copies, course)
        return
    if not path.exists():
        if newest is not None:
            raise CourseError(f"{path}: the gradebook is missing, and nbgrader would start a new empty one; {hint}")
        return
    if path.stat().st_size == 0:
        raise CourseError(f"{path}: the gradebook is empty (0 bytes), and nbgrader would start a new empty one; {hint}")
    try:
        counts = row_counts(path)
    except sqlite3.Error as err:
        raise CourseError(f"{path}: the gradebook cannot be read ({err}); {hint}") from None
    if counts is None:
        raise CourseError(f"{path}: the gradebook holds none of nbgrader's tables; {hint}")
    if newest is None or accept_smaller or newest.suffix != ".db":
        return
    try:
        before = row_counts(newest) or {}
    except sqlite3.Error:
        return
    shrunk = [f"{table} {counts.get(table, 0)} < {rows}" for table, rows in before.items()
              if counts.get(table, 0) < rows]
    if shrunk:
        raise CourseError(f"{path}: the gradebook has fewer rows than its last backup {newest} ({', '.join(shrunk)}), "
                          f"so grades may have been lost; restore the backup with {restore}, or, if the rows were "
                          f"removed on purpose, grade with `--accept-gradebook`")


def require_assignment(course: Course, module: str) -> None:
    """Refuse to grade a module nbgrader has not recorded yet: every submission would fail, one by one."""
    from nbgrader.api import MissingEntry

    path = _sqlite_file(course)
    if path is None or path.exists():
        with opened(course) as gradebook:
            try:
                gradebook.find_assignment(module)
                return
            except MissingEntry:
                pass
    raise CourseError(f"{path or course.db_url()}: {module} is not in the gradebook, so nbgrader cannot grade it; run "
                      f"`caseloop release {module}` first (it records the module's graded cells), then grade again. "
                      "Nothing was graded")


def _check_postgres(url: str, copies: list[Path], course: Course) -> None:
    import sqlalchemy

    dumps = [c for c in copies if c.suffix == ".pgdump"]
    hint = (f"restore the newest backup with `pg_restore --clean --if-exists --dbname URL {dumps[-1]}`"
            if dumps else f"there is no backup of it in {course.backups_dir}")
    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as connection:
            tables = set(sqlalchemy.inspect(connection).get_table_names())
        engine.dispose()
    except sqlalchemy.exc.SQLAlchemyError as err:
        raise CourseError(f"the gradebook {url.split('@')[-1]} cannot be read ({type(err).__name__}); {hint}") from None
    if dumps and not tables & set(GRADEBOOK_TABLES):
        raise CourseError(f"the gradebook {url.split('@')[-1]} holds none of nbgrader's tables, and nbgrader would "
                          f"start a new empty one; {hint}")


def restore_backup(course: Course, module: str, backup: Path | None = None) -> tuple[Path, Path | None]:
    """Put a backup (the newest by default) in place of the gradebook; keep the damaged one beside it.

    Returns the backup restored and where the damaged gradebook was kept (None if there was none).
    No module may be being graded meanwhile. The restored gradebook is backed up again at once, so
    the next batch compares itself with it.
    """
    path = _sqlite_file(course)
    if path is None:
        raise CourseError(f"--restore-backup restores SQLite gradebooks; for {course.db_url().split('@')[-1]} use "
                          "`pg_restore --clean --if-exists --dbname URL BACKUP.pgdump` with a backup from "
                          f"{course.backups_dir}")
    copies = [c for c in backups(course) if c.suffix == ".db"]
    chosen = backup.resolve() if backup else (copies[-1] if copies else None)
    if chosen is None or not chosen.is_file():
        raise CourseError(f"{chosen or course.backups_dir}: no gradebook backup to restore")
    try:
        if row_counts(chosen) is None:
            raise sqlite3.DatabaseError("it holds none of nbgrader's tables")
    except sqlite3.Error as err:
        raise CourseError(f"{chosen}: this backup cannot be read either ({err}); pick another with "
                          f"`--restore-backup FILE` from {course.backups_dir}") from None
    with grading_lock(course, module), _no_batch_running(course, module):
        _forget_grading_after(course, chosen)
        kept = None
        if path.exists():
            kept = path.with_name(f"{path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S}")
            path.rename(kept)
        with closing(sqlite3.connect(chosen)) as src, closing(sqlite3.connect(path)) as dst:
            src.backup(dst)
        stamp = f"gradebook-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-restored"
        shutil.copy2(path, course.backups_dir / f"{stamp}.db")
    return chosen, kept


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
    held = []
    try:
        for lock in sorted(course.state_dir.glob("grade-*.lock")):
            if lock.name == f"grade-{module}.lock":
                continue
            handle, holder = _flock(lock)
            if handle is None:
                raise CourseError(f"{lock.stem.removeprefix('grade-')} is being graded right now by {holder}; "
                                  "restore the gradebook when no batch runs")
            held.append(handle)
        yield
    finally:
        for handle in held:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def share_engines_and_validators() -> None:
    """Make a worker build nbgrader's database engine and metadata-schema validator once, not per use.

    nbgrader creates a new SQLAlchemy engine each time it opens the gradebook (several times per
    submission), losing SQLAlchemy's compiled-statement cache, and re-checks its metadata schema
    against the JSON-Schema meta-schema for every cell it validates. Together these were most of
    nbgrader's own work per submission. The objects reused are the ones nbgrader would build;
    closing a gradebook still releases its connections, and validation results are unchanged.
    Workers sharing an SQLite gradebook also wait longer for each other's writes.
    """
    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common

    create = nbgrader.api.create_engine
    engines: dict[tuple, Any] = {}

    def shared_engine(url: Any, **kwargs: Any) -> Any:
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            if str(url).startswith("sqlite"):
                # parallel workers share one SQLite file: wait for a writer rather than fail after 5 s
                kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_SECONDS})
            engines[key] = create(url, **kwargs)
        return engines[key]

    validators: dict[str, Any] = {}

    class CachedSchemaValidation:
        """Stands in for the jsonschema module inside nbgrader's metadata validator."""

        ValidationError = jsonschema.ValidationError

        @staticmethod
        def validate(instance: Any, schema: dict) -> None:
            key = json.dumps(schema, sort_keys=True)
            if key not in validators:
                validator_class = jsonschema.validators.validator_for(schema)
                validator_class.check_schema(schema)
                validators[key] = validator_class(schema)
            validators[key].validate(instance)

    nbgrader.api.create_engine = shared_engine
    nbgrader.nbgraderformat.common.jsonschema = CachedSchemaValidation
