"""caseloop's grading steps as nbgrader preprocessors, declared in the course's nbgrader_config.py.

`caseloop grade`, `nbgrader autograde` and the formgrader's Autograde button all build nbgrader's
Autograde converter from that file, so they run the same steps and give the same scores.
"""

from caseloop.nbgrader_ext.execute import FlagTamperedTests, LiteralExecute, fast_path_applies
from caseloop.nbgrader_ext.pipeline import CASELOOP_STEPS, declared_in, missing_steps
from caseloop.nbgrader_ext.review import SaveAutoGradesForReview
from caseloop.nbgrader_ext.sanitize import DropDuplicateIds, StripTrainerNotes

__all__ = ["CASELOOP_STEPS", "DropDuplicateIds", "FlagTamperedTests", "LiteralExecute",
           "SaveAutoGradesForReview", "StripTrainerNotes", "declared_in", "fast_path_applies", "missing_steps"]
