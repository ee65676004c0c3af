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

BACKUPS_KEPT = 10
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


@contextmanager
def grading_lock(course: Course, module: str) -> Iterator[None]:
    """Hold the module's grading lock; a second grader gets a message naming the holder.

    The lock is an flock on a file, so the kernel releases it when a batch dies, even by SIGKILL.
    """
    folder = course.state_dir
    folder.mkdir(exist_ok=True)
    path = folder / f"grade-{module}.lock"
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another grader"
        handle.close()
        raise CourseError(f"{module} is being graded right now by {holder}; wait for that batch to finish "
                          f"(lock: {path})") from None
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


def back_up(course: Course, module: str) -> Path | None:
    """Back the gradebook up before a batch (SQLite backup API, or pg_dump); keep the newest copies."""
    url = course.db_url()
    folder = course.backups_dir
    stem = f"gradebook-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-before-{module}"
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
