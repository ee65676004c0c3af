"""The sandboxed side of grading code answers: one bubblewrap box per notebook, its faults, the outputs it
may hand back, the module files it may see, and the scratch folders of the kernel path."""

from __future__ import annotations

import builtins
import json
import keyword
import re
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbgrader.utils import is_grade, is_solution

from caseloop.notebook import free_names, is_setup_cell
from caseloop.sandbox import bwrap

_SANDBOX_FAULTS = {
    "died": ("DeadKernelError", "代码结束了自己的沙箱（例如 os._exit 或崩溃），后面的单元在新的沙箱中运行",
             "the code ended its sandbox (os._exit, a crash, a killed process); the cells after it ran in a fresh "
             "sandbox"),
    "too big": ("OutputLimitError", "输出或答案超过了上限，沙箱已停止",
                "the output or the answers went over the limit, so the sandbox was stopped"),
    "unreadable": ("SandboxError", "沙箱的回复无法读取，沙箱已停止",
                   "the sandbox's reply could not be read, so it was stopped"),
    "stopped": ("SandboxError", "沙箱已多次停止，本单元未运行",
                "the sandbox was stopped too many times; this cell did not run"),
}
MAX_SANDBOX_RESTARTS = 3



def read_names(source: str) -> list[str]:
    """The names a test cell reads that the trainee's namespace may hold (builtins stay the grader's own)."""
    return sorted(name for name in free_names(source) if name.isidentifier() and not keyword.iskeyword(name)
                  and not name.startswith("__") and not hasattr(builtins, name))


def module_files(source_dir: Path, ignore: list[str]) -> dict[str, Path]:
    """The module's data files in source/ (what nbgrader copies beside each submission), by relative path."""
    from nbgrader.utils import find_all_files

    found = find_all_files(str(source_dir), [*ignore, "*.ipynb"]) if source_dir.is_dir() else []
    return {str(Path(path).relative_to(source_dir)): Path(path) for path in sorted(found)}


class Box:
    """A notebook's sandbox: started when first needed, restarted (with the module's locked set-up
    cells run again) after trainee code killed it, at most MAX_SANDBOX_RESTARTS times."""

    def __init__(self, step: Any, nb: NotebookNode, source_dir: Path | None, name: str,  # step: LiteralExecute
                 code_cells: int) -> None:
        from nbgrader.coursedir import CourseDirectory

        ignore = list(CourseDirectory(config=step.config).ignore)
        self.files = module_files(source_dir, ignore) if source_dir else {}
        self.limits = step.sandbox_limits(code_cells)
        self.timeout_error = dict(step.error_on_timeout)
        copy = nbformat.from_dict(json.loads(json.dumps(nb)))
        for cell in copy.cells:  # the trainee's notebook as they have it: no hidden tests in it
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                if is_grade(cell) and not is_solution(cell):
                    cell.source = ""
        self.notebook = (f"{name}.ipynb", nbformat.writes(copy).encode("utf-8"))
        self.setup = [c.source for c in nb.cells if is_setup_cell(c)]
        self.sandbox: bwrap.Sandbox | None = None
        self.starts = 0
        self.ran: list[str] = []   # the set-up cells run so far, run again in a fresh sandbox

    def _ready(self) -> bool:
        if self.sandbox is not None and self.sandbox.alive:
            return True
        if self.starts > MAX_SANDBOX_RESTARTS:
            return False
        if self.sandbox is not None:
            self.sandbox.close()
        self.starts += 1
        self.sandbox = bwrap.Sandbox(self.files, self.notebook, self.limits)
        self.sandbox.start()
        for source in self.ran:
            if self.sandbox.run(source).fault:
                return self.sandbox.alive
        return True

    def run(self, source: str, count: int) -> list[NotebookNode]:
        if not self._ready():
            return [_fault_output("stopped", "")]
        reply = self.sandbox.run(source)
        if source in self.setup:
            self.ran.append(source)
        outputs = _trainee_outputs(reply.outputs, count)
        if reply.fault == "timeout":
            outputs.append(nbformat.from_dict({"output_type": "error", **self.timeout_error}))
        elif reply.fault:
            outputs.append(_fault_output(reply.fault, reply.detail))
        return outputs

    def export(self, names: list[str]) -> bwrap.Reply:
        if not names or not self._ready():
            return bwrap.Reply()
        reply = self.sandbox.export(names)
        return bwrap.Reply() if reply.fault else reply

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()


def syntax_error(why: str) -> NotebookNode:
    """The error of a trainee cell that is not valid Python: it is not sent to the sandbox at all."""
    text = f"本单元不是有效的 Python 代码，未运行 / this cell is not valid Python and did not run: {why}"
    return nbformat.from_dict({"output_type": "error", "ename": "SyntaxError", "evalue": text,
                               "traceback": [f"SyntaxError: {text}"]})


def _fault_output(kind: str, detail: str) -> NotebookNode:
    ename, zh, en = _SANDBOX_FAULTS.get(kind, _SANDBOX_FAULTS["unreadable"])
    text = f"{zh} / {en}" + (f" ({detail})" if detail else "")
    return nbformat.from_dict({"output_type": "error", "ename": ename, "evalue": text,
                               "traceback": [f"{ename}: {text}"]})


_MIMETYPE = re.compile(r"[a-zA-Z0-9]+/[a-zA-Z0-9\-+.]+")
_OUTPUT_FIELDS = {"stream": {"name", "text"}, "display_data": {"data", "metadata"},
                  "execute_result": {"data", "metadata", "execution_count"}, "error": {"ename", "evalue", "traceback"}}


def _trainee_outputs(raw: Any, count: int) -> list[NotebookNode]:
    """The outputs a trainee cell sent back, kept only where they are well-formed nbformat outputs."""
    kept = []
    for output in raw if isinstance(raw, list) else []:
        kind = output.get("output_type") if isinstance(output, dict) else None
        if kind not in _OUTPUT_FIELDS:
            continue
        clean = {"output_type": kind, **{k: output.get(k) for k in _OUTPUT_FIELDS[kind] if k in output}}
        if kind == "execute_result":
            clean["execution_count"] = count
        if kind == "stream" and (clean.get("name") not in ("stdout", "stderr")
                                 or not isinstance(clean.get("text"), str)):
            continue
        if kind in ("display_data", "execute_result") and not (
                isinstance(clean.get("data"), dict) and isinstance(clean.setdefault("metadata", {}), dict)
                and all(isinstance(k, str) and _MIMETYPE.fullmatch(k) and _mime_value(k, v)
                        for k, v in clean["data"].items())):
            continue
        if kind == "error" and not (isinstance(clean.get("ename"), str) and isinstance(clean.get("evalue"), str)
                                    and isinstance(clean.get("traceback"), list)
                                    and all(isinstance(line, str) for line in clean["traceback"])):
            continue
        kept.append(nbformat.from_dict(clean))
    return kept


def _mime_value(mimetype: str, value: Any) -> bool:
    """nbformat's rule for a mime bundle entry: JSON types hold any JSON, the others text."""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return True
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(line, str) for line in value))
