"""A mentor grades one reply of m07 in nbgrader's formgrader, in Debian's chromium; the report changes.

A trainee's m07 (model answers) is submitted, collected, graded, compiled and reported first; the
mentor then opens Formgrader > Manual Grading > m07 > final_assessment > Submission #1, reads
Sophie's reply with the automatic feedback under it, scores the three rubric criteria and comments
on one. The scores must land in the gradebook and change the trainee's report. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from caseloop import lab
from caseloop.course import Course
from conftest import lab_page, run_caseloop, shot, show_at_top

TRAINEE, MODULE, NOTEBOOK = "trainee01", "m07", "final_assessment"
REPLY = "c0014_reply"
SCORES = {f"{REPLY}_tone": "1", f"{REPLY}_empathy": "0.5", f"{REPLY}_culture": "1"}
COMMENT = "Lead with her safety: say 'please stop using it' before the apology."


@pytest.fixture(scope="module")
def reported(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> tuple[Course, str]:
    """A course where TRAINEE's m07 is graded and reported, with the report page as it was before the mentor."""
    from caseloop.demo import answer_cells, submit_answers
    from caseloop.release import release

    course = repo_course.copy_to(tmp_path_factory.mktemp("mentor") / "course")
    release(course, MODULE)
    model = {cell.var: cell.solution for cell in answer_cells(course, MODULE)}
    submit_answers(course, MODULE, TRAINEE, lambda nb, var, tags, text: model.get(var) if "answer" in tags else None)
    run_caseloop(course, "collect", MODULE)
    run_caseloop(course, "grade", MODULE)
    assert "30 items wait for a mentor's grade" in run_caseloop(course, "compile")
    run_caseloop(course, "report", "--lang", "en")
    return course, (course.reports_dir / "trainees" / f"{TRAINEE}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def mentor_graded(browser, reported) -> tuple[Course, str]:
    """The mentor's pass through the formgrader: one reply, three criteria, one comment."""
    from playwright.sync_api import expect

    course, before = reported
    server = lab.start(course)
    try:
        page = lab_page(browser, server)
        page.get_by_role("menuitem", name="Nbgrader").click()
        page.get_by_role("menuitem", name="Formgrader").click()
        grader = page.frame_locator("iframe")
        grader.get_by_role("link", name="Manual Grading").click()
        shot(page, "mentor-1-manual-grading")
        grader.get_by_role("link", name=MODULE, exact=True).click()
        grader.get_by_role("link", name=NOTEBOOK).click()
        grader.get_by_role("link", name="Submission #1").click()

        feedback = grader.locator(".output_area", has_text="Score: 3 / 3").filter(has_text="Sophie")
        expect(feedback).to_be_visible()
        reply = grader.locator(".nbgrader_cell", has_text='reply_c0014 = """').filter(has_text="Dear Sophie")
        expect(reply).to_contain_text("Student's answer")
        show_at_top(reply)
        shot(page, "mentor-2-reply-with-automatic-feedback")
        for cell, score in SCORES.items():
            box = grader.locator(f"input.score#{cell}")
            expect(box).to_have_class(re.compile("needs_manual_grade"))
            box.scroll_into_view_if_needed()
            box.fill(score)
            box.press("Tab")
            expect(box).not_to_have_class(re.compile("needs_manual_grade"))
        comment = grader.locator(f"textarea#{REPLY}_empathy-comment")
        comment.fill(COMMENT)
        comment.press("Tab")
        expect(grader.locator(f"#{REPLY}_empathy").locator("xpath=ancestor::div[contains(@class,'nbgrader_cell')]")
               .locator(".comment-saved")).to_be_visible()
        shot(page, "mentor-3-rubric-scored")
        page.close()
    finally:
        server.stop()
    return course, before


def test_a_mentors_grade_in_the_formgrader_reaches_gradebook_and_report(browser, mentor_graded):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    course, before = mentor_graded
    with Gradebook(course.db_url()) as gradebook:
        for cell, score in SCORES.items():
            grade = gradebook.find_grade(cell, NOTEBOOK, MODULE, TRAINEE)
            assert grade.manual_score == float(score) and not grade.needs_manual_grade
        assert gradebook.find_comment(f"{REPLY}_empathy", NOTEBOOK, MODULE, TRAINEE).manual_comment == COMMENT
        assert gradebook.find_grade(f"{REPLY}_empathy", NOTEBOOK, MODULE, TRAINEE).auto_score is None

    assert "27 items wait for a mentor's grade" in run_caseloop(course, "compile")
    run_caseloop(course, "report", "--lang", "en")
    after = (course.reports_dir / "trainees" / f"{TRAINEE}.html").read_text(encoding="utf-8")
    assert "30 items in m07 await a mentor&#39;s grade" in before
    assert "27 items in m07 await a mentor&#39;s grade" in after
    assert COMMENT not in before and COMMENT.replace("'", "&#39;") in after
    empathy = re.search(rf'data-reviews="{REPLY}" data-criterion="empathy" data-pending="false">(.*?)</tr>', after,
                        re.DOTALL)
    assert empathy and "50%" in empathy.group(1)
    emo = [re.search(r'data-competency="EMO" data-mastery="([0-9.]+)"', page).group(1) for page in (before, after)]
    assert float(emo[0]) == 1.0 and float(emo[1]) < 1.0, "the mentor's half point on empathy is EMO evidence"

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((course.reports_dir / "trainees" / f"{TRAINEE}.html").as_uri())
    table = page.locator("#mentor-review")
    expect(table.locator('tr[data-criterion="empathy"][data-pending="false"]')).to_contain_text(COMMENT)
    table.scroll_into_view_if_needed()
    shot(page, "mentor-4-trainee-report")
    page.close()


def test_the_trainee_gets_the_mentors_comment_in_feedback_and_no_hidden_test(mentor_graded):
    from caseloop.feedback import hidden_test_lines, leaked_lines

    course, _ = mentor_graded
    run_caseloop(course, "feedback", MODULE)
    page = (course.root / "feedback" / TRAINEE / MODULE / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert COMMENT.replace("'", "&#39;") in page or COMMENT in page
    assert leaked_lines(page, hidden_test_lines(course, MODULE)) == []
