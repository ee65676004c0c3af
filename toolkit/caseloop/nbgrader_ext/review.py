"""Save step of autograding: nbgrader's SaveAutoGrades, and replies the grader is unsure of go to a mentor.

A reply check that is unsure (a borderline reply, words it does not know, phrasing it cannot
place) says so in its score's `unsure` reasons. This step saves the autograde as nbgrader does and
marks such a cell as needing a manual grade, so the formgrader lists it for mentors; the
autograde stands until a mentor scores the cell.
"""

from __future__ import annotations

from typing import Any

from nbgrader.preprocessors import SaveAutoGrades


def unsure_reasons(cell: Any) -> list[str]:
    """Why the check of a graded cell was unsure, from the JSON its score showed (empty if it was sure)."""
    for output in cell.get("outputs", []):
        data = output.get("data", {}) if output.get("output_type") == "execute_result" else {}
        score = data.get("application/json")
        if isinstance(score, dict) and score.get("caseloop_score"):
            return list(score.get("unsure", []))
    return []


class SaveAutoGradesForReview(SaveAutoGrades):
    """nbgrader's SaveAutoGrades; a cell whose check was unsure is also marked for a mentor's grade."""

    def _add_score(self, cell: Any, resources: Any) -> None:
        super()._add_score(cell, resources)
        if unsure_reasons(cell):
            grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                              self.assignment_id, self.student_id)
            if grade.manual_score is None:
                grade.needs_manual_grade = True
                self.gradebook.db.commit()
