"""`caseloop demo`: simulated trainees through the real stages, in a fresh copy of the course.

`programme` runs two cohorts through the whole curriculum over simulated weeks; `module` runs one
cohort through one module in seconds. `answers` is what a simulated trainee writes and submits.
Nothing in the package imports the demo; the CLI's `demo` command does.
"""

from caseloop.demo.answers import AnswerCell, answer_cells, pick_variant, simulated_answer, submit_answers
from caseloop.demo.module import cohort, run_module, submit_cohort
from caseloop.demo.programme import run

__all__ = ["AnswerCell", "answer_cells", "cohort", "pick_variant", "run", "run_module", "simulated_answer",
           "submit_answers", "submit_cohort"]
