"""`caseloop author new`, run as the README gives it: the new module lints, checks, releases and grades
from its first minute."""

from __future__ import annotations

import shlex

import nbformat
import pytest
from nbgrader.api import Gradebook

from caseloop import demo, grade, release
from caseloop.cli import main
from caseloop.course import Course
from conftest import readme_commands

MODULE = "m09"
CASES = {"C-0006": "c0006", "C-0200": "c0200"}  # a German buyer and a Japanese one


@pytest.fixture(scope="module")
def course(repo_course, tmp_path_factory) -> Course:
    """A copy of the course with a new module on two cases, made by the README's `caseloop author new` line."""
    course = repo_course.copy_to(tmp_path_factory.mktemp("new") / "course")
    [line] = [words for words in readme_commands() if words[:3] == ("caseloop", "author", "new")
              and "--title-en" in words]
    assert line[3] == MODULE and line[line.index("--from-cases") + 1] == ",".join(CASES)
    assert main([*line[1:], "--course", str(course.root)]) == 0
    return course


def test_the_new_module_is_one_new_line_of_the_curriculum(course, repo_course):
    modules = course.curriculum().modules
    added = modules[-1]
    assert (added.id, added.zh, added.en) == (MODULE, "德日市场售后", "After-sales in Germany and Japan")
    original = repo_course.curriculum_path.read_text(encoding="utf-8").splitlines()
    written = course.curriculum_path.read_text(encoding="utf-8").splitlines()
    added = [line for line in written if line not in original]
    assert added == ["  - {id: m09, zh: 德日市场售后, en: After-sales in Germany and Japan}"]
    assert [line for line in written if line not in added] == original, "every other line stays as it was"


def test_the_notebook_has_intro_exercises_selfcheck_and_survey(course):
    nb = nbformat.read(course.source_dir / MODULE / f"{MODULE}.ipynb", as_version=4)
    assert "三引号" in nb.cells[0].source and "triple quotes" in nb.cells[0].source
    graded = [c.metadata.nbgrader.grade_id for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded == [f"{prefix}_{item}" for prefix in CASES.values() for item in ("root_cause", "reply")]
    tags = [c.metadata.get("caseloop", {}) for c in nb.cells]
    assert tags[-7] == {"selfcheck": True} and "问卷" in nb.cells[-6].source
    assert [t.get("survey") for t in tags[-5:]] == ["usefulness", "clarity", "unclear_case", "missing_scenario",
                                                   "comment"]


def test_lint_and_check_pass_and_a_trainee_submission_grades(course, capsys):
    assert main(["author", "lint", MODULE, "--course", str(course.root)]) == 0
    assert main(["author", "check", MODULE, "--course", str(course.root)]) == 0
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, 3, seed=2)  # trainee01 answers with the model answers, trainee02 blank
    grade.collect(course, MODULE)
    assert {r.status for r in grade.grade(course, MODULE)} >= {grade.GRADED}
    with Gradebook(course.db_url()) as gradebook:
        scores = {s.student.id: s.score for s in gradebook.assignment_submissions(MODULE)}
    assert scores["trainee01"] == 8 and scores["trainee02"] == 0


def test_an_existing_module_or_an_unapproved_case_writes_nothing(course, capsys):
    before = course.curriculum_path.read_bytes()
    assert main(["author", "new", "m01", "--title", "x", "--course", str(course.root)]) == 2
    assert "source/m01: already exists" in capsys.readouterr().err
    assert main(["author", "new", "m10", "--title", "x", "--from-cases", "C-0006,C-0043",
                 "--course", str(course.root)]) == 2
    assert "C-0043.yaml: the case is not approved" in capsys.readouterr().err
    assert not (course.source_dir / "m10").exists() and course.curriculum_path.read_bytes() == before


def test_the_trainer_first_hour_commands_of_the_readme_leave_a_module_that_lints(repo_course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    steps = [words for words in readme_commands() if words[1:3] in {("author", "exercise"), ("author", "rubric")}
             and "m04" in words]
    assert {words[2] for words in steps} == {"exercise", "rubric"}
    for words in sorted(steps, key=lambda words: words[2] != "exercise"):
        assert main([*words[1:], "--course", str(course.root)]) == 0, shlex.join(words)
    assert main(["author", "lint", "m04", "--course", str(course.root)]) == 0


@pytest.mark.parametrize("text", ["modules:\n  - {id: a, zh: 甲, en: A}\n# the end\n",
                                  "modules: [{id: a, zh: 甲, en: A}]  # the end\n"])
def test_the_curriculum_entry_reads_back_as_written_in_block_and_flow_lists(tmp_path, text):
    import yaml

    from caseloop.author.new import add_to_curriculum

    path = tmp_path / "curriculum.yaml"
    path.write_text(text, encoding="utf-8")
    assert add_to_curriculum(path, "m09", "德日: 售后", "yes")
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["modules"] == [
        {"id": "a", "zh": "甲", "en": "A"}, {"id": "m09", "zh": "德日: 售后", "en": "yes"}]
    assert "# the end" in path.read_text(encoding="utf-8")
    assert not add_to_curriculum(path, "m09", "x", "x"), "a module already in the curriculum is not added twice"
