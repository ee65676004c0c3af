"""Case library: one human-edited YAML file per after-sales case, validated, scrubbed, searchable.

A case (seed 004) records a real, scrubbed ticket: problem type, market, buyer's message and core
demand, root cause, resolution steps, reply template, outcome, evidence, lessons, tags, the
policy sources it relies on and its review state. Exercises are written from approved cases.

Pure functions over case mappings and tidy frames (`schema`, `scrub`, `ticket`, `library`, `search`, `stats`);
files are read by `read_library` and written only by `editing` (`new_case`, `set_review`, atomically).
"""

from caseloop.cases.browser import browser, case_html
from caseloop.cases.editing import draft_case, new_case, render_case, set_review
from caseloop.cases.labels import MARKETS, OUTCOMES, PROBLEM_TYPES, REVIEW_STATES, ROOT_CAUSES, SOURCES_FILE
from caseloop.cases.library import Library, case_frame, library_command, search_text
from caseloop.cases.schema import Problem, check_case, read_library, read_sources
from caseloop.cases.scrub import find_personal_data, scrub
from caseloop.cases.stats import STAT_DIMENSIONS, case_stats, write_stats

__all__ = ["MARKETS", "OUTCOMES", "PROBLEM_TYPES", "REVIEW_STATES", "ROOT_CAUSES", "SOURCES_FILE", "STAT_DIMENSIONS",
           "Library", "Problem", "browser", "case_frame", "case_html", "case_stats", "check_case", "draft_case",
           "find_personal_data", "library_command", "new_case", "read_library", "read_sources", "render_case", "scrub",
           "search_text", "set_review", "write_stats"]
