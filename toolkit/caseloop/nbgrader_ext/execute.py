"""Execute step of autograding: trainee answers are read, never run, wherever a module allows it.

caseloop modules ask trainees for plain literals (a reply, an option letter, a number, a date), so
the only code that needs to run is the trainer's own test cells, which nbgrader has just restored
from the gradebook. `LiteralExecute` reads the answers with `ast.literal_eval` and runs the test
cells in a fresh namespace in this process, producing the outputs a Jupyter kernel would
(streams, rich results, errors, execution counts).

In a literal-answer module (every answer cell of the trainer's source notebook is of kind choice,
number, date, reply or text) trainee code never runs: an answer cell that is not a plain literal
assignment (a `str` subclass, a redefined builtin, a monkeypatch, a print, `sys.exit`, a loop ...)
makes every test cell that reads its variable score 0 with a bilingual reason, and a test cell
the trainee edited or deleted scores 0 the same way; every other item is graded normally. The
self-check and survey cells are never run.

In a code module (an answer cell of kind code, as in m08) the trainee's cells run in a bubblewrap
sandbox (`caseloop.sandbox`), one per notebook, and the test cells never do: at each test cell the
answer variables it reads are taken out of the sandbox as plain data (`caseloop.sandbox.values`)
and the test cell runs here, on those values, with the module's source folder as its working
folder, as in the literal path. Without bubblewrap a code module is not graded at all.

A notebook whose source notebook has no caseloop answer metadata (a course written without
caseloop, such as nbgrader's own examples) and whose editable cells are not all literals runs
whole in the same sandbox, test cells included, since its tests call the trainee's functions:
the trainee's code can then fake its own score, but reaches nothing outside its sandbox.
"""

from __future__ import annotations

import ast
import contextlib
import io
import signal
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import compute_checksum, is_grade, is_locked, is_solution
from traitlets import Bool, Int

from caseloop.nbgrader_ext.sandboxed import Box, read_names, syntax_error
from caseloop.notebook import (
    LITERAL_KINDS,
    answer_variable,
    bound_names,
    free_names,
    grade_id,
    is_helper_cell,
    is_setup_cell,
    literal_answers,
    syntax_problem,
    why_not_literal,
)
from caseloop.sandbox import bwrap
from caseloop.sandbox.values import NotPlain, decode

TAMPER_KEY = "caseloop_tampered"  # cell metadata set by FlagTamperedTests, read and removed by LiteralExecute


class CellTimeout(Exception):
    """A test cell ran past the configured timeout."""


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


@dataclass(frozen=True)
class NotebookPlan:
    """The trainer's source notebook as grading needs it: answers, tests and their released form."""

    answers: dict[str, tuple[str, str]]          # answer cell grade_id -> (variable, kind)
    tests: dict[str, NotebookNode]               # test cell grade_id -> the source cell
    released_checksums: dict[str, frozenset[str]]  # test cell grade_id -> checksums of every released version
    helper_ids: frozenset[str]                   # ids of self-check and survey cells
    order: tuple[str, ...]                       # grade_ids and ids of the source cells, in order

    source_dir: str = ""                         # the module's folder in source/ (its data files)
    setup: tuple[str, ...] = ()                  # the trainer's set-up cells (data loaded, constants), in order

    @property
    def literal(self) -> bool:
        return bool(self.answers) and all(kind in LITERAL_KINDS for _, kind in self.answers.values())

    @property
    def code(self) -> bool:
        """A code module: some answer is code, so trainee code runs (in the sandbox)."""
        return any(kind not in LITERAL_KINDS for _, kind in self.answers.values())


@lru_cache(maxsize=64)
def _load_plan(source: str, release: str, stamp: tuple[float, ...], history: tuple) -> NotebookPlan:
    nb = nbformat.read(source, as_version=4)
    answers, tests, helpers, order = {}, {}, set(), []
    setup = tuple(cell.source for cell in nb.cells if is_setup_cell(cell))
    for cell in nb.cells:
        cell_id = grade_id(cell)
        order.append(cell_id or cell.get("id", ""))
        if is_helper_cell(cell):
            helpers.add(cell.get("id", ""))
        kind = cell.metadata.get("caseloop", {}).get("answer")
        if kind and cell_id:
            answers[cell_id] = (answer_variable(cell), kind)
        elif is_grade(cell) and not is_solution(cell) and cell.cell_type == "code":
            tests[cell_id] = cell
    released = {cell_id: set(checksums) for cell_id, checksums in history if cell_id in tests}
    if Path(release).is_file():
        for cell in nbformat.read(release, as_version=4).cells:
            if grade_id(cell) in tests:
                released.setdefault(grade_id(cell), set()).add(compute_checksum(cell))
    released = {cell_id: frozenset(checksums) for cell_id, checksums in released.items()}
    return NotebookPlan(answers, tests, released, frozenset(helpers), tuple(order), str(Path(source).parent), setup)


def notebook_plan(config: Any, resources: dict) -> NotebookPlan | None:
    """The plan of the notebook being graded, from the course's source/ and release/; None if absent."""
    from nbgrader.coursedir import CourseDirectory

    info = resources.get("nbgrader", {}) if resources else {}
    if not info.get("assignment") or not info.get("notebook"):
        return None
    coursedir = CourseDirectory(config=config)
    name = f"{info['notebook']}.ipynb"
    source = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"])) / name
    release = Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"])) / name
    if not source.is_file():
        return None

    stamp = (source.stat().st_mtime, release.stat().st_mtime if release.is_file() else 0.0)
    return _load_plan(str(source), str(release), stamp, _release_history(coursedir.root, info["assignment"], name,
                                                                         str(release), stamp[1]))


@lru_cache(maxsize=64)
def _release_history(root: str, module: str, name: str, release: str, stamp: float) -> tuple:
    """Every released checksum of the notebook's test cells, the release found now recorded first."""
    from caseloop.course import releases

    if Path(release).is_file():
        releases.record(Path(root), module, Path(release))
    return tuple(sorted((k, tuple(sorted(v))) for k, v in releases.released(Path(root), module, name).items()))


class FlagTamperedTests(NbGraderPreprocessor):
    """Sanitize step before nbgrader's OverwriteCells: note test cells a trainee edited or deleted.

    nbgrader restores an edited test cell's source, which hides the edit; this step records it
    first (and puts a deleted test cell back, from the source notebook) so that grading can score
    the item 0 with a reason.
    """

    def preprocess(self, nb: NotebookNode, resources: Any):
        plan = notebook_plan(self.config, resources)
        if plan is None or not plan.answers:
            return nb, resources
        present = set()
        for cell in nb.cells:
            cell_id = grade_id(cell)
            if cell_id in plan.tests and is_grade(cell):
                present.add(cell_id)
                released = plan.released_checksums.get(cell_id)
                if released and compute_checksum(cell) not in released:
                    cell.metadata[TAMPER_KEY] = "edited"
        for cell_id in (g for g in plan.order if g in plan.tests and g not in present):
            restored = nbformat.from_dict(nbformat.v4.new_code_cell(plan.tests[cell_id].source))
            restored.metadata = nbformat.from_dict({**plan.tests[cell_id].metadata, TAMPER_KEY: "deleted"})
            restored["id"] = plan.tests[cell_id].get("id", cell_id)
            nb.cells.insert(_insertion_index(nb, plan, cell_id), restored)
        return nb, resources


def _insertion_index(nb: NotebookNode, plan: NotebookPlan, cell_id: str) -> int:
    """Where a deleted cell goes back: after the nearest earlier source cell still in the notebook."""
    earlier = plan.order[:plan.order.index(cell_id)]
    positions = {(grade_id(c) or c.get("id", "")): i for i, c in enumerate(nb.cells)}
    for key in reversed(earlier):
        if key in positions:
            return positions[key] + 1
    return len(nb.cells)


_TAMPER_REASONS = {
    "edited": ("自动评分单元被修改过：本题记 0 分。请重新获取模块，只在答案单元里作答",
               "the auto-graded cell was edited: this item scores 0. Fetch the module again and answer only "
               "in the answer cells"),
    "deleted": ("自动评分单元被删除了：本题记 0 分。请重新获取模块，不要删除单元",
                "the auto-graded cell was deleted: this item scores 0. Fetch the module again and do not delete "
                "cells"),
    "missing": ("答案单元被删除了：本题记 0 分", "the answer cell was deleted: this item scores 0"),
}
# What a fault of the sandbox leaves in the cell that ran into it (the ename is what grading statuses read).
def _code_cells(nb: NotebookNode) -> Iterator[tuple[NotebookNode, int]]:
    """The notebook's code cells with source, numbered as a kernel numbers them, their outputs cleared."""
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
        yield cell, count


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
    """nbgrader's Execute step, with the in-process path that never runs trainee code."""

    fast_path = Bool(True, help="Run notebooks whose editable cells are all literals without a sandbox.").tag(
        config=True)
    memory_limit_mb = Int(2048, help="Address-space limit of each sandboxed process in MB (0: none).").tag(
        config=True)
    cpu_limit_seconds = Int(0, help="CPU seconds of each sandboxed process (0: the cell time limit times the "
                                    "number of code cells).").tag(config=True)
    process_limit = Int(64, help="Processes and threads trainee code may run at once in its sandbox.").tag(config=True)
    file_limit_mb = Int(256, help="Largest file trainee code may write in its sandbox, and the size of each of its "
                                  "temporary folders, in MB.").tag(config=True)
    output_limit_mb = Int(32, help="Outputs of one trainee cell, or the answers one test cell reads, in MB.").tag(
        config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        plan = notebook_plan(self.config, resources)
        if plan is not None and plan.literal:
            self._grade_literal(nb, plan)
        elif plan is not None and plan.code:
            self._grade_in_sandbox(nb, plan, resources["nbgrader"]["notebook"])
        elif self.fast_path and fast_path_applies(nb):
            self._run_in_process(nb)
        else:
            self._grade_in_sandbox(nb, plan, resources["nbgrader"]["notebook"], whole=True)
        return nb, resources

    def _run_in_process(self, nb: NotebookNode) -> None:
        """Literal answers read, test cells run: used when every editable cell is a literal."""
        self._grade_literal(nb, None)

    def _grade_literal(self, nb: NotebookNode, plan: NotebookPlan | None) -> None:
        """Read answers as literals (never run), run test cells, score tampered items 0 with a reason."""
        from nbgrader.coursedir import CourseDirectory

        from caseloop.checks import casefile

        casefile.use_course(CourseDirectory(config=self.config).root)  # reply checks read this course's cases
        namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        tainted: dict[str, tuple[str, str]] = {}
        if plan is not None:
            present = {grade_id(c) for c in nb.cells}
            tainted = {var: _TAMPER_REASONS["missing"] for cell_id, (var, _) in plan.answers.items()
                       if cell_id not in present and var}
        display = _Display()
        for cell, count in _code_cells(nb):
            started = _timestamp()
            tamper = cell.metadata.pop(TAMPER_KEY, None)
            if is_grade(cell) and not is_solution(cell):
                reason = _TAMPER_REASONS.get(tamper) if tamper else None
                cheated = sorted(free_names(cell.source) & set(tainted))
                if reason is None and cheated:
                    reason = tainted[cheated[0]]
                cell.outputs = (_zero_with_reason(cell, reason, display, count) if reason
                                else self._run_cell(cell.source, namespace, display, count))
            elif plan is not None and (is_helper_cell(cell) or cell.get("id") in plan.helper_ids):
                pass
            else:
                answers = literal_answers(cell.source)
                if answers is not None:
                    namespace.update(answers)
                    for name in answers:
                        tainted.pop(name, None)
                else:
                    var = plan.answers.get(grade_id(cell), ("", ""))[0] if plan else ""
                    zh, en = why_not_literal(cell.source)
                    for name in bound_names(cell.source) | ({var} if var else set()):
                        tainted[name] = (f"答案 {name} 不是纯文字或数字，本题记 0 分：{zh}",
                                         f"answer {name} is not a plain literal, so this item scores 0: {en}")
                        namespace.pop(name, None)
            if self.record_timing:
                finished = _timestamp()
                cell.metadata["execution"] = {"iopub.execute_input": started, "iopub.status.busy": started,
                                              "iopub.status.idle": finished, "shell.execute_reply": finished}
        nb.metadata["language_info"] = _language_info()

    def sandbox_limits(self, code_cells: int) -> bwrap.Limits:
        """The limits of a notebook's sandbox, from this step's configuration."""
        timeout = float(self.timeout or 60)
        cpu = self.cpu_limit_seconds or int(timeout * max(code_cells, 1)) + 10
        return bwrap.Limits(timeout=timeout, memory_mb=self.memory_limit_mb, cpu_seconds=cpu,
                            processes=self.process_limit, file_mb=self.file_limit_mb, output_mb=self.output_limit_mb)

    def _grade_in_sandbox(self, nb: NotebookNode, plan: NotebookPlan | None, name: str, whole: bool = False) -> None:
        """Trainee cells in a sandbox, test cells here on the plain values they read (a code module); WHOLE:
        every cell in the sandbox, test cells too (a notebook without caseloop's answer metadata)."""
        bwrap.require()
        code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        box = Box(self, nb, Path(plan.source_dir) if plan else None, name, len(code))
        helper_ids = plan.helper_ids if plan else frozenset()
        answers = {var for var, _ in plan.answers.values() if var} if plan else set()
        trainer_names = set().union(*(bound_names(source) for source in plan.setup)) if plan else set()
        display = _Display()
        tests: list[tuple[NotebookNode, int, bwrap.Reply]] = []
        try:
            for cell, count in _code_cells(nb):
                started = _timestamp()
                tamper = cell.metadata.pop(TAMPER_KEY, None)
                if is_grade(cell) and not is_solution(cell) and not whole:
                    if tamper:
                        cell.outputs = _zero_with_reason(cell, _TAMPER_REASONS[tamper], display, count)
                    else:
                        tests.append((cell, count, box.export([n for n in read_names(cell.source)
                                                               if n in answers or n not in trainer_names])))
                elif not (is_helper_cell(cell) or cell.get("id") in helper_ids):
                    unreadable = syntax_problem(cell.source)
                    cell.outputs = [syntax_error(unreadable)] if unreadable else box.run(cell.source, count)
                if self.record_timing:
                    finished = _timestamp()
                    cell.metadata["execution"] = {"iopub.execute_input": started, "iopub.status.busy": started,
                                                  "iopub.status.idle": finished, "shell.execute_reply": finished}
        finally:
            box.close()
        nb.metadata["language_info"] = _language_info()
        if whole:
            return
        with contextlib.chdir(plan.source_dir):
            # what the set-up cells define (the data, constants) a test reads from the trainer's own run, never
            # from the trainee's sandbox, where the trainee may have redefined it
            trainer: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
            for source in plan.setup:
                self._run_cell(source, trainer, display, 0)
            for cell, number, reply in tests:
                namespace = dict(trainer)
                refused = dict(reply.not_plain)
                for variable, data in reply.values.items():
                    try:
                        namespace[variable] = decode(data)
                    except NotPlain as why:
                        refused[variable] = str(why)
                    except Exception as err:  # noqa: BLE001  (data pandas refuses to build from is not plain either)
                        refused[variable] = f"data that cannot be read ({type(err).__name__})"
                refused = {variable: why for variable, why in refused.items() if variable in answers}
                if refused:
                    first = sorted(refused)[0]
                    reason = (f"答案 {first} 不是能带出沙箱的普通数据（{refused[first]}）："
                              "只评分数字、文字、列表、字典和表格（pandas Series / DataFrame），本题记 0 分",
                              f"answer {first} is not plain data that can leave the sandbox ({refused[first]}): only "
                              "numbers, strings, lists, dicts and tables (pandas Series / DataFrame) are graded, so "
                              "this item scores 0")
                    cell.outputs = _zero_with_reason(cell, reason, display, number, code="not_plain")
                else:
                    cell.outputs = self._run_cell(cell.source, namespace, display, number)

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


def _zero_with_reason(cell: NotebookNode, reason: tuple[str, str], display: _Display,
                      count: int, code: str = "tampered") -> list[NotebookNode]:
    """The outputs of a test cell that is not run: the reason, and a score of 0 compile can read."""
    from caseloop.checks import Finding, Score

    points = float(cell.metadata.get("nbgrader", {}).get("points", 0))
    score = Score(0.0, points, [Finding(code, False, *reason)])
    text = f"得分 / Score: 0 / {points:g}\n{score.findings[0].line()}\n"
    data, metadata = display.bundle(score)
    return [new_output("stream", name="stdout", text=text),
            new_output("execute_result", data=data, metadata=metadata, execution_count=count)]


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
