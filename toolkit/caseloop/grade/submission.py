"""One submission, graded inside a worker process with nbgrader's Autograde.

The worker builds nbgrader's API once from the course's nbgrader_config.py, which declares
caseloop's grading steps (`caseloop.nbgrader_ext`); a batch's options only change the limits of
those steps (cell time, sandbox memory, the literal fast path), never the steps themselves.
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
    SYNTAX,
    TIMED_OUT,
    SubmissionResult,
)
from caseloop.release import nbgrader_reason


@dataclass(frozen=True)
class GradeOptions:
    """Knobs of a batch; None means the course's nbgrader_config.py decides."""

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: int | None = None          # seconds per cell
    memory_mb: int | None = None        # address-space limit of each sandboxed process (0: none)
    fast_path: bool = True              # literal-answer notebooks run without a sandbox
    regrade: bool = False               # grade again even what this submission already has scores for
    cluster: str | None = None          # Dask scheduler address; None grades on this machine
    accept_gradebook: bool = False      # grade even into a gradebook with fewer rows than its last backup


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


RESUBMIT = "ask the trainee to re-fetch the module, copy their answers in and submit again"
CELL_TYPES = {"code", "markdown", "raw"}


def problem_with(notebook: Path) -> str | None:
    """Why a submitted notebook cannot be graded, or None when nbgrader can read it.

    Everything nbgrader would trip over is caught here, by name: not UTF-8, not JSON, JSON that is
    not a notebook (an array, null, a string), a format number that is missing, text or not 4, no
    cells or cells that are not a list of cells.
    """
    import nbformat

    if not notebook.is_file():
        return f"{notebook}: missing; ask the trainee to submit it again from the assignment list"
    try:
        data = json.loads(notebook.read_bytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError, MemoryError) as err:
        return f"{notebook}: not a readable notebook ({type(err).__name__}: {str(err)[:120]}); {RESUBMIT}"
    if not isinstance(data, dict):
        return f"{notebook}: JSON but not a notebook (a {type(data).__name__} instead of an object); {RESUBMIT}"
    version = data.get("nbformat")
    if type(version) is not int:
        shown = "missing" if version is None else f"{json.dumps(version)[:40]}, not a number"
        return f"{notebook}: its notebook format is {shown}; {RESUBMIT}"
    if version != 4:
        return f"{notebook}: notebook format {version} is not supported; ask the trainee to submit the released version"
    cells = data.get("cells")
    if not isinstance(cells, list):
        what = "no cells" if cells is None else f"cells that are a {type(cells).__name__}, not a list"
        return f"{notebook}: a notebook with {what}; {RESUBMIT}"
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source") if isinstance(cell, dict) else None
        if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES or not (
                isinstance(source, str) or (isinstance(source, list) and all(isinstance(x, str) for x in source))
        ) or not isinstance(cell.get("metadata", {}), dict):
            return f"{notebook}: cell {number} is not a notebook cell; {RESUBMIT}"
    if not isinstance(data.get("metadata", {}), dict):
        return f"{notebook}: its metadata is not an object; {RESUBMIT}"
    try:
        nbformat.reads(json.dumps(data), as_version=4)
    except Exception as err:  # noqa: BLE001  (whatever else nbformat refuses)
        return f"{notebook}: not a readable notebook ({type(err).__name__}: {str(err)[:120]}); {RESUBMIT}"
    return None


def syntax_problems(notebook: Path) -> list[str]:
    """The trainee's code cells (answers and cells they added) that are not valid Python, with why."""
    import nbformat

    from caseloop.notebook import cell_name, is_helper_cell, syntax_problem

    found = []
    for number, cell in enumerate(nbformat.read(notebook, as_version=4).cells, start=1):
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or grading.get("locked") or grading.get("grade") or is_helper_cell(cell):
            continue
        why = syntax_problem(cell.source)
        if why:
            found.append(f"cell {number} ({cell_name(cell)}): {why}")
    return found


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
    """Autograde one trainee's submission of MODULE in this worker, unless it cannot be read.

    Every way this can go wrong ends in a SubmissionResult; an error of caseloop's own is
    `autograde failed`, with what happened and what to do.
    """
    course: Course = _worker["course"]
    folder = course.submission_dir(trainee, module)
    stamp = submitted_at(course, module, trainee)
    try:
        return _grade(course, module, trainee, source_names, folder, stamp)
    except Exception as err:  # noqa: BLE001  (one submission's fault never stops the batch)
        return SubmissionResult(trainee, module, FAILED, f"{folder}: caseloop failed while grading it "
                                f"({type(err).__name__}: {str(err)[:200]}); report this with the submission", stamp,
                                now())


def _grade(course: Course, module: str, trainee: str, source_names: list[str], folder: Path,
           stamp: str) -> SubmissionResult:
    names = source_names or [p.name for p in folder.glob("*.ipynb")]
    for name in names:
        problem = problem_with(folder / name)
        if problem:
            status = MISSING if not (folder / name).exists() else MALFORMED
            return SubmissionResult(trainee, module, status, problem, stamp, now())
    syntax = [f"{name}: {why}" for name in names for why in syntax_problems(folder / name)]
    gradebook.set_aside_replaced(course, module, trainee, stamp)
    result = _worker["api"].autograde(module, trainee, force=True, create=True)
    if not result.get("success"):
        reason = nbgrader_reason(result)
        said = result.get("log", "") + result.get("error", "")
        died = any(word in said for word in ("DeadKernelError", "UnresponsiveKernelError", "Kernel died"))
        # A kernel that ran out of its memory limit may die in a native library (OpenBLAS) instead of raising.
        starved = any(word in said for word in ("MemoryError", "Memory allocation", "Cannot allocate memory"))
        status = (OUT_OF_MEMORY if starved else KERNEL_DIED) if died else FAILED
        return SubmissionResult(trainee, module, status, f"{folder}: {reason}", stamp, now())
    status, detail = _outcome_from_notebooks(course.autograded_submission_dir(trainee, module))
    late = gradebook.seconds_late(course, module, trainee) > 0
    if status == GRADED and syntax:
        status = SYNTAX
        detail = (f"{folder}: {'; '.join(syntax)[:300]}; the items that read these cells scored 0 and the rest was "
                  "graded" + ("; submitted after the due date (the late policy applied)" if late else ""))
    elif status == GRADED and late:
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
