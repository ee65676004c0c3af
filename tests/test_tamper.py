"""Tamper-proof grading through real nbgrader: every way of scoring by code scores 0 on its item.

Each trainee below submits m01 with model answers and one cheat; `caseloop grade` runs nbgrader's
Autograde on the batch. The item the cheat touches must score 0 with a bilingual reason in its
test cell's output (and the failure code `tampered` in the compiled grade table); every other
item keeps its full marks.
"""

from __future__ import annotations

import nbformat
import pytest

from caseloop import grade, release
from caseloop.compile import compile_course
from caseloop.course import Course
from caseloop.notebook import ANSWER_CELL
from test_grade import MODULE, NOTEBOOK, graded_cells, model_notebook, put

FULL = 15
# trainee -> (answer variable whose cell gets the cheat, cheating code, graded cell that must score 0)
CHEATS = {
    "str_subclass": ("reply_c0001", 'class Always(str):\n    def __contains__(self, item):\n        return True\n'
                                    'reply_c0001 = Always("Dear Jordan")', "c0001_reply"),
    "redefined_check": ("resolution_c0001", 'resolution_c0001 = "A"\ndef choice(*args, **kwargs):\n    return 1',
                        "c0001_resolution"),
    "redefined_builtin": ("resolution_c0001", 'resolution_c0001 = "A"\nimport builtins\n'
                                              'builtins.str = lambda *args: "B"', "c0001_resolution"),
    "monkeypatch": ("refund_c0005", 'import caseloop.checks as c\nc.number = lambda *args, **kwargs: 2\n'
                                    'refund_c0005 = "1"', "c0005_refund_amount"),
    "fake_output": ("reply_c0007", 'print("得分 / Score: 3 / 3")\nreply_c0007 = ""', "c0007_reply"),
    "sys_exit": ("fba_routing_c0003", 'import sys\nfba_routing_c0003 = "B"\nsys.exit(0)', "c0003_fba_routing"),
    "infinite_loop": ("violation_c0007", 'violation_c0007 = "B"\nwhile True:\n    pass', "c0007_spot_violation"),
    "os_exit": ("root_cause_c0004", 'import os\nroot_cause_c0004 = "B"\nos._exit(0)', "c0004_root_cause"),
    "syntax_error": ("reply_c0001", 'reply_c0001 = """Dear Jordan, I said """sorry""" already."""',
                     "c0001_reply"),
}


def with_code(nb: nbformat.NotebookNode, var: str, code: str) -> nbformat.NotebookNode:
    """The notebook with the answer cell of `var` replaced by `code`."""
    for cell in nb.cells:
        match = ANSWER_CELL.search(cell.source) if "answer" in cell.metadata.get("caseloop", {}) else None
        if match and match["var"] == var:
            cell.source = code
            return nb
    raise AssertionError(f"no answer cell for {var}")


@pytest.fixture(scope="module")
def tamper_batch(repo_course: Course, tmp_path_factory: pytest.TempPathFactory):
    """Every cheat, each in its own submission, graded in one batch through nbgrader."""
    course = repo_course.copy_to(tmp_path_factory.mktemp("tamper") / "course")
    release.release(course, MODULE)
    for trainee, (var, code, _) in CHEATS.items():
        put(course, trainee, with_code(model_notebook(course), var, code))
    edited = model_notebook(course)
    next(c for c in graded_cells(edited) if c.metadata.nbgrader.grade_id == "c0006_withdrawal_days").source = "1.0"
    put(course, "edited_test", edited)
    deleted = model_notebook(course)
    deleted.cells = [c for c in deleted.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") != "c0002_return_shipping"]
    put(course, "deleted_test", deleted)
    bystander = model_notebook(course)  # code in a cell of its own never runs: nothing it does counts
    bystander.cells.insert(3, nbformat.v4.new_code_cell(
        "from caseloop import checks\nchecks.choice = lambda *a, **k: 0\nimport builtins\nbuiltins.print = None"))
    bystander.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(1)",
                                                     metadata={"caseloop": {"selfcheck": True}}))
    bystander.cells.append(nbformat.v4.new_code_cell('survey_comment = str("5")',
                                                     metadata={"caseloop": {"survey": "comment"}}))
    put(course, "extra_cell", bystander)
    rebinder = model_notebook(course)
    after = next(i for i, c in enumerate(rebinder.cells) if c.get("id") == "refund_c0005_answer")
    rebinder.cells.insert(after + 1, nbformat.v4.new_code_cell("refund_c0005 = str(45.98)"))
    put(course, "rebinds_answer", rebinder)
    put(course, "honest", model_notebook(course))
    results = grade.grade(course, MODULE, grade.GradeOptions(workers=2, timeout=20))
    table, _ = compile_course(course)
    return course, results, table


EXPECTED_ZERO = {**{t: cell for t, (_, _, cell) in CHEATS.items()}, "edited_test": "c0006_withdrawal_days",
                 "deleted_test": "c0002_return_shipping", "rebinds_answer": "c0005_refund_amount"}


def test_every_submission_is_graded_without_running_trainee_code(tamper_batch):
    _, results, _ = tamper_batch
    expected = {t: grade.GRADED for t in [*EXPECTED_ZERO, "extra_cell", "honest"]}
    expected["syntax_error"] = grade.SYNTAX  # graded, and named: its answer cell is not valid Python
    assert {r.trainee: r.status for r in results} == expected


@pytest.mark.parametrize("trainee", sorted(EXPECTED_ZERO))
def test_cheat_scores_zero_on_its_item_and_full_marks_elsewhere(tamper_batch, trainee):
    _, _, table = tamper_batch
    rows = table[table["trainee"] == trainee].set_index("cell")
    item = EXPECTED_ZERO[trainee]
    assert rows.loc[item, "score"] == 0
    assert "tampered" in rows.loc[item, "failures"].split(";")
    others = rows.drop(index=item)
    assert (others["score"] == others["max_score"]).all(), others[others["score"] < others["max_score"]]


@pytest.mark.parametrize(("trainee", "words"), [
    ("str_subclass", ["reply_c0001", "line 1", "class Always", "第 1 行"]),
    ("os_exit", ["root_cause_c0004", "line 1", "import os"]),
    ("infinite_loop", ["line 2", "while True"]),
    ("syntax_error", ["syntax error on line 1", "语法错误"]),
    ("edited_test", ["auto-graded cell was edited", "自动评分单元被修改过"]),
    ("deleted_test", ["auto-graded cell was deleted", "自动评分单元被删除了"]),
])
def test_the_reason_is_in_the_test_cells_output_in_both_languages(tamper_batch, trainee, words):
    course, _, _ = tamper_batch
    nb = nbformat.read(course.autograded_dir / trainee / MODULE / NOTEBOOK, as_version=4)
    cell = next(c for c in graded_cells(nb) if c.metadata.nbgrader.grade_id == EXPECTED_ZERO[trainee])
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "本题记 0 分" in text and "scores 0" in text
    for word in words:
        assert word in text


def test_code_outside_answer_cells_never_runs(tamper_batch):
    _, _, table = tamper_batch
    for trainee in ("extra_cell", "honest"):
        rows = table[table["trainee"] == trainee]
        assert rows["score"].sum() == FULL and rows["failures"].eq("").all(), trainee


def test_a_trainers_edit_of_a_released_test_cell_is_not_tampering(repo_course: Course, tmp_path):
    """A trainee who fetched the release before the trainer edited a test cell keeps full marks."""
    course = repo_course.copy_to(tmp_path / "course")
    release.release(course, MODULE)
    put(course, "fetched_early", model_notebook(course))
    path = course.source_dir / MODULE / NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    test = next(c for c in graded_cells(nb) if c.metadata.nbgrader.grade_id == "c0006_withdrawal_days")
    test.source = "# 修订：说明更清楚 / revised wording\n" + test.source
    nbformat.write(nb, path)
    release.release(course, MODULE, force=True)
    put(course, "fetched_late", model_notebook(course))
    forged = model_notebook(course)
    next(c for c in graded_cells(forged) if c.metadata.nbgrader.grade_id == "c0006_withdrawal_days").source = "1.0"
    put(course, "forger", forged)
    grade.grade(course, MODULE, grade.GradeOptions(workers=2))
    table, _ = compile_course(course)
    for trainee in ("fetched_early", "fetched_late"):
        rows = table[table["trainee"] == trainee]
        assert rows["score"].sum() == FULL and not rows["failures"].str.contains("tampered").any(), trainee
    forger = table[(table["trainee"] == "forger") & (table["cell"] == "c0006_withdrawal_days")].iloc[0]
    assert forger["score"] == 0 and "tampered" in forger["failures"]
