"""Grade stage: collect submissions from the exchange and autograde them with nbgrader.

Each submission is checked before nbgrader sees it, so one broken notebook is reported by name
(file, problem, what to do) instead of stopping the batch. The batch's outcome per trainee is
written to reports/grade-<module>.csv for the report stage.
"""

from __future__ import annotations

import csv
import json
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from caseloop.course import Course, CourseError
from caseloop.release import nbgrader_reason

GRADED = "graded"
MALFORMED = "malformed notebook"
MISSING = "missing notebook"
FAILED = "autograde failed"


@dataclass(frozen=True)
class SubmissionResult:
    """How one trainee's submission of one module ended, and what to do about it if it failed."""

    trainee: str
    module: str
    status: str
    detail: str = ""


def collect(course: Course, module: str) -> list[str]:
    """Copy every trainee's latest submission of MODULE from the exchange into submitted/."""
    result = course.nbgrader_api().collect(module)
    if not result or not result.get("success"):
        raise CourseError(f"nbgrader could not collect {module}: {nbgrader_reason(result or {})}")
    return submitted_trainees(course, module)


def submitted_trainees(course: Course, module: str) -> list[str]:
    return sorted(p.parent.name for p in course.submitted_dir.glob(f"*/{module}") if p.is_dir())


def problem_with(notebook: Path) -> str | None:
    """Why a submitted notebook cannot be graded, or None when nbgrader can read it."""
    import nbformat

    if not notebook.is_file():
        return f"{notebook}: missing; ask the trainee to submit it again from the assignment list"
    try:
        nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    except (json.JSONDecodeError, UnicodeDecodeError, nbformat.reader.NotJSONError) as err:
        return f"{notebook}: not a readable notebook ({type(err).__name__}: {err}); ask the trainee to " \
               "re-fetch the module, copy their answers in and submit again"
    if nb.get("nbformat") != 4:
        return f"{notebook}: notebook format {nb.get('nbformat')} is not supported; ask the trainee to submit " \
               "the released version"
    return None


def grade_submission(course: Course, module: str, trainee: str, source_names: list[str]) -> SubmissionResult:
    """Autograde one trainee's submission of MODULE, unless a notebook in it is unreadable."""
    folder = course.submitted_dir / trainee / module
    for name in source_names:
        problem = problem_with(folder / name)
        if problem:
            status = MISSING if not (folder / name).exists() else MALFORMED
            return SubmissionResult(trainee, module, status, problem)
    result = course.nbgrader_api().autograde(module, trainee, force=True, create=True)
    if not result.get("success"):
        return SubmissionResult(trainee, module, FAILED, f"{folder}: {nbgrader_reason(result)}")
    return SubmissionResult(trainee, module, GRADED)


def grade(
    course: Course,
    module: str,
    trainees: Iterable[str] | None = None,
    progress: Callable[[Iterable[str]], Iterable[str]] = lambda items: items,
) -> list[SubmissionResult]:
    """Autograde every collected submission of MODULE and record each trainee's outcome."""
    source_names = [p.name for p in course.source_notebooks(module)]
    trainees = list(trainees) if trainees is not None else submitted_trainees(course, module)
    if not trainees:
        raise CourseError(f"{course.submitted_dir}: no submissions of {module}; run `caseloop collect {module}` first")
    with warnings.catch_warnings():
        # nbgrader's gradebook triggers SQLAlchemy session warnings that say nothing to a grader.
        warnings.filterwarnings("ignore", module="nbgrader.api")
        warnings.filterwarnings("ignore", message=".*not in session.*")
        results = [grade_submission(course, module, trainee, source_names) for trainee in progress(trainees)]
    write_batch_status(course, module, results)
    return results


def write_batch_status(course: Course, module: str, results: list[SubmissionResult]) -> Path:
    """Merge this batch's outcomes into reports/grade-<module>.csv (one row per trainee)."""
    path = course.reports_dir / f"grade-{module}.csv"
    rows = {row["trainee"]: row for row in read_batch_status(path)}
    rows.update({r.trainee: {"trainee": r.trainee, "module": r.module, "status": r.status, "detail": r.detail}
                 for r in results})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["trainee", "module", "status", "detail"])
        writer.writeheader()
        writer.writerows(rows[t] for t in sorted(rows))
    return path


def read_batch_status(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
