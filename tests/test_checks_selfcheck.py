"""The trainee's self-check: public checks on current answers, never the answer keys or hidden tests."""

from __future__ import annotations

import nbformat
import pytest

from caseloop import selfcheck
from test_grade import NOTEBOOK, model_notebook

BAD_REPLY = "Hi, sorry!! Email us at help@shop.example and we fix it."


@pytest.fixture()
def notebook(repo_course, tmp_path):
    """m01 as a trainee has it: model answers, a self-check cell, one wrong choice, one broken reply."""
    nb = model_notebook(repo_course)
    for cell in nb.cells:
        if cell.get("id") in {"reply_c0001_answer", "reply_c0007_answer"}:  # as the conventions ask
            cell.metadata["caseloop"].update(buyer_name="Jordan" if "c0001" in cell.id else "Emily", language="en")
    nb.cells.append(nbformat.v4.new_code_cell("from caseloop.selfcheck import self_check\nself_check()",
                                              metadata={"caseloop": {"selfcheck": True}}))
    path = tmp_path / NOTEBOOK
    nbformat.write(nb, path)
    return path


def set_answer(path, var: str, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == f"{var}_answer")
    cell.source = source
    nbformat.write(nb, path)


def section(text: str, var: str) -> str:
    return text.split(f"[{var}]")[1].split("\n[")[0]


def test_report_runs_public_checks_on_every_answer(notebook):
    text = selfcheck.report(notebook)
    assert text.count("\n[") == 10
    assert "✓ 格式正确：一个选项字母 / format OK: one option letter" in section(text, "resolution_c0001")
    assert "format OK: one number" in section(text, "refund_c0005")
    assert "greets the buyer by name (Jordan)" in section(text, "reply_c0001")
    assert "✗" not in text


def test_a_wrong_choice_looks_exactly_like_a_right_one(notebook):
    right = section(selfcheck.report(notebook), "resolution_c0001")
    set_answer(notebook, "resolution_c0001", 'resolution_c0001 = """\nA\n"""')
    assert section(selfcheck.report(notebook), "resolution_c0001") == right
    released = notebook.read_text(encoding="utf-8")
    assert "HIDDEN TESTS" not in released and "checks." not in released


def test_format_problems_red_lines_and_code_are_reported(notebook):
    set_answer(notebook, "resolution_c0001", 'resolution_c0001 = """\nrefund\n"""')
    set_answer(notebook, "reply_c0007", f'reply_c0007 = """\n{BAD_REPLY}\n"""')
    set_answer(notebook, "refund_c0005", 'import os\nrefund_c0005 = "45.98"')
    text = selfcheck.report(notebook)
    assert "write one option letter: A, B, C, D" in section(text, "resolution_c0001")
    assert "contains an e-mail address" in section(text, "reply_c0007")
    assert "shouting" in section(text, "reply_c0007")
    assert "not a plain literal and would score 0" in section(text, "refund_c0005")


def test_kernel_values_win_over_the_saved_notebook_but_only_plain_literals(notebook):
    class Sneaky(str):
        def __contains__(self, item):
            return True

    text = selfcheck.report(notebook, {"resolution_c0001": "", "refund_c0005": Sneaky("x")})
    assert "not answered yet" in section(text, "resolution_c0001")
    assert "format OK: one number" in section(text, "refund_c0005"), "the str subclass is ignored"
    assert "read from the saved notebook" in section(text, "refund_c0005")


def test_self_check_finds_its_notebook_and_prints_or_shows_a_panel(notebook, monkeypatch, capsys):
    monkeypatch.chdir(notebook.parent)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert selfcheck.find_notebook() == notebook
    selfcheck.self_check(widgets=False)
    assert f"Self-check: {NOTEBOOK}" in capsys.readouterr().out
    box = selfcheck.panel(notebook)
    assert box.children[0].description == "运行自查 / Run self-check"


def test_no_notebook_here_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(FileNotFoundError, match="self_check"):
        selfcheck.find_notebook()



def test_self_check_in_a_real_kernel_reads_the_kernels_answers(notebook):
    """The module's last cell, run by a Jupyter kernel: the plain report, then the widget panel."""
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('resolution_c0001 = "refund"'))  # run after the saved answer
    nb.cells.append(nbformat.v4.new_code_cell("self_check(widgets=False)"))
    nb.cells.append(nbformat.v4.new_code_cell("self_check()"))
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
                   ).execute()
    plain = "".join(o.get("text", "") for o in nb.cells[-2].outputs)
    assert "write one option letter" in section(plain, "resolution_c0001"), "the kernel's value wins"
    assert "format OK: one number" in section(plain, "refund_c0005")
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in nb.cells[-1].outputs)
