"""A trainee in JupyterLab, driven through Debian's chromium with Playwright.

The trainee fetches m01 from nbgrader's assignment list, writes a weak reply, runs the self-check
panel and reads what is missing, rewrites the reply and checks again with the panel's button,
validates and submits; the course then collects and grades it and the score is read back from
the gradebook.
Screenshots of each step go to test-artifacts/ (the browser fixture is in conftest.py).
"""

from __future__ import annotations

import pytest

from caseloop import lab
from caseloop.course import Course
from conftest import lab_page, run_caseloop, shot, show_at_top

TRAINEE = "trainee01"
MODULE = "m01"
NOTEBOOK = "rules_and_returns"
SELF_CHECK_BUTTON = "运行自查 / Run self-check"
WEAK_REPLY = "ok thanks"
GREETED = "✓ 以称呼买家姓名（Jordan）开头 / greets the buyer by name (Jordan)"


@pytest.fixture(scope="module")
def course(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A fresh course with m01 released to the exchange."""
    from caseloop.release import release

    workspace = repo_course.copy_to(tmp_path_factory.mktemp("lab") / "course")
    release(workspace, MODULE)
    return workspace


def _open_from_menu(page, item: str) -> None:
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name=item).click()


def model_reply(course: Course, var: str) -> str:
    """The model answer of answer cell VAR in the source notebook (what a strong trainee writes)."""
    from caseloop.demo import answer_cells

    return next(cell.solution for cell in answer_cells(course, MODULE) if cell.var == var)


def reply_section(report: str) -> str:
    """The reply_c0001 part of a self-check report: its header line and its findings."""
    section = report[report.index("[reply_c0001]"):]
    return section.split("\n\n[", 1)[0].strip()


def expected_reply_lines(server: lab.Lab, reply: str) -> list[str]:
    """The findings the public checks give REPLY in the trainee's fetched notebook, one line each."""
    from caseloop import selfcheck

    notebook = server.root_dir / MODULE / f"{NOTEBOOK}.ipynb"
    cell = next(cell for cell in selfcheck.answer_cells(notebook) if cell.variable == "reply_c0001")
    return [finding.line() for finding in selfcheck.check_answer(cell, reply)]


@pytest.fixture(scope="module")
def trainee_submitted(browser, course: Course) -> Course:
    """The trainee's path in the browser, from an empty folder to a submitted m01."""
    from playwright.sync_api import expect

    server = lab.start(course, TRAINEE, practice=True)
    try:
        page = lab_page(browser, server)
        shot(page, "trainee-1-lab")

        _open_from_menu(page, "Assignment List")
        released = page.locator("#released_assignments_list")
        row = released.locator(".list_item", has_text=MODULE)
        expect(row).to_be_visible()
        shot(page, "trainee-2-assignment-list")
        row.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=MODULE)
        expect(fetched).to_be_visible()
        assert (server.root_dir / MODULE / f"{NOTEBOOK}.ipynb").is_file()

        fetched.locator("a", has_text=MODULE).first.click()
        page.locator("#fetched_assignments_list a", has_text=NOTEBOOK).click()
        notebook = page.locator(".jp-NotebookPanel:visible")
        expect(notebook.locator(".jp-Cell").first).to_be_visible()

        answer = notebook.locator(".jp-CodeCell", has_text='reply_c0001 = """')
        answer.scroll_into_view_if_needed()
        answer.locator(".cm-content").click()
        page.keyboard.press("Control+End")
        page.keyboard.press("ArrowUp")
        page.keyboard.insert_text(WEAK_REPLY)
        shot(page, "trainee-3-reply")
        page.keyboard.press("Shift+Enter")
        expect(answer.locator(".jp-InputPrompt")).to_contain_text("[1]")

        check_cell = notebook.locator(".jp-CodeCell", has_text="from caseloop.selfcheck import self_check")
        check_cell.scroll_into_view_if_needed()
        check_cell.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        expect(check_cell.locator(".jp-InputPrompt")).to_contain_text("[2]")
        check_button = check_cell.get_by_role("button", name=SELF_CHECK_BUTTON)
        expect(check_button).to_be_visible()
        feedback = check_cell.locator(".widget-output")
        expect(feedback).to_contain_text("[reply_c0001] reply")
        weak = reply_section(feedback.inner_text())
        assert "✗ 缺少：以称呼买家姓名（Jordan）开头" in weak and "too short (2 words, at least 15)" in weak, weak
        assert weak.splitlines()[1:] == expected_reply_lines(server, WEAK_REPLY), weak
        show_at_top(check_button)
        shot(page, "trainee-4-selfcheck")

        answer.scroll_into_view_if_needed()
        answer.locator(".cm-content").click()
        page.keyboard.press("Control+End")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("End")
        page.keyboard.press("Shift+Home")
        page.keyboard.insert_text(model_reply(course, "reply_c0001"))
        expect(answer).not_to_contain_text(WEAK_REPLY)
        page.keyboard.press("Shift+Enter")
        expect(answer.locator(".jp-InputPrompt")).to_contain_text("[3]")
        check_cell.scroll_into_view_if_needed()
        check_button.click()
        expect(feedback).to_contain_text(GREETED)
        strong = reply_section(feedback.inner_text())
        assert "✗" not in strong, strong
        assert strong.splitlines()[1:] == expected_reply_lines(server, model_reply(course, "reply_c0001")), strong
        expect(check_cell.locator(".jp-InputPrompt")).to_contain_text("[2]")
        expect(notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")) \
            .to_have_count(0)
        show_at_top(check_button)
        shot(page, "trainee-5-selfcheck-again")
        page.keyboard.press("Control+s")
        expect(page.locator(".jp-mod-current .jp-mod-dirty")).to_have_count(0)

        notebook.get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Validat")
        shot(page, "trainee-6-validate")
        dialog.get_by_role("button").last.click()
        expect(dialog).to_have_count(0)

        page.locator(".lm-TabBar-tab", has_text="Assignments").click()
        page.locator("#fetched_assignments_list .list_item", has_text=MODULE).get_by_role(
            "button", name="Submit").click()
        submitted = page.locator("#submitted_assignments_list .list_item", has_text=MODULE)
        expect(submitted).to_be_visible()
        expect(submitted).to_contain_text("UTC")
        assert len(list((course.root / "exchange" / "caseloop" / "inbound").glob(f"{TRAINEE}+{MODULE}+*"))) == 1
        shot(page, "trainee-7-submitted")
        page.close()
    finally:
        server.stop()
    return course


@pytest.fixture(scope="module")
def graded(trainee_submitted: Course) -> Course:
    """The course after `caseloop collect`, `grade` and `compile` of the browser submission."""
    course = trainee_submitted
    assert "1 submissions of m01" in run_caseloop(course, "collect", MODULE)
    run_caseloop(course, "grade", MODULE)
    run_caseloop(course, "compile")
    return course


def test_trainee_fetches_answers_validates_and_submits_then_is_graded(graded: Course):
    from nbgrader.api import Gradebook

    course = graded
    with Gradebook(course.db_url()) as gradebook:
        grade = gradebook.find_grade("c0001_reply", NOTEBOOK, MODULE, TRAINEE)
        untouched = gradebook.find_grade("c0001_resolution", NOTEBOOK, MODULE, TRAINEE)
        assert grade.score == grade.max_score == 3
        assert untouched.score == 0


def test_trainee_fetches_feedback_with_competency_summary_and_no_hidden_test(browser, graded: Course):
    from playwright.sync_api import expect

    from caseloop.feedback import SUMMARY_ID, hidden_test_lines, leaked_lines

    course = graded
    assert "1 feedback pages" in run_caseloop(course, "feedback", MODULE)
    server = lab.start(course, TRAINEE, practice=True)
    try:
        page = lab_page(browser, server)
        _open_from_menu(page, "Assignment List")
        submitted = page.locator("#submitted_assignments_list .list_item", has_text=MODULE)
        submitted.get_by_role("button", name="Fetch Feedback").click()
        expect(submitted.get_by_text("view feedback")).to_be_visible()
        shot(page, "trainee-8-feedback-fetched")
        fetched = list((server.root_dir / MODULE / "feedback").glob(f"*/{NOTEBOOK}.html"))
        assert len(fetched) == 1
        text = fetched[0].read_text(encoding="utf-8")
        assert f'id="{SUMMARY_ID}"' in text and "COM · 沟通与回复写作" in text and "Next steps" in text
        assert leaked_lines(text, hidden_test_lines(course, MODULE)) == []
        page.goto(fetched[0].as_uri())
        expect(page.locator(f"#{SUMMARY_ID}")).to_contain_text("Competency summary")
        shot(page, "trainee-9-feedback")
        page.close()
    finally:
        server.stop()
