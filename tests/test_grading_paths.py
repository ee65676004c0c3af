"""One grading path: `caseloop grade`, plain `nbgrader autograde` and the formgrader's Autograde button agree.

An honest trainee and a cheating trainee fetch m01 through nbgrader's exchange and submit it; the
cheater's answer cells hold code that earns full marks wherever it runs (a monkeypatched
`checks.number` that returns a full Score, a `checks.reply` silenced so its test cell shows
nothing, which nbgrader counts as full marks) and one test cell is rewritten to show full marks.
The collected course is copied once per grading path, so each path writes its own gradebook from
the same submissions. Every path reads the course's nbgrader_config.py, so every cheated item
scores 0 and every cell of both trainees scores the same on all three. Without caseloop's steps
in that file, plain nbgrader runs the cheater's code and pays for it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from caseloop import demo, lab, release
from caseloop.compile import gradebook_table
from caseloop.course import Course
from caseloop.grade import collect, pipeline_note
from caseloop.notebook import ANSWER_CELL, fill, grade_id
from conftest import lab_page, run_caseloop, shot

MODULE, NOTEBOOK = "m01", "rules_and_returns.ipynb"
HONEST, CHEATER = "honest", "cheater"
FULL = 15
# answer variable -> the code the cheater writes in its answer cell instead of a literal
CHEATS = {
    "refund_c0005": "import caseloop.checks as checks\n"
                    "checks.number = lambda answer, expected, points=1, **kwargs: checks.Score(points, points)\n"
                    'refund_c0005 = "0"',
    "reply_c0001": "import caseloop.checks as checks\nchecks.reply = lambda *args, **kwargs: None\n"
                   'reply_c0001 = ""',
}
RAN_CHEATS = {"c0005_refund_amount": 2, "c0001_reply": 3}  # graded cell the cheat reaches -> its points
EDITED_TEST, EDITED_ANSWER = "c0004_root_cause", "root_cause_c0004"  # the test cell the cheater rewrites
CHEATED = {*RAN_CHEATS, EDITED_TEST}
CHEATER_TOTAL = FULL - sum(RAN_CHEATS.values()) - 1  # full marks but on the cheated items
# The Autograde lists as nbgrader ships them, written by import name as nbgrader_config.py writes caseloop's.
NBGRADER_DEFAULTS = {
    "sanitize_preprocessors": ["nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
                               "nbgrader.preprocessors.OverwriteKernelspec", "nbgrader.preprocessors.OverwriteCells",
                               "nbgrader.preprocessors.CheckCellMetadata"],
    "autograde_preprocessors": ["nbgrader.preprocessors.Execute", "nbgrader.preprocessors.IgnorePattern",
                                "nbconvert.preprocessors.ClearMetadataPreprocessor",
                                "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
                                "nbgrader.preprocessors.AssignLatePenalties",
                                "nbgrader.preprocessors.CheckCellMetadata"],
}


def submit(course: Course, trainee: str, edit: Callable[[nbformat.NotebookNode], None]) -> None:
    """TRAINEE fetches m01 through nbgrader's exchange, works on the notebook with EDIT and submits it."""
    home = course.trainee_home(trainee)
    home.mkdir(parents=True, exist_ok=True)
    api = course.nbgrader_api(CourseDirectory={"student_id": trainee, "assignment_id": MODULE},
                              Exchange={"assignment_dir": str(home)})
    api.exchange.FetchAssignment(coursedir=api.coursedir, authenticator=api.authenticator, parent=api).start()
    path = home / MODULE / NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)
    api.exchange.Submit(coursedir=api.coursedir, authenticator=api.authenticator, parent=api).start()


def answer_all(model: dict[str, str]) -> Callable[[nbformat.NotebookNode], None]:
    """An edit that writes the model answer into every answer cell."""
    def edit(nb: nbformat.NotebookNode) -> None:
        for cell in nb.cells:
            match = ANSWER_CELL.search(cell.source) if "answer" in cell.metadata.get("caseloop", {}) else None
            if match:
                cell.source = fill(cell.source, model[match["var"]])
    return edit


def cheat(model: dict[str, str]) -> Callable[[nbformat.NotebookNode], None]:
    """Model answers, code instead of a literal in the CHEATS cells, a wrong answer under a rewritten test."""
    def edit(nb: nbformat.NotebookNode) -> None:
        answer_all({**model, EDITED_ANSWER: "A"})(nb)
        for cell in nb.cells:
            match = ANSWER_CELL.search(cell.source)
            if match and match["var"] in CHEATS:
                cell.source = CHEATS[match["var"]]
            if grade_id(cell) == EDITED_TEST:
                cell.source = "# full marks, please\n1.0"
    return edit


@pytest.fixture(scope="module")
def collected(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A scratch course where m01 is released and both trainees' submissions are collected, nothing graded."""
    course = repo_course.copy_to(tmp_path_factory.mktemp("paths") / "course")
    release.release(course, MODULE)
    model = {cell.var: cell.solution for cell in demo.answer_cells(course, MODULE)}
    submit(course, HONEST, answer_all(model))
    submit(course, CHEATER, cheat(model))
    assert sorted(collect(course, MODULE)) == [CHEATER, HONEST]
    return course


def copy_of(course: Course, folder: Path) -> Course:
    """The collected course, gradebook and submissions included, in a folder of its own."""
    shutil.copytree(course.root, folder)
    return Course.at(folder)


def with_nbgrader_defaults(course: Course) -> None:
    """Put nbgrader's own Autograde lists in place of caseloop's in the course's nbgrader_config.py."""
    config = course.root / "nbgrader_config.py"
    text = config.read_text(encoding="utf-8")
    for trait, steps in NBGRADER_DEFAULTS.items():
        text, count = re.subn(rf"^c\.Autograde\.{trait} = \[\n.*?^\]\n", f"c.Autograde.{trait} = {steps!r}\n",
                              text, flags=re.DOTALL | re.MULTILINE)
        assert count == 1, f"{config}: no c.Autograde.{trait} list to replace"
    config.write_text(text, encoding="utf-8")


def scores(course: Course) -> dict[tuple[str, str], float | None]:
    """(trainee, graded cell) -> points, as the course's gradebook holds them."""
    table = gradebook_table(course)
    return {(row.trainee, row.cell): row.score for row in table.itertuples()}


def nbgrader_autograde(course: Course) -> None:
    """Plain `nbgrader autograde m01`, run in the course directory the way a grader would type it."""
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", MODULE], cwd=course.root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def formgrader_autograde(browser, course: Course) -> None:
    """In the mentor's lab: Formgrader > Manage Assignments > m01's submissions, Autograde on each trainee."""
    from playwright.sync_api import expect

    server = lab.start(course)
    try:
        page = lab_page(browser, server)
        page.get_by_role("menuitem", name="Nbgrader").click()
        page.get_by_role("menuitem", name="Formgrader").click()
        grader = page.frame_locator("iframe")
        grader.get_by_role("link", name="Manage Assignments").click()
        grader.locator("tr", has=grader.get_by_role("link", name=MODULE, exact=True)).get_by_role(
            "link", name="2", exact=True).click()
        expect(grader.get_by_role("heading", name=re.compile("Manage Submissions"))).to_be_visible()
        for trainee in (CHEATER, HONEST):
            row = grader.locator("tr", has=grader.locator("td.student-id", has_text=trainee))
            expect(row.locator("td.status")).to_have_text("needs autograding")
            row.locator("td.autograde a").click()
            done = grader.locator("#success-modal")
            expect(done).to_contain_text(f"Successfully autograded '{MODULE}' for student '{trainee}'")
            done.get_by_role("button", name="Close").first.click()
            expect(done).to_have_count(0)
            expect(row.locator("td.score")).to_have_text(re.compile(rf"^[\d.]+ / {FULL}$"))
            shot(page, f"grading-paths-formgrader-{trainee}")
        page.close()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def three_paths(browser, collected: Course, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The same two submissions graded by `caseloop grade`, `nbgrader autograde` and the formgrader's button."""
    folder = tmp_path_factory.mktemp("graded")
    graded = {}
    course = copy_of(collected, folder / "caseloop-grade")
    run_caseloop(course, "grade", MODULE)
    graded["caseloop grade"] = scores(course)
    course = copy_of(collected, folder / "nbgrader-autograde")
    nbgrader_autograde(course)
    graded["nbgrader autograde"] = scores(course)
    course = copy_of(collected, folder / "formgrader")
    formgrader_autograde(browser, course)
    graded["formgrader"] = scores(course)
    return graded


def test_every_grading_path_scores_the_cheats_zero_and_every_cell_alike(three_paths):
    reference = three_paths["caseloop grade"]
    cells = {cell for _, cell in reference}
    assert len(cells) == 10 and {trainee for trainee, _ in reference} == {HONEST, CHEATER}
    for path, graded in three_paths.items():
        assert graded == reference, path
        for cell in CHEATED:
            assert graded[CHEATER, cell] == 0, (path, cell)
        assert sum(graded[HONEST, cell] for cell in cells) == FULL, path
        assert sum(graded[CHEATER, cell] for cell in cells - CHEATED) == CHEATER_TOTAL, path


def test_without_caseloops_steps_plain_nbgrader_pays_the_cheats(collected: Course, tmp_path: Path):
    course = copy_of(collected, tmp_path / "course")
    with_nbgrader_defaults(course)
    note = pipeline_note(course)
    assert note and str(course.root / "nbgrader_config.py") in note
    for step in ("DropDuplicateIds", "FlagTamperedTests", "LiteralExecute"):
        assert f"caseloop.nbgrader_ext.{step}" in note

    nbgrader_autograde(course)
    graded = scores(course)
    for cell, points in RAN_CHEATS.items():
        assert graded[CHEATER, cell] == points, cell
    assert graded[CHEATER, EDITED_TEST] == 0, "nbgrader's OverwriteCells restores the edited test on its own"
    assert sum(score for (trainee, _), score in graded.items() if trainee == CHEATER) == FULL - 1
    assert sum(score for (trainee, _), score in graded.items() if trainee == HONEST) == FULL
