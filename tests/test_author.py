"""`caseloop author`: lint of source notebooks, and the graded check of every module through nbgrader.

The check of every module in source/ also regenerates each module's release in a scratch course,
so the committed release/ is compared with what `caseloop release` makes today (CI fails when stale).
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from caseloop import author
from caseloop.cli import main
from caseloop.course import Course


@pytest.fixture(scope="session")
def author_check(repo_course: Course, tmp_path_factory: pytest.TempPathFactory):
    """`author check --all` over the repository's modules, in a scratch course kept for the release test."""
    workspace = tmp_path_factory.mktemp("author") / "course"
    results = author.check(repo_course, repo_course.module_ids(), workspace=workspace)
    return Course.at(workspace), results


def test_every_module_passes_author_check(author_check, repo_course):
    _, results = author_check
    assert {r.module for r in results} == set(repo_course.module_ids())
    assert results and [(r.module, r.cell, r.problems) for r in results if r.problems] == []
    by_mentor = {r.cell for r in results if r.by_mentor}
    m07_replies = ("c0008", "c0014", "c0016", "c0018", "c0025", "c0027", "c0013", "c0011", "c0039", "c0034")
    assert by_mentor == {f"{case}_reply_{c}" for case in m07_replies for c in ("tone", "empathy", "culture")}, \
        "only m07's rubric cells wait for a mentor, under each of its ten replies"
    for result in results:
        if result.by_mentor:
            continue
        assert result.solution == result.max_score and result.blank == 0 and result.wrong < result.max_score
        assert result.wrong_failures, f"{result.cell}: a wrong answer must say why"


def test_committed_release_is_what_release_generates_today(author_check, repo_course):
    workspace, _ = author_check
    for module in repo_course.module_ids():
        generated = sorted(p.name for p in (workspace.release_dir / module).glob("*.ipynb"))
        committed = sorted(p.name for p in (repo_course.release_dir / module).glob("*.ipynb"))
        assert generated == committed, f"release/{module} is stale: run `caseloop release {module}` and commit it"
        for name in generated:
            new = nbformat.read(workspace.release_dir / module / name, as_version=4)
            old = nbformat.read(repo_course.release_dir / module / name, as_version=4)
            assert [(c.cell_type, c.source) for c in new.cells] == [(c.cell_type, c.source) for c in old.cells], \
                f"release/{module}/{name} is stale: run `caseloop release {module}` and commit release/"


def test_repository_modules_are_lint_clean(repo_course, capsys):
    assert author.lint(repo_course) == []
    assert main(["--course", str(repo_course.root), "author", "lint"]) == 0


def _graded(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture()
def broken_course(repo_course, tmp_path) -> Course:
    """A scratch course whose m01 has one of each lint problem."""
    course = repo_course.copy_to(tmp_path / "course")
    path = next((course.source_dir / "m01").glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    _graded(nb, "c0001_resolution").metadata["caseloop"]["competency"] = ["XYZ"]
    _graded(nb, "c0002_return_shipping").metadata["caseloop"]["case"] = "C-9999"
    del _graded(nb, "c0003_fba_routing").metadata["caseloop"]["competency"]
    _graded(nb, "c0004_root_cause").metadata["nbgrader"]["points"] = 0
    _graded(nb, "c0005_refund_amount").metadata["nbgrader"]["points"] = 3
    hours = _graded(nb, "c0001_atoz_hours")
    hours.source = hours.source.replace('checks.policy("a_to_z.seller_response_hours")', "48")
    next(c for c in nb.cells if c.get("id") == "atoz_hours_c0001_answer").metadata["caseloop"]["unit"] = "hours"
    reply = _graded(nb, "c0007_reply")
    reply.source = reply.source.replace("### END HIDDEN TESTS", "")
    generic = _graded(nb, "c0001_reply")
    generic.source = generic.source.replace(', case="C-0001"', "")
    answer = next(c for c in nb.cells if c.get("id") == "reply_c0001_answer")
    answer.source = answer.source.replace("### END SOLUTION\n", "")
    nbformat.write(nb, path)
    return course


@pytest.mark.parametrize(("cell", "message"), [
    ("c0001_resolution", "unknown competency 'XYZ'"),
    ("c0002_return_shipping", "case C-9999 has no file cases/C-9999.yaml"),
    ("c0003_fba_routing", "no competency"),
    ("c0004_root_cause", "points must be positive"),
    ("c0005_refund_amount", "points=2) but the cell is worth 3 points"),
    ("c0001_atoz_hours", "policy number 48 hours written into the test; use expected="),
    ("c0001_atoz_hours", "checks.policy('a_to_z.seller_response_hours')"),
    ("c0007_reply", "'### BEGIN HIDDEN TESTS' is never closed"),
    ("reply_c0001_answer", "'### BEGIN SOLUTION' is never closed"),
    ("c0001_reply", "checks.reply(...) checks nothing specific to its case; add case='C-0001'"),
])
def test_lint_names_file_cell_and_fix(broken_course, cell, message):
    problems = [str(p) for p in author.lint(broken_course, ["m01"]) if p.cell == cell]
    assert any(message in p for p in problems), problems
    assert all(str(broken_course.source_dir / "m01") in p for p in problems)


def test_lint_refuses_a_reply_whose_case_says_nothing_of_a_correct_reply(repo_course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    case = course.cases_dir / "C-0007.yaml"
    case.write_text(case.read_text(encoding="utf-8").split("\nreply:", 1)[0] + "\n", encoding="utf-8")
    problems = [str(p) for p in author.lint(course, ["m01"]) if p.cell == "c0007_reply"]
    assert any("cases/C-0007.yaml has no `reply: must:` items" in p for p in problems), problems


def test_lint_exits_1_and_changes_nothing(broken_course, capsys):
    path = next((broken_course.source_dir / "m01").glob("*.ipynb"))
    before = path.read_bytes()
    assert main(["--course", str(broken_course.root), "author", "lint", "m01"]) == 1
    assert "problem(s)" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_check_catches_a_wrong_model_answer_and_a_test_that_cannot_fail(repo_course, tmp_path, capsys):
    course = repo_course.copy_to(tmp_path / "course")
    shutil.rmtree(course.source_dir / "m01")
    shutil.copytree(repo_course.source_dir / "m01", course.source_dir / "x01")
    path = next((course.source_dir / "x01").glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    solution = next(c for c in nb.cells if c.get("id") == "resolution_c0001_answer")
    solution.source = solution.source.replace("B\n### END", "A\n### END")
    lenient = _graded(nb, "c0002_return_shipping")
    lenient.source = "### BEGIN HIDDEN TESTS\nprint('ok')\n### END HIDDEN TESTS"
    nbformat.write(nb, path)
    assert main(["--course", str(course.root), "author", "check", "x01"]) == 1
    captured = capsys.readouterr()
    assert "x01/rules_and_returns cell c0001_resolution: the model answer scores 0 of 1" in captured.err
    assert "cell c0002_return_shipping: a wrong answer scores 1 of 1; the test cannot fail" in captured.err
    assert "c0001_reply" not in captured.err
    assert json.dumps("x01/c0007_reply")[1:-1] in captured.out
