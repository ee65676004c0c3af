"""One submission, graded inside a worker process with nbgrader's Autograde.

The worker builds nbgrader's API once from the course's nbgrader_config.py, which declares
caseloop's grading steps (`caseloop.nbgrader_ext`); a batch's options only change the limits of
those steps (cell time, kernel memory, the literal fast path), never the steps themselves.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caseloop.course import Course, gradebook
from caseloop.course.journal import (
    FAILED,
    GRADED,
    KERNEL_DIED,
    LATE,
    MALFORMED,
    MISSING,
    OUT_OF_MEMORY,
    TIMED_OUT,
    SubmissionResult,
)
from caseloop.release import nbgrader_reason


@dataclass(frozen=True)
class GradeOptions:
    """Knobs of a batch; None means the course's nbgrader_config.py decides."""

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: int | None = None          # seconds per cell
    memory_mb: int | None = None        # address-space limit of each kernel (0: none)
    fast_path: bool = True              # literal-answer notebooks run without a kernel
    regrade: bool = False               # grade again even what this submission already has scores for
    cluster: str | None = None          # Dask scheduler address; None grades on this machine


def limits(options: GradeOptions) -> dict[str, dict[str, Any]]:
    """The batch's overrides of LiteralExecute's limits; everything else comes from nbgrader_config.py."""
    execute: dict[str, Any] = {}
    if not options.fast_path:
        execute["fast_path"] = False
    if options.timeout:
        execute["timeout"] = options.timeout
    if options.memory_mb is not None:
        execute["memory_limit_mb"] = options.memory_mb
    return {"LiteralExecute": execute} if execute else {}


def submitted_trainees(course: Course, module: str) -> list[str]:
    return sorted(p.parent.name for p in course.submitted_dir.glob(f"*/{module}") if p.is_dir())


def submitted_at(course: Course, module: str, trainee: str) -> str:
    """The submission time nbgrader recorded at collection (empty when it recorded none)."""
    stamp = course.submission_dir(trainee, module) / "timestamp.txt"
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


_worker: dict[str, Any] = {}


def start_worker(root: str, options: GradeOptions) -> None:
    """Local worker set-up: die with the batch (no orphan keeps writing), then prepare nbgrader."""
    _die_with_parent()
    gradebook.release_inherited_locks()  # the batch's lock belongs to the parent alone, so it ends with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for the whole batch
    prepare_worker(root, options)


def prepare_worker(root: str, options: GradeOptions) -> None:
    """Build this process's nbgrader API for the course once; later tasks reuse it."""
    if _worker.get("key") == (root, options):
        return
    warnings.filterwarnings("ignore", module="nbgrader.api")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    if not _worker:
        gradebook.share_engines_and_validators()
    course = Course.at(Path(root))
    _worker.update(key=(root, options), course=course, api=course.nbgrader_api(**limits(options)))


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
                if output.get("ename") == "DeadKernelError":
                    return KERNEL_DIED, (f"{path}: trainee code ended its sandbox (os._exit, a crash); the cells "
                                         "after it ran in a fresh sandbox and the rest was graded")
    return GRADED, ""


def grade_submission(module: str, trainee: str, source_names: list[str]) -> SubmissionResult:
    """Autograde one trainee's submission of MODULE in this worker, unless it cannot be read."""
    course: Course = _worker["course"]
    folder = course.submission_dir(trainee, module)
    stamp = submitted_at(course, module, trainee)
    names = source_names or [p.name for p in folder.glob("*.ipynb")]
    for name in names:
        problem = problem_with(folder / name)
        if problem:
            status = MISSING if not (folder / name).exists() else MALFORMED
            return SubmissionResult(trainee, module, status, problem, stamp, now())
    result = _worker["api"].autograde(module, trainee, force=True, create=True)
    if not result.get("success"):
        reason = nbgrader_reason(result)
        died = any(word in (result.get("log", "") + result.get("error", ""))
                   for word in ("DeadKernelError", "UnresponsiveKernelError", "Kernel died"))
        status = KERNEL_DIED if died else FAILED
        return SubmissionResult(trainee, module, status, f"{folder}: {reason}", stamp, now())
    status, detail = _outcome_from_notebooks(course.autograded_submission_dir(trainee, module))
    if status == GRADED and gradebook.seconds_late(course, module, trainee) > 0:
        status, detail = LATE, "submitted after the due date; nbgrader applied the course's late policy"
    return SubmissionResult(trainee, module, status, detail, stamp, now())


_cluster_task_lock = threading.Lock()


def grade_on_cluster(root: str, options: GradeOptions, module: str, trainee: str,
                     source_names: list[str]) -> SubmissionResult:
    """One grading task on a Dask worker sharing the course directory.

    nbgrader is not thread-safe, so tasks in one worker process run one at a time.
    """
    with _cluster_task_lock:
        prepare_worker(root, options)
        return grade_submission(module, trainee, source_names)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
