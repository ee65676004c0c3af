"""What waits for a mentor in a module: the replies the grader was unsure of first, then the rubric cells.

A cell waits when nbgrader's gradebook says it needs a manual grade: a reply whose check was unsure
(`SaveAutoGradesForReview` marks it, and its autograde stands meanwhile) or a task cell no mentor has
scored yet. The formgrader lists both but orders them by trainee; this queue orders them as a mentor
should work through them, with the grader's reasons and the formgrader address of each submission.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from caseloop.course import Course, gradebook
from caseloop.nbgrader_ext.review import unsure_reasons

COLUMNS = ["trainee", "notebook", "cell", "waits_because", "autograde", "max_score", "reasons", "submitted",
           "formgrader"]
UNSURE, RUBRIC = "the grader is unsure", "a mentor's score"


def _cells(course: Course, module: str, trainee: str, notebook: str) -> dict[str, Any]:
    """The autograded notebook's graded cells by grade id (empty when the file is missing or unreadable)."""
    path = course.autograded_submission_dir(trainee, module) / f"{notebook}.ipynb"
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return {}
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in cells if isinstance(cell, dict)
            and cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def waiting(course: Course, module: str) -> pd.DataFrame:
    """Every cell of MODULE that needs a manual grade, one row each, with why it waits (see `COLUMNS`)."""
    rows = []
    with gradebook.opened(course) as book:
        for submission in book.assignment_submissions(module):
            for notebook in submission.notebooks:
                cells = None
                for grade in notebook.grades:
                    if not grade.needs_manual_grade:
                        continue
                    cells = cells if cells is not None else _cells(course, module, submission.student.id,
                                                                  notebook.name)
                    reasons = unsure_reasons(cells.get(grade.name, {}))
                    rows.append({"trainee": submission.student.id, "notebook": notebook.name, "cell": grade.name,
                                 "waits_because": UNSURE if reasons else RUBRIC, "autograde": grade.auto_score,
                                 "max_score": grade.max_score, "reasons": "; ".join(reasons),
                                 "submitted": submission.timestamp, "formgrader": f"formgrader/submissions/"
                                                                                  f"{notebook.id}/"})
    return ordered(pd.DataFrame(rows, columns=COLUMNS))


def ordered(queue: pd.DataFrame) -> pd.DataFrame:
    """Unsure replies first, then rubric cells; within each, the earliest submission first."""
    rank = queue["waits_because"].map({UNSURE: 0, RUBRIC: 1})
    return (queue.assign(_rank=rank).sort_values(["_rank", "submitted", "trainee", "cell"], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))
