"""The gradebook: nbgrader's database, opened, read and locked in one place.

nbgrader owns the schema and every write (autograde, the formgrader); caseloop opens the
gradebook only through `opened` and holds one grading lock per module so two graders never write
the same scores. Its backups are `caseloop.course.backups`.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caseloop.course.layout import Course
from caseloop.files import CourseError

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


def try_flock(path: Path) -> tuple[Any, str]:
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
    handle, holder = try_flock(path)
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


def require_assignment(course: Course, module: str) -> None:
    """Refuse to grade a module nbgrader has not recorded yet: every submission would fail, one by one."""
    from nbgrader.api import MissingEntry

    url = course.db_url()
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
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
