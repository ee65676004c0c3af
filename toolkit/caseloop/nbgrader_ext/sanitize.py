"""Steps caseloop adds to nbgrader's preprocessor pipelines, where nbgrader's own fall short."""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import DeduplicateIds, NbGraderPreprocessor

# Cell metadata for trainers only: item statistics written by `caseloop revise`.
TRAINER_ONLY_KEYS = ("stats", "stats_history")


class DropDuplicateIds(DeduplicateIds):
    """Turn a pasted copy of a graded or answer cell into a plain cell, keeping the last copy graded.

    nbgrader's DeduplicateIds leaves the copy with empty nbgrader metadata, which its own
    metadata check then rejects as an "old version" and the whole submission fails; removing
    the key instead lets the submission be graded on its real cells.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        if not (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell)):
            return cell, resources
        grade_id = cell.metadata.nbgrader["grade_id"]
        if grade_id in self.grade_ids:
            self.log.warning("Cell with id '%s' exists multiple times; grading the last copy", grade_id)
            del cell.metadata["nbgrader"]
        else:
            self.grade_ids.add(grade_id)
        return cell, resources


class StripTrainerNotes(NbGraderPreprocessor):
    """Remove trainer-only caseloop metadata (item statistics) from the trainee version of a module."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        notes = cell.metadata.get("caseloop", {})
        for key in TRAINER_ONLY_KEYS:
            notes.pop(key, None)
        return cell, resources
