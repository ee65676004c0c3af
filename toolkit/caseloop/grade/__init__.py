"""Grade stage: collect submissions from the exchange and autograde them with nbgrader, in parallel."""

from caseloop.course.journal import (
    FAILED,
    FINAL,
    GRADED,
    KERNEL_DIED,
    LATE,
    MALFORMED,
    MISSING,
    OUT_OF_MEMORY,
    SCORED,
    SYNTAX,
    TIMED_OUT,
    WORKER_DIED,
    SubmissionResult,
    batch_results,
)
from caseloop.grade.batch import collect, grade, pending, pipeline_note, watch
from caseloop.grade.submission import GradeOptions, problem_with, submitted_trainees

__all__ = ["FAILED", "FINAL", "GRADED", "KERNEL_DIED", "LATE", "MALFORMED", "MISSING", "OUT_OF_MEMORY", "SCORED",
           "SYNTAX", "TIMED_OUT", "WORKER_DIED", "GradeOptions", "SubmissionResult", "batch_results",
           "collect", "grade", "pending", "pipeline_note", "problem_with", "submitted_trainees", "watch"]
