"""caseloop's steps in the Autograde pipeline a course declares, and a check that a configuration declares them.

nbgrader_config.py's two lists are nbgrader's defaults with caseloop's steps in place: `DropDuplicateIds` for
nbgrader's `DeduplicateIds`, `FlagTamperedTests` before `OverwriteCells` restores edited tests,
`LiteralExecute` for `Execute`, and
`SaveAutoGradesForReview` for `SaveAutoGrades`. nbgrader_config.py spells them out (as import names, so the
file loads without importing caseloop); `caseloop grade` checks the course's file declares them.
"""

from __future__ import annotations

from typing import Any

# caseloop's own steps, by the names nbgrader_config.py gives them.
CASELOOP_STEPS = (
    "caseloop.nbgrader_ext.DropDuplicateIds",
    "caseloop.nbgrader_ext.FlagTamperedTests",
    "caseloop.nbgrader_ext.LiteralExecute",
    "caseloop.nbgrader_ext.SaveAutoGradesForReview",
)


def _name(step: Any) -> str:
    return step if isinstance(step, str) else f"{step.__module__}.{step.__qualname__}"


def _configured(config: Any, trait: str) -> list[str]:
    return [_name(step) for step in config.Autograde.get(trait, [])]


def missing_steps(config: Any) -> list[str]:
    """caseloop's own steps that a traitlets Config's Autograde pipeline lacks."""
    present = set(_configured(config, "sanitize_preprocessors")) | set(_configured(config, "autograde_preprocessors"))
    aliases = {"caseloop.nbgrader_ext.execute.LiteralExecute": "caseloop.nbgrader_ext.LiteralExecute",
               "caseloop.nbgrader_ext.review.SaveAutoGradesForReview": "caseloop.nbgrader_ext.SaveAutoGradesForReview",
               "caseloop.nbgrader_ext.execute.FlagTamperedTests": "caseloop.nbgrader_ext.FlagTamperedTests",
               "caseloop.nbgrader_ext.sanitize.DropDuplicateIds": "caseloop.nbgrader_ext.DropDuplicateIds"}
    present |= {aliases[name] for name in present if name in aliases}
    return [step for step in CASELOOP_STEPS if step not in present]


def declared_in(config: Any) -> bool:
    """Whether a traitlets Config runs caseloop's grading steps."""
    return not missing_steps(config)
