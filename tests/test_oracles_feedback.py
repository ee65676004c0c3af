"""Feedback pages and hidden tests, judged by an oracle that shares no code with caseloop's leak guard.

The hidden-test lines come straight from the source notebook's JSON (a line-by-line walk between nbgrader's
markers, not caseloop's cell grammar) and are searched for in the text Python's own HTML parser reads
out of the page (not caseloop's tag stripping). The course is a copy of the graded demo course, so the
leak planted below touches no other test's data.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from caseloop.course import Course, CourseError

MODULE, NOTEBOOK, TRAINEE = "m01", "rules_and_returns", "trainee03"


def hidden_lines_from_json(path: Path) -> list[str]:
    """Every non-blank line between ### BEGIN HIDDEN TESTS and ### END HIDDEN TESTS in the notebook file."""
    lines, inside = [], False
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for line in source.splitlines():
            if line.strip() == "### BEGIN HIDDEN TESTS":
                inside = True
            elif line.strip() == "### END HIDDEN TESTS":
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def page_text(path: Path) -> str:
    """All character data of an HTML file, entities decoded, as html.parser reads it."""
    reader = _Text()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return "".join(reader.parts)


@pytest.fixture
def course(demo_course: Course, tmp_path: Path) -> Course:
    """A private copy of the graded demo course (gradebook, autograded notebooks, compiled grades)."""
    shutil.copytree(demo_course.root, tmp_path / "course", ignore=shutil.ignore_patterns("feedback"))
    return Course.at(tmp_path / "course")


@pytest.fixture
def secret(course: Course) -> list[str]:
    lines = hidden_lines_from_json(course.source_dir / MODULE / f"{NOTEBOOK}.ipynb")
    assert 'checks.reply(reply_c0001, points=3, case="C-0001")' in lines and len(lines) > 10
    return lines


def released_pages(course: Course) -> set[Path]:
    return set((course.root / "exchange").rglob("feedback/*.html"))


def test_released_feedback_shows_no_hidden_test_line(course: Course, secret: list[str]):
    from caseloop.feedback import feedback

    page = course.feedback_submission_dir(TRAINEE, MODULE) / f"{NOTEBOOK}.html"
    assert course.nbgrader_api().generate_feedback(MODULE, TRAINEE)["success"]
    plain = page_text(page)
    assert [line for line in secret if line in plain], "the oracle sees the hidden tests in nbgrader's own page"

    assert feedback(course, MODULE, [TRAINEE]) == [page]
    text = page_text(page)
    assert "Auto-graded cell: do not edit" in text, "the test cells are there, emptied"
    assert [line for line in secret if line in text] == []
    assert len(released_pages(course)) == 1


def test_a_page_that_would_show_a_hidden_test_is_not_released(course: Course, secret: list[str]):
    from caseloop.feedback import feedback

    # A check that raised leaves its traceback, with the hidden test's source line, in the cell's output;
    # clearing the hidden tests empties the cell's source but keeps its outputs.
    leaked = 'checks.reply(reply_c0001, points=3, case="C-0001")'
    path = course.autograded_dir / TRAINEE / MODULE / f"{NOTEBOOK}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    graded = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "c0001_reply")
    graded["outputs"].append({"output_type": "error", "ename": "TypeError", "evalue": "unexpected answer",
                              "traceback": ["Traceback (most recent call last)", f"----> 3 {leaked}",
                                            "TypeError: unexpected answer"]})
    path.write_text(json.dumps(notebook), encoding="utf-8")

    before = released_pages(course)
    with pytest.raises(CourseError, match="nothing was released") as err:
        feedback(course, MODULE, [TRAINEE])
    assert leaked in str(err.value)
    page = course.feedback_submission_dir(TRAINEE, MODULE) / f"{NOTEBOOK}.html"
    assert leaked in page_text(page), "the oracle finds the planted line in nbgrader's page"
    assert released_pages(course) == before, "no feedback reached the exchange"
