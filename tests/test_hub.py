"""The course on a real JupyterHub with three trainees and a mentor, each their own operating-system account.

`caseloop hub setup` hands the course to the grader account; trainees log in in chromium, fetch and submit
through nbgrader's assignment list; the grader account collects, grades and releases feedback; each trainee
fetches only their own. A trainee's kernel and terminal cannot read the course (answer keys, gradebook,
submissions, feedback) or another trainee's home, and the hub refuses them the formgrader and the mentors'
servers. The gradebook is PostgreSQL when CASELOOP_TEST_PG names a server.
"""

from __future__ import annotations

import json
import pwd
import stat
from pathlib import Path

import pytest

from caseloop.course import Course
from conftest import UI_TIMEOUT_MS, shot
from hub_helpers import (
    COURSE_ID,
    GRADER,
    PASSWORD,
    PREFIX,
    Hub,
    caseloop,
    require_hub_services,
    run_code,
    run_in_terminal,
    running_hub,
)

require_hub_services()

TRAINEES = [f"{PREFIX}t1", f"{PREFIX}t2", f"{PREFIX}t3"]
MENTOR = f"{PREFIX}m1"
MODULE, NOTEBOOK = "m01", "rules_and_returns"


@pytest.fixture(scope="module")
def hub(repo_course: Course, gradebook_url):
    """The course set up with `caseloop hub`, four accounts, m01 released by the grader, the hub running."""
    with running_hub(repo_course, TRAINEES, [MENTOR], gradebook_url) as hub:
        yield hub


def test_the_accounts_are_listed_and_the_course_is_the_graders_alone(hub: Hub):
    listed = caseloop(hub.course.root, "hub", "list").split("\n")
    assert [line.split()[:2] for line in listed[1:] if line.strip()] == [
        *(["trainee", name] for name in TRAINEES), ["mentor", MENTOR]]
    course = hub.course.root.stat()
    assert (stat.S_IMODE(course.st_mode), course.st_uid) == (0o700, pwd.getpwnam(GRADER).pw_uid)
    assert stat.S_IMODE((hub.base / "exchange").stat().st_mode) == 0o1777
    homes = [hub.base / "home" / name for name in TRAINEES]
    assert [stat.S_IMODE(home.stat().st_mode) for home in homes] == [0o700] * 3


def _log_in(browser, hub: Hub, user: str):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page.set_default_timeout(UI_TIMEOUT_MS * 3)
    page.goto(f"{hub.url}/hub/login")
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(PASSWORD)
    page.locator("#login_submit").click()
    page.locator("#jp-main-dock-panel").wait_for()
    return page


def _assignment_list(page) -> None:
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()


def _answer(hub: Hub, user: str, reply: str) -> None:
    """Write REPLY into the first reply cell of USER's fetched notebook, through their server's contents API."""
    path = f"/user/{user}/api/contents/{COURSE_ID}/{MODULE}/{NOTEBOOK}.ipynb"
    status, model = hub.request("GET", path, hub.token(user))
    assert status == 200, f"{user} has not fetched {MODULE}: HTTP {status}"
    cell = next(c for c in model["content"]["cells"] if 'reply_c0001 = """\n\n"""' in c["source"])
    cell["source"] = cell["source"].replace('reply_c0001 = """\n\n"""', f'reply_c0001 = """\n{reply}\n"""')
    status, _ = hub.request("PUT", path, hub.token(user), body={"type": "notebook", "content": model["content"]})
    assert status == 200


@pytest.fixture(scope="module")
def submitted(browser, hub: Hub) -> Hub:
    """Two trainees log in, fetch m01, answer (one the model reply, one a weak one) and submit, in chromium."""
    from playwright.sync_api import expect

    from caseloop.demo import answer_cells

    model = next(cell.solution for cell in answer_cells(hub.course, MODULE) if cell.var == "reply_c0001")
    for user, reply in zip(TRAINEES[:2], [model, "ok thanks"], strict=True):
        page = _log_in(browser, hub, user)
        _assignment_list(page)
        row = page.locator("#released_assignments_list .list_item", has_text=MODULE)
        expect(row).to_be_visible(timeout=UI_TIMEOUT_MS * 2)
        if user == TRAINEES[0]:
            shot(page, "hub-trainee-assignment-list")
        row.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=MODULE)
        expect(fetched).to_be_visible()
        _answer(hub, user, reply)
        fetched.get_by_role("button", name="Submit").click()
        expect(page.locator("#submitted_assignments_list .list_item", has_text=MODULE)).to_contain_text("UTC")
        page.close()
    return hub


@pytest.fixture(scope="module")
def graded(submitted: Hub) -> Hub:
    """The grader account collects, grades, compiles and releases feedback, as a mentor does with sudo."""
    root = submitted.course.root
    assert "2 submissions of m01" in caseloop(root, "collect", MODULE, account=GRADER)
    caseloop(root, "grade", MODULE, account=GRADER)
    caseloop(root, "compile", account=GRADER)
    assert "2 feedback pages" in caseloop(root, "feedback", MODULE, account=GRADER)
    return submitted


def test_each_trainee_fetches_only_their_own_feedback(browser, graded: Hub):
    from playwright.sync_api import expect

    for user in TRAINEES[:2]:
        page = _log_in(browser, graded, user)
        _assignment_list(page)
        row = page.locator("#submitted_assignments_list .list_item", has_text=MODULE)
        row.get_by_role("button", name="Fetch Feedback").click()
        expect(row.get_by_text("view feedback")).to_be_visible()
        shot(page, f"hub-{user}-feedback")
        page.close()
        pages = list((graded.base / "home" / user / COURSE_ID / MODULE / "feedback").glob("*/*.html"))
        assert len(pages) == 1, f"{user} fetched {pages}"
        text = pages[0].read_text(encoding="utf-8")
        assert f"{user} · 能力小结" in text and not [o for o in TRAINEES if o != user and o in text]
    from nbgrader.api import Gradebook

    with Gradebook(graded.course.db_url()) as gradebook:
        reply = {user: gradebook.find_grade("c0001_reply", NOTEBOOK, MODULE, user).score for user in TRAINEES[:2]}
    assert reply == {TRAINEES[0]: 3, TRAINEES[1]: 0}
    assert not (graded.base / "home" / TRAINEES[2] / COURSE_ID).exists(), "the third trainee fetched nothing"


def _forbidden_paths(hub: Hub) -> dict[str, Path]:
    course = hub.course
    return {"answer key": course.source_dir / MODULE / f"{NOTEBOOK}.ipynb",
            "course config (gradebook URL)": course.root / "nbgrader_config.py",
            "submissions": course.submitted_dir, "feedback": course.feedback_dir,
            "another trainee's home": hub.base / "home" / TRAINEES[0],
            "the exchange's inbound": hub.base / "exchange" / COURSE_ID / "inbound"}


def test_a_trainee_kernel_cannot_read_the_course_or_another_trainee(graded: Hub):
    user = TRAINEES[2]
    graded.start_server(user)
    paths = {name: str(path) for name, path in _forbidden_paths(graded).items()}
    code = f"""import json, os, caseloop
def attempt(path):
    try:
        open(path).read(1) if os.path.isfile(path) else os.listdir(path)
        return "read"
    except Exception as err:
        return type(err).__name__
print(json.dumps({{name: attempt(path) for name, path in {paths!r}.items()}}))
"""
    results = json.loads(run_code(graded, user, code))
    assert results == {name: "PermissionError" for name in paths}
    assert run_code(graded, user, "import caseloop.checks; print('caseloop importable')").strip() == \
        "caseloop importable"
    assert run_code(graded, user, "import getpass; print(getpass.getuser())").strip() == user


def test_a_trainee_terminal_cannot_read_the_answer_keys(graded: Hub):
    user = TRAINEES[2]
    graded.start_server(user)
    answer_key = _forbidden_paths(graded)["answer key"]
    out = run_in_terminal(graded, user, f"whoami; head -c 100 '{answer_key}'; ls '{graded.course.source_dir}'")
    assert out.count("Permission denied") >= 2 and user in out and "nbformat" not in out


def test_a_trainee_cannot_reach_the_formgrader_or_a_mentors_server(graded: Hub):
    trainee = graded.token(TRAINEES[2])
    mentor = graded.token(MENTOR)
    formgrader = f"/services/{COURSE_ID}/formgrader"
    assert graded.request("GET", formgrader, mentor)[0] == 200, "the mentor opens the formgrader"
    assert graded.request("GET", f"{formgrader}/api/assignments", trainee)[0] == 403
    assert graded.request("GET", formgrader, trainee)[0] == 403
    graded.start_server(MENTOR)
    assert graded.request("GET", f"/user/{MENTOR}/api/contents", mentor)[0] == 200
    assert graded.request("GET", f"/user/{MENTOR}/api/contents", trainee)[0] in {403, 404}
    assert graded.request("GET", "/hub/api/users", trainee)[0] == 403
    assert graded.request("GET", f"/user/{TRAINEES[0]}/api/contents", trainee)[0] in {403, 404}


def test_a_mentor_opens_the_formgrader_through_the_hub(browser, graded: Hub):
    from playwright.sync_api import expect

    page = _log_in(browser, graded, MENTOR)
    page.goto(f"{graded.url}/services/{COURSE_ID}/formgrader")
    expect(page.get_by_role("link", name=MODULE).first).to_be_visible()
    shot(page, "hub-mentor-formgrader")
    page.close()
