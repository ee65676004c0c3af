"""Feedback stage: nbgrader's feedback for each trainee, with their competency summary and next steps.

`nbgrader generate_feedback` renders each autograded notebook as HTML; caseloop has it clear the
hidden tests first (nbgrader shows them by default, nbgrader issue #917), puts the trainee's
competency summary and next steps from the compiled grade table at the top, checks that no
hidden-test line survived, and only then releases the feedback to the exchange, where the
trainee fetches it from the assignment list.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from caseloop import notebook
from caseloop.analysis.mastery import competency_scores, latest_attempts
from caseloop.analysis.versions import follow_versions
from caseloop.course import Course, CourseError, write_atomically
from caseloop.release import nbgrader_reason
from caseloop.report import environment, highlights

SUMMARY_ID = "caseloop-summary"


def hidden_test_lines(course: Course, module: str) -> list[str]:
    """Every non-blank line between hidden-test markers in MODULE's source notebooks."""
    import nbformat

    lines = []
    for path in course.source_notebooks(module):
        for cell in nbformat.read(path, as_version=4).cells:
            lines += notebook.hidden_test_lines(cell.source)
    return lines


def visible_text(page: str) -> str:
    """The text of an HTML page as a reader sees it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def leaked_lines(page: str, secret_lines: list[str]) -> list[str]:
    """The hidden-test lines that can be read in a feedback page (empty when it is safe to release)."""
    text = visible_text(page)
    return [line for line in secret_lines if line in text]


def summary_html(grades: pd.DataFrame, course: Course, trainee: str) -> str:
    """The bilingual competency summary and next steps of one trainee, as an HTML section."""
    curriculum = course.curriculum()
    everything = latest_attempts(follow_versions(grades[grades["trainee"] == trainee], curriculum))
    latest = everything[everything["score"].notna()]  # cells waiting for a mentor are not evidence yet
    scores = {row.competency: row for row in competency_scores(latest, curriculum).itertuples()}
    weakest = highlights(latest).query("side == 'weakest'")
    to_practise = [code for code, row in scores.items()
                   if code in curriculum.competencies
                   and row.share < curriculum.competencies[code].thresholds.get(curriculum.mastery.at_level, 1.0)]
    return environment("zh").get_template("feedback-summary.html").render(
        section_id=SUMMARY_ID, trainee=trainee, curriculum=curriculum,
        competencies=[c for c in curriculum.competencies.values() if c.code in scores], scores=scores,
        to_practise=[curriculum.competencies[code] for code in to_practise],
        weakest=weakest.itertuples(), waiting=int(everything["score"].isna().sum()))


def add_summary(page: str, summary: str) -> str:
    """The feedback page with the summary first in its body (replacing one added before)."""
    page = re.sub(rf'<section id="{SUMMARY_ID}">.*?</section>\n?', "", page, flags=re.DOTALL)
    body = re.search(r"<body[^>]*>", page)
    if not body:
        raise CourseError("nbgrader's feedback page has no <body>; cannot add the competency summary")
    return page[:body.end()] + "\n" + summary + "\n" + page[body.end():]


def feedback(course: Course, module: str, trainees: list[str] | None = None) -> list[Path]:
    """Generate, complete, check and release MODULE's feedback; return the feedback pages.

    `trainees` limits the run to some trainees (default: every graded submission).
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    from caseloop.compile import read_grades

    grades = read_grades(course.reports_dir / "grades.csv")
    graded = sorted(set(grades.loc[grades["module"] == module, "trainee"]))
    if not graded:
        raise CourseError(f"{course.reports_dir / 'grades.csv'}: no grades for {module}; run `caseloop grade "
                          f"{module}` and `caseloop compile` first")
    unknown = sorted(set(trainees or []) - set(graded))
    if unknown:
        raise CourseError(f"{', '.join(unknown)}: no compiled grades for {module} in "
                          f"{course.reports_dir / 'grades.csv'}; graded trainees: {', '.join(graded)}")
    api = course.nbgrader_api(GenerateFeedback={"preprocessors": [GetGrades, ClearHiddenTests,
                                                                  CSSHTMLHeaderPreprocessor]})
    secret_lines = hidden_test_lines(course, module)
    trainees = trainees or graded
    pages = []
    for trainee in trainees:
        result = api.generate_feedback(module, trainee, force=True)
        if not result.get("success"):
            raise CourseError(f"nbgrader could not generate feedback on {module} for {trainee}: "
                              f"{nbgrader_reason(result)}")
        summary = summary_html(grades, course, trainee)
        for page in sorted(course.feedback_submission_dir(trainee, module).glob("*.html")):
            text = add_summary(page.read_text(encoding="utf-8"), summary)
            leaks = leaked_lines(text, secret_lines)
            if leaks:
                raise CourseError(f"{page}: feedback would show hidden test code ({leaks[0]!r}); nothing was "
                                  "released. Check that every hidden test sits between "
                                  f"{' and '.join(notebook.HIDDEN_TEST_MARKERS)} in the source notebook")
            write_atomically(page, text)
            pages.append(page)
    for trainee in trainees:
        result = api.release_feedback(module, trainee)
        if not result.get("success"):
            raise CourseError(f"nbgrader could not release feedback on {module} for {trainee}: "
                              f"{nbgrader_reason(result)}")
    return pages
