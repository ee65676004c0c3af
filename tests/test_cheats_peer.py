"""Cheats on a course written without caseloop: nbgrader's own user-guide course (ps1).

Its notebooks carry no caseloop answer metadata and its tests call the trainee's functions, so
with caseloop's grading steps declared each notebook runs whole, test cells included, in the
bubblewrap sandbox. Trainee code there can at worst fake its own score; the test checks it
reaches nothing else. The course is copied into a temporary folder (the shared copy is never
written): one copy is graded with nbgrader's own steps (a Jupyter kernel) as the reference, the
other with caseloop's steps, where each cheater submits the honest trainee's notebook with one
cheat added as a cell of its own before the tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from caseloop import grade, release
from caseloop.course import Course
from conftest import REPO
from test_cheats_code import (
    MARK,
    PACKAGE,
    PROFILE,
    Exercise,
    cheats,
    marked_processes,
    sandbox_files_in_tmp,
    tree_hash,
)
from test_revise_peer import DATA, PEER, _writable

pytestmark = pytest.mark.skipif(not PEER.is_dir(), reason=f"{PEER} not present (set CASELOOP_PEER_COURSE)")

MODULE, NOTEBOOK = "ps1", "problem1.ipynb"
# Where the cheats aim: this course's module, notebook and data file; the values they set are new names.
PEER_EXERCISE = Exercise(MODULE, NOTEBOOK, "jupyter.png", "cheat_value", "cheat_number", 0, 0)
PEER_CHEATERS = ["reads_source_by_path", "reads_source_by_glob", "writes_gradebook", "overwrites_others",
                 "rewrites_data", "edits_package", "startup_file", "leaves_processes", "reaches_network",
                 "reads_mountinfo", "symlinks_out", "files_named_like_values"]
HONEST = ("bitdiddle", "hacker")


def caseloop_steps() -> str:
    """The two Autograde lists of this repository's nbgrader_config.py, as a course adopting them copies them."""
    text = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
    return "\n".join(re.findall(r"^c\.Autograde\.\w+ = \[.*?^\]", text, flags=re.S | re.M)) + "\n"


def peer_copy(root: Path, with_caseloop_steps: bool) -> Course:
    shutil.copytree(PEER, root)
    _writable(root)
    config = (DATA / "nbgrader_config.py").read_text(encoding="utf-8")
    (root / "nbgrader_config.py").write_text(config + (caseloop_steps() if with_caseloop_steps else ""),
                                             encoding="utf-8")
    course = Course.at(root)
    release.generate(course, MODULE)
    return course


def auto_scores(course: Course) -> dict[str, dict[str, float | None]]:
    """trainee -> graded cell -> nbgrader's auto score, for every submission of ps1."""
    with Gradebook(course.db_url()) as gradebook:
        return {s.student.id: {f"{nb.name}:{g.name}": g.auto_score for nb in s.notebooks for g in nb.grades}
                for s in gradebook.assignment_submissions(MODULE)}


def row_counts(course: Course) -> dict[str, int]:
    with Gradebook(course.db_url()) as gradebook:
        return {"submissions": len(gradebook.assignment_submissions(MODULE)),
                "grades": sum(len(nb.grades) for s in gradebook.assignment_submissions(MODULE) for nb in s.notebooks)}


def submit_cheat(course: Course, trainee: str, code: str) -> None:
    """The honest trainee's submission with CODE as a cell of its own after the first answer cell."""
    folder = course.submitted_dir / trainee / MODULE
    shutil.copytree(course.submitted_dir / "hacker" / MODULE, folder)
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    first_answer = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    nb.cells.insert(first_answer + 1, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, folder / NOTEBOOK)


@pytest.fixture(scope="module")
def peer_batch(tmp_path_factory: pytest.TempPathFactory):
    shared_before = tree_hash(PEER)
    reference = peer_copy(tmp_path_factory.mktemp("peer-kernel") / "course", with_caseloop_steps=False)
    assert grade.pipeline_note(reference), "the reference copy grades with nbgrader's own steps"
    grade.grade(reference, MODULE)
    course = peer_copy(tmp_path_factory.mktemp("peer-sandbox") / "course", with_caseloop_steps=True)
    assert grade.pipeline_note(course) is None
    shutil.copytree(course.submitted_dir / "hacker" / MODULE, course.submitted_dir / "honest" / MODULE)
    first = grade.grade(course, MODULE)
    before = {"source": tree_hash(course.source_dir), "package": tree_hash(PACKAGE, ("__pycache__",)),
              "profile": tree_hash(PROFILE), "scores": auto_scores(course), "counts": row_counts(course),
              "honest_notebook": (course.autograded_dir / "honest" / MODULE / NOTEBOOK).read_bytes()}
    corpus = cheats(course, PEER_EXERCISE)
    for trainee in PEER_CHEATERS:
        submit_cheat(course, trainee, corpus[trainee][1])
    results = grade.grade(course, MODULE)
    time.sleep(1)
    return reference, course, first, results, before, shared_before


def test_the_honest_trainees_score_as_in_nbgraders_own_kernel(peer_batch):
    reference, course, first, _, before, _ = peer_batch
    assert {r.trainee: r.status for r in first} == {"bitdiddle": grade.GRADED, "hacker": grade.GRADED,
                                                    "honest": grade.GRADED}
    kernel = auto_scores(reference)
    assert {t: before["scores"][t] for t in HONEST} == kernel
    assert before["scores"]["honest"] == kernel["hacker"]
    assert sum(v or 0 for v in kernel["hacker"].values()) > sum(v or 0 for v in kernel["bitdiddle"].values()) > 0


def test_the_tests_ran_in_the_sandbox(peer_batch):
    _, course, _, _, _, _ = peer_batch
    nb = nbformat.read(course.autograded_dir / "reaches_network" / MODULE / NOTEBOOK, as_version=4)
    cheat = next(c for c in nb.cells if c.cell_type == "code" and "socket" in c.source)
    assert "no network:" in "".join(o.get("text", "") for o in cheat.outputs)


@pytest.mark.parametrize("trainee", PEER_CHEATERS)
def test_a_cheat_gains_nothing_and_changes_no_one_else(peer_batch, trainee):
    _, course, _, results, before, _ = peer_batch
    assert {r.trainee: r.status for r in results}[trainee] == grade.GRADED
    assert auto_scores(course)[trainee] == before["scores"]["hacker"]


def test_nothing_outside_the_sandbox_changed(peer_batch):
    _, course, _, _, before, shared_before = peer_batch
    assert tree_hash(PEER) == shared_before, "the shared course is never written"
    assert tree_hash(course.source_dir) == before["source"], "source/ unchanged"
    assert tree_hash(PACKAGE, ("__pycache__",)) == before["package"], "caseloop's package files unchanged"
    assert tree_hash(PROFILE) == before["profile"], "the grader's IPython profile unchanged"
    scores = auto_scores(course)
    assert {t: scores[t] for t in (*HONEST, "honest")} == {t: before["scores"][t] for t in (*HONEST, "honest")}
    counts = row_counts(course)
    assert counts["submissions"] == before["counts"]["submissions"] + len(PEER_CHEATERS)
    assert counts["grades"] == before["counts"]["grades"] * (3 + len(PEER_CHEATERS)) // 3
    assert (course.autograded_dir / "honest" / MODULE / NOTEBOOK).read_bytes() == before["honest_notebook"]
    assert not sandbox_files_in_tmp(), "nothing of a sandbox on the host's /tmp"
    assert marked_processes() == [], "no process left running"
    assert not list(course.root.rglob(f"*{MARK}*"))


def test_without_bubblewrap_such_a_course_is_not_graded(tmp_path):
    course = peer_copy(tmp_path / "course", with_caseloop_steps=True)
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run([sys.executable, "-m", "caseloop", "--course", str(course.root), "grade", MODULE],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stdout
    assert f"{MODULE} has code answers" in done.stderr and "apt-get install -y bubblewrap" in done.stderr
    assert not course.autograded_dir.exists()
