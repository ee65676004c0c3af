"""The grading vocabulary that graded test cells call (`from caseloop import checks`).

Every check takes a trainee's plain-literal answer and the item's points, prints bilingual
(zh / en) feedback that says what was found, what was missing and why, and returns a `Score`.
Platform numbers come from `policy.yaml` through `policy()`.
"""

from caseloop.checks.decisions import add_days, choice, date, number, parse_date, parse_number, picked_option, text
from caseloop.checks.languages import LANGUAGE_NAMES, detect_language
from caseloop.checks.policy import policy, policy_entry
from caseloop.checks.replies import DEFAULT_RUBRIC, reply
from caseloop.checks.score import Finding, Score, answer_text

__all__ = ["DEFAULT_RUBRIC", "LANGUAGE_NAMES", "Finding", "Score", "add_days", "answer_text", "choice", "date",
           "detect_language", "number", "parse_date", "parse_number", "picked_option", "policy", "policy_entry",
           "reply", "text"]
