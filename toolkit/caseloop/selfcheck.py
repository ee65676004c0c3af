"""The trainee's self-check: public checks on the current answers, never the hidden tests.

The last code cell of every module calls `self_check()`. It finds the notebook's answer cells by
their `caseloop.answer` metadata, takes each answer as a plain literal (the value the trainee's
last run of the answer cell left in the kernel, if it is a plain str or number, else the literal
read from the saved notebook; nothing is ever run), and runs only the public checks: the format
of a choice, number or date, and for written replies the full reply rubric and red lines with the
buyer's name and language from the cell's metadata. Whether a choice or number is right is for
the hidden tests alone, so answer keys never reach a trainee. In JupyterLab it shows an
ipywidgets panel with a button to run it again; elsewhere it prints plain text.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caseloop import checks
from caseloop.notebook import answer_variable, literal_answers

PLAIN_TYPES = (str, int, float)


@dataclass(frozen=True)
class AnswerCell:
    """One answer cell of the trainee's notebook, as its metadata and source describe it."""

    cell_id: str
    variable: str
    kind: str
    metadata: dict[str, Any]
    source: str


def answer_cells(notebook: Path) -> list[AnswerCell]:
    """The answer cells of a notebook, in order, with the variable each one assigns."""
    import nbformat

    cells = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        meta = cell.metadata.get("caseloop", {})
        if cell.cell_type != "code" or "answer" not in meta:
            continue
        cells.append(AnswerCell(cell.get("id", ""), answer_variable(cell), meta["answer"], dict(meta), cell.source))
    return cells


def current_answer(cell: AnswerCell, namespace: dict[str, Any] | None) -> tuple[Any, str]:
    """The trainee's answer as a literal, and where it came from (kernel or saved notebook)."""
    value = (namespace or {}).get(cell.variable)
    if type(value) in PLAIN_TYPES:
        return value, "kernel"
    saved = literal_answers(cell.source)
    if saved is not None and cell.variable in saved:
        return saved[cell.variable], "notebook"
    return None, "unreadable"


def _quiet(check, *args: Any, **kwargs: Any) -> checks.Score:
    """Run a public check without its own printing; the report prints the findings."""
    with contextlib.redirect_stdout(io.StringIO()):
        return check(*args, **kwargs)


def _format(ok: bool, expected: tuple[str, str], fix: tuple[str, str]) -> checks.Finding:
    """The finding of a format check: what the format is when right, what to do when not."""
    if ok:
        return checks.Finding("format", True, f"格式正确：{expected[0]}", f"format OK: {expected[1]}")
    return checks.Finding("format", False, *fix)


def _code(cell: AnswerCell, text: str) -> list[checks.Finding]:
    return [checks.Finding("code", True, "代码题：运行你的代码单元，评分时检查它算出的值",
                           "code answer: run your cells; grading checks the values they produce")]


def _choice(cell: AnswerCell, text: str) -> list[checks.Finding]:
    options = "".join(cell.metadata.get("options", "ABCD"))
    listed = ", ".join(options)
    return [_format(checks.picked_option(text, options) is not None, ("一个选项字母", "one option letter"),
                    (f"请只写一个选项字母：{listed}", f"write one option letter: {listed}"))]


def _number(cell: AnswerCell, text: str) -> list[checks.Finding]:
    unit = cell.metadata.get("unit", "")
    return [_format(checks.parse_number(text) is not None, ("一个数字", "one number"),
                    (f"请只写一个数字（单位：{unit or '见题目'}）",
                     f"write a single number (unit: {unit or 'see the question'})"))]


def _date(cell: AnswerCell, text: str) -> list[checks.Finding]:
    readings, ambiguous = checks.parse_date(text)
    return [_format(bool(readings) and not ambiguous, ("一个日期", "one date"),
                    ("请写一个明确的日期，例如 2026-03-19", "write one unambiguous date, e.g. 2026-03-19"))]


def _reply(cell: AnswerCell, text: str) -> list[checks.Finding]:
    score = _quiet(checks.reply, text, 1, buyer_name=cell.metadata.get("buyer_name"),
                   language=cell.metadata.get("language", "en"))
    return score.findings


def _text(cell: AnswerCell, text: str) -> list[checks.Finding]:
    return [checks.Finding("answered", True, "已作答", "answered")]


# The public check of each answer kind (notebook.ANSWER_KINDS): what a trainee may see before submitting.
SELF_CHECKS = {"code": _code, "choice": _choice, "number": _number, "date": _date, "reply": _reply, "text": _text}


def check_answer(cell: AnswerCell, answer: Any) -> list[checks.Finding]:
    """The public findings for one answer: its format, or the reply rubric and red lines."""
    if cell.kind not in SELF_CHECKS:
        raise ValueError(f"answer cell {cell.cell_id}: unknown answer kind {cell.kind!r}; known: "
                         f"{', '.join(SELF_CHECKS)}")
    text = checks.answer_text(answer)
    if not text and cell.kind != "code":
        return [checks.Finding("blank", False, "还没有作答：把答案写在三引号之间并运行该单元",
                               "not answered yet: write between the triple quotes and run the cell")]
    return SELF_CHECKS[cell.kind](cell, text)


def report(notebook: Path, namespace: dict[str, Any] | None = None) -> str:
    """The self-check report of a notebook as plain text (zh / en)."""
    cells = answer_cells(notebook)
    lines = [f"自查 / Self-check: {notebook.name} — {len(cells)} 个答案 / answers",
             "（只含公开检查：格式、回复要素和红线；对错由隐藏测试评分）/ "
             "(public checks only: format, reply elements and red lines; correctness is for the hidden tests)"]
    for cell in cells:
        answer, origin = current_answer(cell, namespace)
        lines.append(f"\n[{cell.variable or cell.cell_id}] {cell.kind}")
        if origin == "unreadable":
            lines.append("✗ 答案单元不是纯文字或数字，评分时本题会记 0 分：只在三引号之间写答案 / "
                         "the answer cell is not a plain literal and would score 0: write only between the "
                         "triple quotes")
            continue
        if origin == "notebook":
            lines.append("· 读取的是已保存的笔记本：运行答案单元后再自查 / read from the saved notebook: run the "
                         "answer cell, then check again")
        lines.extend(finding.line() for finding in check_answer(cell, answer))
    return "\n".join(lines)


def find_notebook(folder: Path | None = None) -> Path:
    """The notebook this kernel belongs to: Jupyter's session path, else the newest module notebook here."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb") and Path(session).is_file():
        return Path(session)
    folder = folder or Path.cwd()
    candidates = [p for p in folder.glob("*.ipynb") if '"selfcheck"' in p.read_text(encoding="utf-8", errors="ignore")]
    if not candidates:
        raise FileNotFoundError(f"{folder}: no module notebook found; call self_check('your_notebook.ipynb')")
    return max(candidates, key=lambda p: p.stat().st_mtime)


def _ipython() -> Any:
    """The running IPython shell, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _kernel_namespace() -> dict[str, Any] | None:
    shell = _ipython()
    return shell.user_ns if shell is not None else None


def panel(notebook: Path, namespace: dict[str, Any] | None = None):
    """An ipywidgets panel: a button that runs the self-check again and the report below it."""
    import ipywidgets as widgets

    button = widgets.Button(description="运行自查 / Run self-check", icon="check",
                            layout=widgets.Layout(width="auto"))
    output = widgets.Output(layout=widgets.Layout(border="1px solid #ccc", padding="4px"))

    def run(_: Any = None) -> None:
        output.clear_output()
        with output:
            print(report(notebook, namespace if namespace is not None else _kernel_namespace()))

    button.on_click(run)
    run()
    return widgets.VBox([button, output])


def self_check(notebook: str | Path | None = None, widgets: bool | None = None):
    """Run the public checks on this notebook's current answers and show the feedback.

    `widgets=None` shows the panel inside a Jupyter kernel with ipywidgets, plain text elsewhere.
    """
    path = Path(notebook) if notebook else find_notebook()
    namespace = _kernel_namespace()
    in_kernel = namespace is not None and getattr(_ipython(), "kernel", None) is not None
    if widgets is None:
        widgets = in_kernel
    if widgets:
        try:
            from IPython.display import display

            display(panel(path, namespace))
            return None
        except ImportError:
            pass
    print(report(path, namespace))
    return None

