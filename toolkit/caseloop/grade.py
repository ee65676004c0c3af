"""Grade stage: collect submissions from the exchange and autograde them with nbgrader, in parallel.

A batch is safe to run and to interrupt:
- one grader at a time per module (a lock names who holds it), the gradebook backed up first;
- every submission is checked before nbgrader sees it, so a broken notebook is reported by name
  (file, problem, what to do) and never stops the batch;
- submissions are graded by worker processes forked from a warm parent (nbgrader loaded once),
  each with nbgrader's own Autograde pipeline and caseloop's `LiteralExecute` step;
- each outcome is appended to reports/grade-<module>.csv as soon as it is known, so a killed batch
  resumes where it stopped: `caseloop grade MODULE` again grades what is not yet graded, once.
"""

from __future__ import annotations

import csv
import fcntl
import getpass
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from caseloop.course import Course, CourseError, replacing
from caseloop.release import nbgrader_reason

GRADED = "graded"
LATE = "late"
TIMED_OUT = "timed out"
KERNEL_DIED = "kernel died"
OUT_OF_MEMORY = "out of memory"
MALFORMED = "malformed notebook"
MISSING = "missing notebook"
FAILED = "autograde failed"
# Outcomes of a finished autograde run: the submission has its scores in the gradebook.
SCORED = {GRADED, LATE, TIMED_OUT, KERNEL_DIED, OUT_OF_MEMORY}
# Outcomes that stand until the trainee submits again (an autograde failure is retried).
FINAL = SCORED | {MALFORMED, MISSING}
BACKUPS_KEPT = 10
SQLITE_BUSY_SECONDS = 120


@dataclass(frozen=True)
class SubmissionResult:
    """How one trainee's submission of one module ended, and what to do about it if it failed."""

    trainee: str
    module: str
    status: str
    detail: str = ""
    submitted_at: str = ""
    graded_at: str = ""


@dataclass(frozen=True)
class GradeOptions:
    """Knobs of a batch; None means the course's nbgrader_config.py decides."""

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: int | None = None          # seconds per cell
    memory_mb: int | None = 2048        # address-space limit of each kernel
    fast_path: bool = True              # literal-answer notebooks run without a kernel
    regrade: bool = False               # grade again even what this submission already has scores for
    cluster: str | None = None          # Dask scheduler address; None grades on this machine


def collect(course: Course, module: str) -> list[str]:
    """Copy every trainee's latest submission of MODULE from the exchange into submitted/."""
    result = course.nbgrader_api().collect(module)
    if not result or not result.get("success"):
        raise CourseError(f"nbgrader could not collect {module}: {nbgrader_reason(result or {})}")
    return submitted_trainees(course, module)


def submitted_trainees(course: Course, module: str) -> list[str]:
    return sorted(p.parent.name for p in course.submitted_dir.glob(f"*/{module}") if p.is_dir())


def submitted_at(course: Course, module: str, trainee: str) -> str:
    """The submission time nbgrader recorded at collection (empty when it recorded none)."""
    stamp = course.submitted_dir / trainee / module / "timestamp.txt"
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else ""


def problem_with(notebook: Path) -> str | None:
    """Why a submitted notebook cannot be graded, or None when nbgrader can read it."""
    import nbformat

    if not notebook.is_file():
        return f"{notebook}: missing; ask the trainee to submit it again from the assignment list"
    try:
        nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    except (json.JSONDecodeError, UnicodeDecodeError, nbformat.reader.NotJSONError) as err:
        return f"{notebook}: not a readable notebook ({type(err).__name__}: {str(err)[:120]}); ask the trainee " \
               "to re-fetch the module, copy their answers in and submit again"
    if nb.get("nbformat") != 4:
        return f"{notebook}: notebook format {nb.get('nbformat')} is not supported; ask the trainee to submit " \
               "the released version"
    return None


# -- one submission, inside a worker ---------------------------------------------------------

_worker: dict[str, Any] = {}


def grading_overrides(options: GradeOptions) -> dict[str, dict[str, Any]]:
    """nbgrader configuration for caseloop's Autograde: the LiteralExecute step and the limits."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from caseloop.execute import FlagTamperedTests, LiteralExecute
    from caseloop.sanitize import DropDuplicateIds

    execute: dict[str, Any] = {"fast_path": options.fast_path}
    if options.timeout:
        execute["timeout"] = options.timeout
    kernel_args = ["--IPKernelApp.log_level=ERROR"]
    if options.memory_mb:
        limit = options.memory_mb * 1024 * 1024
        kernel_args.append(f"--IPKernelApp.exec_lines=import resource; "
                           f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))")
    execute["extra_arguments"] = kernel_args
    return {
        "Autograde": {"sanitize_preprocessors": [ClearOutput, DropDuplicateIds, OverwriteKernelspec, FlagTamperedTests,
                                                 OverwriteCells, CheckCellMetadata],
                      "autograde_preprocessors": [LiteralExecute, IgnorePattern, ClearMetadataPreprocessor,
                                                  LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                                  CheckCellMetadata]},
        "LiteralExecute": execute,
    }


def _start_worker(root: str, options: GradeOptions) -> None:
    """Local worker set-up: die with the batch (no orphan keeps writing), then prepare nbgrader."""
    _die_with_parent()
    for descriptor in _held_locks:  # the batch's lock belongs to the parent alone, so it ends with it
        os.close(descriptor)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for the whole batch
    _prepare_worker(root, options)


def _prepare_worker(root: str, options: GradeOptions) -> None:
    """Build this process's nbgrader API for the course once; later tasks reuse it."""
    if _worker.get("key") == (root, options):
        return
    warnings.filterwarnings("ignore", module="nbgrader.api")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    if not _worker:
        _reuse_nbgrader_resources()
    course = Course.at(Path(root))
    _worker.update(key=(root, options), course=course, api=course.nbgrader_api(**grading_overrides(options)))


def _reuse_nbgrader_resources() -> None:
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


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies, so a killed batch leaves no workers."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _outcome_from_notebooks(folder: Path) -> tuple[str, str]:
    """The status an autograded submission earned: timed out or out of memory if a cell says so."""
    import nbformat

    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                if output.get("ename") == "CellTimeoutError":
                    return TIMED_OUT, f"{path}: a cell ran past the time limit and scored 0"
                if output.get("ename") == "MemoryError":
                    return OUT_OF_MEMORY, f"{path}: a cell ran out of its memory limit and scored 0"
    return GRADED, ""


def grade_submission(module: str, trainee: str, source_names: list[str]) -> SubmissionResult:
    """Autograde one trainee's submission of MODULE in this worker, unless it cannot be read."""
    course: Course = _worker["course"]
    folder = course.submitted_dir / trainee / module
    stamp = submitted_at(course, module, trainee)
    names = source_names or [p.name for p in folder.glob("*.ipynb")]
    for name in names:
        problem = problem_with(folder / name)
        if problem:
            status = MISSING if not (folder / name).exists() else MALFORMED
            return SubmissionResult(trainee, module, status, problem, stamp, _now())
    result = _worker["api"].autograde(module, trainee, force=True, create=True)
    if not result.get("success"):
        reason = nbgrader_reason(result)
        died = any(word in (result.get("log", "") + result.get("error", ""))
                   for word in ("DeadKernelError", "UnresponsiveKernelError", "Kernel died"))
        status = KERNEL_DIED if died else FAILED
        return SubmissionResult(trainee, module, status, f"{folder}: {reason}", stamp, _now())
    status, detail = _outcome_from_notebooks(course.autograded_dir / trainee / module)
    if status == GRADED and _seconds_late(course, module, trainee) > 0:
        status, detail = LATE, "submitted after the due date; nbgrader applied the course's late policy"
    return SubmissionResult(trainee, module, status, detail, stamp, _now())


def _seconds_late(course: Course, module: str, trainee: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url()) as gradebook:
        return gradebook.find_submission(module, trainee).total_seconds_late


_cluster_task_lock = threading.Lock()


def grade_on_cluster(root: str, options: GradeOptions, module: str, trainee: str,
                     source_names: list[str]) -> SubmissionResult:
    """One grading task on a Dask worker sharing the course directory.

    nbgrader is not thread-safe, so tasks in one worker process run one at a time.
    """
    with _cluster_task_lock:
        _prepare_worker(root, options)
        return grade_submission(module, trainee, source_names)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- the batch -------------------------------------------------------------------------------


# File descriptors of the grading locks this process holds; forked workers close their copies.
_held_locks: set[int] = set()


@contextmanager
def batch_lock(course: Course, module: str) -> Iterator[None]:
    """Hold the module's grading lock; a second grader gets a message naming the holder.

    The lock is an flock on a file, so the kernel releases it when a batch dies, even by SIGKILL.
    """
    folder = course.root / ".caseloop"
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


def backup_gradebook(course: Course, module: str) -> Path | None:
    """Back the gradebook up before a batch (SQLite backup API, or pg_dump); keep the newest copies."""
    url = course.db_url()
    folder = course.root / ".caseloop" / "backups"
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


def batch_status_path(course: Course, module: str) -> Path:
    return course.reports_dir / f"grade-{module}.csv"


COLUMNS = [f.name for f in fields(SubmissionResult)]


def read_batch_status(path: Path) -> list[dict[str, str]]:
    """The latest outcome per trainee; a line cut short by a killed batch is ignored."""
    if not path.is_file():
        return []
    latest: dict[str, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("trainee") and row.get("status") and None not in row.values():
                latest[row["trainee"]] = {key: row.get(key) or "" for key in COLUMNS}
    return [latest[t] for t in sorted(latest)]


def _append(path: Path, result: SubmissionResult) -> None:
    """Record one outcome durably before moving on, so a killed batch knows it."""
    new = not path.is_file() or path.stat().st_size == 0
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(asdict(result))
        handle.flush()
        os.fsync(handle.fileno())


def _compact(path: Path) -> None:
    """Rewrite the status file with one row per trainee, atomically."""
    rows = read_batch_status(path)
    with replacing(path) as partial, partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def pending(course: Course, module: str, trainees: list[str], regrade: bool) -> list[str]:
    """Trainees whose current submission has no final outcome yet from an earlier (possibly killed) batch."""
    if regrade:
        return trainees
    done = {row["trainee"]: row for row in read_batch_status(batch_status_path(course, module))
            if row["status"] in FINAL}
    return [t for t in trainees
            if t not in done or done[t]["submitted_at"] != submitted_at(course, module, t)
            or (done[t]["status"] in SCORED and not (course.autograded_dir / t / module).is_dir())]


def grade(
    course: Course,
    module: str,
    options: GradeOptions = GradeOptions(),
    progress: Callable[..., Iterable] = lambda items, total: items,
    on_result: Callable[[SubmissionResult], None] = lambda result: None,
) -> list[SubmissionResult]:
    """Autograde every collected submission of MODULE that has no scores yet; return every outcome.

    Raises CourseError only when the batch itself cannot run (lock held, nothing submitted, bad
    module); a submission that cannot be graded is an outcome in the list, not an error.
    """
    source_names = [p.name for p in course.source_notebooks(module)]
    trainees = submitted_trainees(course, module)
    if not trainees:
        raise CourseError(f"{course.submitted_dir}: no submissions of {module}; run `caseloop collect {module}` first")
    status_path = batch_status_path(course, module)
    status_path.parent.mkdir(parents=True, exist_ok=True)
    with batch_lock(course, module):
        todo = pending(course, module, trainees, options.regrade)
        if todo:
            backup_gradebook(course, module)
        for result in _run_pool(course, module, todo, source_names, options, status_path, progress):
            on_result(result)
        _compact(status_path)
    outcomes = {result.trainee: result for result in batch_results(course, module)}
    return [outcomes[t] for t in trainees if t in outcomes]


def batch_results(course: Course, module: str) -> list[SubmissionResult]:
    """Every trainee's latest grading outcome for MODULE, as recorded in reports/grade-MODULE.csv."""
    return [SubmissionResult(**row) for row in read_batch_status(batch_status_path(course, module))]


def _run_pool(course: Course, module: str, trainees: list[str], source_names: list[str], options: GradeOptions,
              status_path: Path, progress: Callable[..., Iterable]) -> Iterator[SubmissionResult]:
    """Grade `trainees` on forked workers, recording each outcome as it arrives."""
    if not trainees:
        return
    if options.cluster:
        yield from _run_cluster(course, module, trainees, source_names, options, status_path, progress)
        return
    import nbgrader.apps  # noqa: F401  (loaded once here, inherited by every forked worker)

    workers = max(1, min(options.workers, len(trainees)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                               initializer=_start_worker, initargs=(str(course.root), options))
    try:
        futures = [pool.submit(grade_submission, module, t, source_names) for t in trainees]
        for future in progress(as_completed(futures), total=len(futures)):
            result = future.result()
            _append(status_path, result)
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def watch(course: Course, module: str, options: GradeOptions = GradeOptions(), interval: float = 5.0,
          echo: Callable[[str], None] = print, rounds: int | None = None) -> None:
    """Collect and grade new submissions of MODULE as they arrive, until interrupted.

    Each round collects from the exchange and grades only what has no scores yet, so a trainee
    gets a score within about `interval` seconds plus the grading time of their submission.
    `rounds` bounds the number of rounds (None: until Ctrl-C).
    """
    import time

    echo(f"watching {module}: collecting and grading every {interval:g}s (Ctrl-C to stop)")
    done = 0
    try:
        while rounds is None or done < rounds:
            collect(course, module)
            if pending(course, module, submitted_trainees(course, module), regrade=False):
                grade(course, module, options, on_result=lambda r: echo(f"{_now()}  {r.trainee}: {r.status} "
                                                                          f"{r.detail}".rstrip()))
            done += 1
            time.sleep(interval)
    except KeyboardInterrupt:
        echo(f"stopped watching {module}")


def _run_cluster(course: Course, module: str, trainees: list[str], source_names: list[str], options: GradeOptions,
                 status_path: Path, progress: Callable[..., Iterable]) -> Iterator[SubmissionResult]:
    """Grade `trainees` as tasks on a Dask cluster whose workers see the same course directory."""
    try:
        from distributed import Client
        from distributed import as_completed as cluster_completed
    except ImportError:
        raise CourseError("--cluster needs Dask's distributed package: pip install 'caseloop[cluster]'") from None
    try:
        client = Client(options.cluster, timeout=10)
    except OSError as err:
        raise CourseError(f"cannot reach the Dask scheduler at {options.cluster}: {err}; start it with "
                          "`dask scheduler` and workers with `dask worker ADDRESS --nthreads 1`") from None
    try:
        futures = [client.submit(grade_on_cluster, str(course.root), options, module, t, source_names,
                                 key=f"caseloop-grade-{module}-{t}-{_now()}", pure=False) for t in trainees]
        for future in progress(cluster_completed(futures), total=len(futures)):
            result = future.result()
            _append(status_path, result)
            yield result
    finally:
        client.close()
