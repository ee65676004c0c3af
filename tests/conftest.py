"""Shared fixtures: the demo course is built and graded once per test session, through real nbgrader;
one Debian chromium serves every browser test.

Without chromium the browser tests skip, unless CASELOOP_REQUIRE_BROWSER=1 (CI), where a missing
browser is a failure. Browser tests save screenshots to test-artifacts/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseloop.course import Course

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
UI_TIMEOUT_MS = 60_000


def assert_bad_file_is_named(load, path: Path, text: str, message: str) -> None:
    """Loading `text` from `path` raises a CourseError matching `message` that names the file."""
    from caseloop.course import CourseError

    path.write_text(text, encoding="utf-8")
    with pytest.raises(CourseError, match=message) as err:
        load(path)
    assert str(path) in str(err.value)


@pytest.fixture(scope="session")
def repo_course() -> Course:
    return Course.at(REPO)


@pytest.fixture(scope="session")
def demo_run(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The full demo loop: release, 32 simulated trainees submit, collect, autograde, compile, report."""
    from caseloop.demo import run

    workspace = tmp_path_factory.mktemp("demo") / "course"
    return run(repo_course, workspace, echo=lambda line: None)


@pytest.fixture(scope="session")
def demo_course(demo_run: dict[str, Path]) -> Course:
    return Course.at(demo_run["workspace"])


def _missing_browser() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's chromium through Playwright, headless; skips (or fails in CI) when it is missing."""
    reason = _missing_browser()
    if reason:
        if os.environ.get("CASELOOP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (CASELOOP_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(f"browser tests skipped: {reason}; set CASELOOP_REQUIRE_BROWSER=1 to make this a failure")
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions: validating or starting a kernel on a busy machine takes seconds.
    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def lab_page(browser, server):
    """A new page on a running `caseloop lab` server, once JupyterLab's main area is there."""
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(server.url)
    page.locator("#jp-main-dock-panel").wait_for()
    return page


def shot(page, name: str, full_page: bool = False) -> Path:
    """Save a screenshot of PAGE as test-artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def show_at_top(element) -> None:
    """Scroll ELEMENT to the top of its scrolling area, so a screenshot shows it and what follows it."""
    element.evaluate("node => node.scrollIntoView({block: 'start'})")


def run_caseloop(course: Course, *args: str) -> str:
    """Run the real `caseloop` command on the course; return its output."""
    done = subprocess.run([sys.executable, "-m", "caseloop", "--course", str(course.root), *args],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def gradebook_url():
    """A fresh PostgreSQL database when CASELOOP_TEST_PG is set (dropped afterwards), else None (SQLite)."""
    server = os.environ.get("CASELOOP_TEST_PG")
    if not server:
        if os.environ.get("CASELOOP_REQUIRE_SERVICES") == "1":
            pytest.fail("CASELOOP_TEST_PG is not set but CASELOOP_REQUIRE_SERVICES=1", pytrace=False)
        yield None
        return
    import psycopg

    name = f"caseloop_hub_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield f"{server.rpartition('/')[0]}/{name}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
