"""The grading journal: each submission's grading outcome, in reports/grade-<module>.csv.

`caseloop grade` appends an outcome as soon as it is known (so a killed batch resumes where it
stopped); reports and feedback read the latest outcome per trainee from here.
"""

from __future__ import annotations

import csv
import os
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from caseloop.course.layout import Course
from caseloop.files import replacing

GRADED = "graded"
LATE = "late"
TIMED_OUT = "timed out"
KERNEL_DIED = "kernel died"
OUT_OF_MEMORY = "out of memory"
SYNTAX = "syntax error"
MALFORMED = "malformed notebook"
MISSING = "missing notebook"
WORKER_DIED = "worker died"
FAILED = "autograde failed"
# Outcomes of a finished autograde run: the submission has its scores in the gradebook.
SCORED = {GRADED, LATE, TIMED_OUT, KERNEL_DIED, OUT_OF_MEMORY, SYNTAX}
# Outcomes that stand until the trainee submits again. An autograde failure (caseloop's own fault)
# is retried by the next batches, up to FAILED_TRIES times in all; then it stands too.
FINAL = SCORED | {MALFORMED, MISSING, WORKER_DIED}
FAILED_TRIES = 3


@dataclass(frozen=True)
class SubmissionResult:
    """How one trainee's submission of one module ended, and what to do about it if it failed."""

    trainee: str
    module: str
    status: str
    detail: str = ""
    submitted_at: str = ""
    graded_at: str = ""
    tries: str = "1"          # how many batches have tried this submission and failed (autograde failed)


def journal_path(course: Course, module: str) -> Path:
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


def append(path: Path, result: SubmissionResult) -> None:
    """Record one outcome durably before moving on, so a killed batch knows it."""
    new = not path.is_file() or path.stat().st_size == 0
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(asdict(result))
        handle.flush()
        os.fsync(handle.fileno())


def compact(path: Path) -> None:
    """Rewrite the status file with one row per trainee, atomically."""
    rows = read_batch_status(path)
    with replacing(path) as partial, partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)




def forget_after(path: Path, when: datetime) -> None:
    """Keep only the outcomes graded up to WHEN (a gradebook restored from then lacks the later grades)."""
    rows = [row for row in read_batch_status(path) if _graded_at(row) <= when]
    with replacing(path) as partial, partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _graded_at(row: dict[str, str]) -> datetime:
    try:
        return datetime.fromisoformat(row["graded_at"])
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)


def settled(row: dict[str, str]) -> bool:
    """Whether a journal row's outcome stands: final, or failed as often as failures are retried."""
    if row["status"] in FINAL:
        return True
    return row["status"] == FAILED and _tries(row) >= FAILED_TRIES


def _tries(row: dict[str, str]) -> int:
    try:
        return int(row.get("tries") or 1)
    except ValueError:
        return 1


def retried(result: SubmissionResult, previous: dict[str, str] | None) -> SubmissionResult:
    """RESULT counting the earlier failures of the same submission; a failure retried enough says so."""
    from dataclasses import replace

    if result.status != FAILED:
        return result
    same = previous is not None and previous["status"] == FAILED and previous["submitted_at"] == result.submitted_at
    tries = _tries(previous) + 1 if same else 1
    detail = result.detail
    if tries >= FAILED_TRIES:
        detail += (f" (failed {tries} times, so it is not retried again: fix the cause, then run "
                   f"`caseloop grade {result.module} --regrade`)")
    else:
        detail += f" (try {tries} of {FAILED_TRIES}; the next `caseloop grade {result.module}` retries it)"
    return replace(result, detail=detail, tries=str(tries))


def batch_results(course: Course, module: str) -> list[SubmissionResult]:
    """Every trainee's latest grading outcome for MODULE."""
    return [SubmissionResult(**row) for row in read_batch_status(journal_path(course, module))]
