"""Shared fixtures: the demo course is built and graded once per test session, through real nbgrader;
one Debian chromium serves every browser test.

Without chromium the browser tests skip, unless CASELOOP_REQUIRE_BROWSER=1 (CI), where a missing
browser is a failure. Browser tests save screenshots to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shlex
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
    """The one-module loop (`caseloop demo --quick`): release m01, 32 simulated trainees submit, collect,
    autograde, compile, report, revise."""
    from caseloop.demo import run_module

    workspace = tmp_path_factory.mktemp("demo") / "course"
    return run_module(repo_course, workspace, echo=lambda line: None)


def course_data_state(course: Course) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file of the course's run-time data and releases: what a demo must never touch."""
    folders = [course.root / name for name in ("submitted", "autograded", "feedback", "exchange", "reports",
                                               "release", "trainees")]
    files = [p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file()]
    files += [p for p in course.root.glob("gradebook*") if p.is_file()]
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in files}


@pytest.fixture(scope="session")
def programme_run(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`caseloop demo`'s whole programme (two cohorts, every module, mentor scores, KPIs), in English.

    The simulated today is fixed, so every date in the reports is the same from run to run; the
    result also holds the course's own data before and after, to show the demo left it alone.
    """
    from datetime import date

    from caseloop.demo import run

    before = course_data_state(repo_course)
    workspace = tmp_path_factory.mktemp("programme") / "course"
    paths = run(repo_course, workspace, lang="en", today=date(2026, 11, 30), echo=lambda line: None)
    return {**paths, "course data before": before, "course data after": course_data_state(repo_course)}


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


def _command_lines(tokens: list[str]) -> list[list[str]]:
    """The `caseloop` commands among shell words, split at `&&`."""
    lines, current = [], []
    for token in [*tokens, "&&"]:
        if token == "&&":
            if current[:1] == ["caseloop"]:
                lines.append(current)
            current = []
        else:
            current.append(token)
    return lines


def readme_commands(text: str | None = None) -> list[tuple[str, ...]]:
    """The `caseloop` command lines of the README, as words: in bash blocks (comments dropped) and in inline
    code; usage brackets (`[--lang en]`) and `...` are read as the options they stand for."""
    text = (REPO / "README.md").read_text(encoding="utf-8") if text is None else text
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():  # a line ending in \ goes on on the next
            lines += _command_lines(shlex.split(line, comments=True))
    for code in re.findall(r"`(caseloop [^`]+)`", text):
        lines += _command_lines(shlex.split(code.replace("[", " ").replace("]", " ").replace("...", " ")))
    return sorted({tuple(line) for line in lines})


def postgres_server() -> str:
    """The PostgreSQL server of CASELOOP_TEST_PG; without one the calling test module is skipped (failed in CI)."""
    server = os.environ.get("CASELOOP_TEST_PG")
    if not server:
        if os.environ.get("CASELOOP_REQUIRE_SERVICES") == "1":
            pytest.fail("CASELOOP_TEST_PG is not set but CASELOOP_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip("no PostgreSQL server: set CASELOOP_TEST_PG=postgresql://user:pass@host/db",
                    allow_module_level=True)
    return server


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
