"""Author stage: start a module (new), check it before release (lint, check), build exercises and mentor rubrics."""

from caseloop.author.check import CellResult, check
from caseloop.author.exercise import add_exercise, exercise_cells
from caseloop.author.lint import Problem, lint, lint_notebook
from caseloop.author.new import new_module
from caseloop.author.rubric import add_rubric, rubric_cells

__all__ = ["CellResult", "Problem", "add_exercise", "add_rubric", "check", "exercise_cells", "lint", "lint_notebook",
           "new_module", "rubric_cells"]
