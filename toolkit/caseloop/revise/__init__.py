"""Revise stage: item statistics and mentor agreement into a ranked revision backlog for trainers.

`inputs` reads failure texts and picks trainees (graded items and answers come from `caseloop.compile`),
`statistics` computes per cell and exercise, `flags` turns statistics, mentors and the survey into ranked
backlog entries, `writeback` puts statistics into source cell metadata and flags into case files, `run`
ties them together.
"""

from caseloop.revise.flags import survey_flags
from caseloop.revise.run import Revision, revise, write_reports
from caseloop.revise.statistics import item_statistics, survey_summary
from caseloop.revise.thresholds import Thresholds
from caseloop.revise.writeback import merge_revision_flags

__all__ = ["Revision", "Thresholds", "item_statistics", "merge_revision_flags", "revise",
           "survey_flags", "survey_summary", "write_reports"]
