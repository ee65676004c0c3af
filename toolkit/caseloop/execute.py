"""Execute step of autograding, with a fast path for notebooks whose answers are plain literals.

caseloop modules ask trainees for plain literals (a reply, an option letter, a number), so the
only code that needs to run is the trainer's own test cells, which nbgrader has just restored from
the gradebook. When every editable code cell of a submission is a plain literal assignment,
`LiteralExecute` reads the answers with `ast.literal_eval` (trainee input is never run) and runs
the test cells in a fresh namespace in this process, producing the outputs a Jupyter kernel
would (streams, rich results, errors, execution counts). Any other notebook goes through
nbgrader's own `Execute`, one fresh kernel per notebook, unchanged.
"""

from __future__ import annotations

import ast
import contextlib
import io
import signal
import threading
import traceback
from datetime import UTC, datetime
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_locked, is_solution
from traitlets import Bool


class CellTimeout(Exception):
    """A test cell ran past the configured timeout."""


def literal_answers(source: str) -> dict[str, Any] | None:
    """The names and values a cell assigns, if it is only `name = <literal>` lines; else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    values = {}
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            return None
        try:
            values[statement.targets[0].id] = ast.literal_eval(statement.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return values


def fast_path_applies(nb: NotebookNode) -> bool:
    """True when the only code a trainee could have changed is literal answers.

    Test cells and locked cells are restored from the gradebook by nbgrader before execution,
    so they are the trainer's code; every other code cell must be a literal assignment.
    """
    for cell in nb.cells:
        if cell.cell_type != "code" or is_grade(cell) or (is_locked(cell) and not is_solution(cell)):
            continue
        if literal_answers(cell.source) is None:
            return False
    return True


def _timeout_handler(signum: int, frame: Any) -> None:
    raise CellTimeout


class _Display:
    """Formats results the way IPython's display hook does for a kernel's execute_result."""

    def __init__(self) -> None:
        from IPython.core.formatters import DisplayFormatter

        self.formatter = DisplayFormatter()

    def bundle(self, value: Any) -> tuple[dict, dict]:
        return self.formatter.format(value)


class LiteralExecute(Execute):
    """nbgrader's Execute step, with the in-process fast path for literal-answer notebooks."""

    fast_path = Bool(True, help="Run literal-answer notebooks without a kernel.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        if not (self.fast_path and fast_path_applies(nb)):
            return super().preprocess(nb, resources, km=km)
        self._run_in_process(nb)
        return nb, resources

    def _run_in_process(self, nb: NotebookNode) -> None:
        namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        display = _Display()
        count = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            if not cell.source.strip():
                cell.execution_count = None
                continue
            count += 1
            cell.execution_count = count
            started = _timestamp()
            answers = literal_answers(cell.source) if not is_grade(cell) else None
            if answers is not None:
                namespace.update(answers)
            else:
                cell.outputs = self._run_cell(cell.source, namespace, display, count)
            if self.record_timing:
                finished = _timestamp()
                cell.metadata["execution"] = {"iopub.execute_input": started, "iopub.status.busy": started,
                                              "iopub.status.idle": finished, "shell.execute_reply": finished}
        nb.metadata["language_info"] = _language_info()

    def _run_cell(self, source: str, namespace: dict, display: _Display, count: int) -> list[NotebookNode]:
        """Run one trusted test cell like a kernel would: stdout/stderr streams, then the last value."""
        outputs: list[NotebookNode] = []
        stdout, stderr = io.StringIO(), io.StringIO()
        # The time limit uses SIGALRM, which only the main thread can receive (a Dask worker runs
        # tasks in other threads; there the trainer's own test code runs without a limit).
        timed = bool(self.timeout) and threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGALRM, _timeout_handler) if timed else None
        if timed:
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                tree = ast.parse(source)
                last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
                exec(compile(tree, f"<cell-{count}>", "exec"), namespace)
                value = eval(compile(ast.Expression(last.value), f"<cell-{count}>", "eval"), namespace) \
                    if last is not None else None
            error = None
        except CellTimeout:
            value, error = None, self.error_on_timeout
        except Exception as exc:  # a failing test is a result, reported as the kernel would
            value, error = None, _error_output(exc)
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        for name, stream in (("stdout", stdout), ("stderr", stderr)):
            if stream.getvalue():
                outputs.append(new_output("stream", name=name, text=stream.getvalue()))
        if error is not None:
            outputs.append(new_output("error", **error))
        elif value is not None:
            data, metadata = display.bundle(value)
            outputs.append(new_output("execute_result", data=data, metadata=metadata, execution_count=count))
        return outputs


def _timestamp() -> str:
    """A timestamp in the format nbclient records cell execution times in."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error_output(exc: BaseException) -> dict[str, Any]:
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return {"ename": type(exc).__name__, "evalue": str(exc), "traceback": [line.rstrip("\n") for line in frames]}


def _language_info() -> dict[str, Any]:
    """The language_info a Python kernel of this interpreter reports."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)
