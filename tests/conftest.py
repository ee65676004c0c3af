"""Shared fixtures: the demo course is built and graded once per test session, through real nbgrader."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseloop.course import Course

REPO = Path(__file__).resolve().parent.parent


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
