"""nbgrader configuration: the repository root is the caseloop course directory.

caseloop and the plain `nbgrader` command read this same file. Paths are relative to this file,
so the course works wherever it is cloned. For a JupyterHub deployment, see README.md.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = here
c.CourseDirectory.course_id = "caseloop"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")

# Single-machine course: the exchange lives inside the course directory (git-ignored).
c.Exchange.root = os.path.join(here, "exchange")

# Trainees answer between triple quotes; the released answer cell keeps the quotes and an
# empty line where the model answer was, instead of nbgrader's `raise NotImplementedError()`.
c.ClearSolutions.code_stub = {"python": ""}

# caseloop's grading steps. `caseloop grade`, `nbgrader autograde` and the formgrader's Autograde
# button all read these lists, so every way of grading this course runs the same pipeline: nbgrader's
# defaults with DropDuplicateIds (pasted graded cells), FlagTamperedTests (edited or deleted test
# cells score 0 with a reason), LiteralExecute (answers read as literals, never run) and
# SaveAutoGradesForReview (replies the grader is unsure of are marked for a mentor).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "caseloop.nbgrader_ext.DropDuplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "caseloop.nbgrader_ext.FlagTamperedTests",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "caseloop.nbgrader_ext.LiteralExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "caseloop.nbgrader_ext.SaveAutoGradesForReview",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Each graded cell gets at most this long to run; each sandboxed process (trainee code) at most this much memory.
c.Execute.timeout = 60
c.LiteralExecute.memory_limit_mb = 2048

# nbconvert validates the notebook after every step above unless told to validate once, after the
# last one: the same check on the graded notebook for about a sixth less CPU per submission.
c.Exporter.optimistic_validation = True

# Keep the kernel's own start-up warnings out of grading output.
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
