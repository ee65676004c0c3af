"""Re-releasing a module whose graded cells changed after trainees submitted: the committed release is
kept, the message names the changed cells, and both ways it offers work."""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.api import Gradebook

from caseloop import demo, grade, release
from caseloop.cli import main
from caseloop.course import CourseError
from caseloop.course.journal import MALFORMED
from caseloop.notebook import new_test_cell

MODULE = "m01"


def test_a_failed_release_keeps_the_trainee_version_and_says_why(repo_course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, 2, seed=3)
    grade.collect(course, MODULE)
    grade.grade(course, MODULE, grade.GradeOptions(workers=1))
    released = {p.name: p.read_bytes() for p in (course.release_dir / MODULE).glob("*.ipynb")}
    with Gradebook(course.db_url()) as gradebook:
        graded = {(s.student.id, s.score) for s in gradebook.assignment_submissions(MODULE)}
    assert graded
    path = course.source_notebooks(MODULE)[0]
    submitted_source = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_test_cell("c0001_extra", "checks.number(reply_hours_c0001, expected=24, points=1)", 1,
                                  competency=["POL"], case="C-0001"))
    dropped = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id")
                   == "c0001_resolution")
    removed = nb.cells.pop(dropped)
    nbformat.write(nb, path)
    with pytest.raises(CourseError, match="is unchanged") as refused:
        release.release(course, MODULE, force=True)
    assert {p.name: p.read_bytes() for p in (course.release_dir / MODULE).glob("*.ipynb")} == released
    message = str(refused.value)
    assert f"  {path}:\n    added: c0001_extra (graded)\n    removed: {removed.metadata.nbgrader.grade_id} " in message
    assert f"`caseloop release {MODULE} --force`" in message and f"`caseloop author new {MODULE}v2 --copy-of " \
           f"{MODULE}`" in message

    # the second way, as the message gives it: a new version with the change, the old module as submitted
    assert main(["author", "new", f"{MODULE}v2", "--copy-of", MODULE, "--course", str(course.root)]) == 0
    path.write_bytes(submitted_source)  # what `git restore source/m01` does
    assert main(["release", f"{MODULE}v2", "--course", str(course.root)]) == 0
    assert main(["release", MODULE, "--force", "--course", str(course.root)]) == 0
    assert course.curriculum().releases[:3] == ["m00", MODULE, f"{MODULE}v2"], "listed as a version of the module"
    with Gradebook(course.db_url()) as gradebook:
        assert {(s.student.id, s.score) for s in gradebook.assignment_submissions(MODULE)} == graded, \
            "the old module keeps its submissions and grades"
        cells = {c.name for nb in gradebook.find_assignment(f"{MODULE}v2").notebooks for c in nb.grade_cells}
    assert "c0001_extra" in cells and removed.metadata.nbgrader.grade_id not in cells


def model_answers(course, module):
    """An answer callback that writes every cell's model answer, and the survey as released."""
    from caseloop.demo.answers import answer_cells

    solutions = {cell.var: cell.solution for cell in answer_cells(course, module)}
    return lambda notebook, var, tags, released: solutions.get(var) if "answer" in tags else None


def test_reports_and_gates_follow_a_module_across_its_versions(repo_course, tmp_path):
    """A trainee who failed m01 and then passed its new version m01v2 has passed m01: the gate, the module table
    and the pages count the latest submission to any version, and a cell the new version dropped no longer counts;
    trainees who did only one version are counted once under m01."""
    from caseloop.compile import compile_course
    from caseloop.demo.answers import submit_answers
    from caseloop.report import course_tables

    course = repo_course.copy_to(tmp_path / "course")
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, 3, seed=3)  # trainee01 answers everything, trainee02 nothing, trainee03 breaks
    grade.collect(course, MODULE)
    grade.grade(course, MODULE, grade.GradeOptions(workers=1))
    compile_course(course)

    assert main(["author", "new", f"{MODULE}v2", "--copy-of", MODULE, "--course", str(course.root)]) == 0
    path = course.source_notebooks(f"{MODULE}v2")[0]
    nb = nbformat.read(path, as_version=4)
    dropped = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "c0001_resolution"]
    nb.cells = [c for c in nb.cells if c not in dropped]
    nbformat.write(nb, path)
    assert main(["release", f"{MODULE}v2", "--course", str(course.root)]) == 0
    for trainee in ("trainee02", "trainee04"):
        submit_answers(course, f"{MODULE}v2", trainee, model_answers(course, f"{MODULE}v2"))
    grade.collect(course, f"{MODULE}v2")
    grade.grade(course, f"{MODULE}v2", grade.GradeOptions(workers=1))
    grades, _ = compile_course(course)
    assert set(grades["module"]) == {MODULE, f"{MODULE}v2"}, "the grade table keeps nbgrader's assignments"

    tables, _, trainees = course_tables(course, grades)
    modules = tables.modules.set_index("trainee")
    assert set(tables.modules["module"]) == {MODULE}
    assert modules.loc["trainee02", "share"] == 1.0, "the version submitted last counts, the failed one does not"
    assert modules.loc["trainee01", "share"] == 1.0 and modules.loc["trainee04", "share"] == 1.0
    assert modules.loc["trainee02", "max_score"] == modules.loc["trainee04", "max_score"] \
        < modules.loc["trainee01", "max_score"], "the cell m01v2 dropped counts only for who took m01"
    gate = tables.gates[tables.gates["gate"] == "rules_passed"].set_index("trainee")["met"]
    assert gate.to_dict() == {"trainee01": True, "trainee02": True, "trainee03": False, "trainee04": True}
    completion = tables.completion[tables.completion["module"].isin([MODULE, f"{MODULE}v2"])]
    assert list(completion["module"].unique()) == [MODULE] and len(completion) == len(trainees)
    assert completion.set_index("trainee").loc["trainee03", "status"] == MALFORMED
    assert main(["report", "--course", str(course.root), "--lang", "en"]) == 0
    page = (course.reports_dir / "trainees" / "trainee02.html").read_text(encoding="utf-8")
    assert f'data-module="{MODULE}v2"' not in page and f'data-module="{MODULE}"' in page
