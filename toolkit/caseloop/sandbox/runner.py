"""Inside the sandbox: run a trainee's cells one at a time, hand back their outputs and plain values.

`caseloop.sandbox.bwrap` starts this module inside bubblewrap as the sandbox's own user. It sets
its resource limits, moves its conversation with the grader off standard input and output
(which then lead nowhere), and answers one JSON line per request:

    {"op": "run", "source": "..."}     -> {"outputs": [nbformat outputs of the cell]}
    {"op": "export", "names": [...]}   -> {"values": {name: {"data": ...} or {"not_plain": why}}}
    {"op": "interrupt"}                -> (no reply: raises KeyboardInterrupt in the running cell)

Cells run in an IPython shell, so a trainee's cell behaves as in their Jupyter kernel (the last
expression is shown, `display()`, magics, tracebacks). Once trainee code has run it can rewrite
anything in this process, this file's replies included: the grader treats every reply as
untrusted data, reads it with size and time limits and takes out of it only plain values.
"""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import resource
import signal
import sys
import threading
import traceback
from typing import Any

READY = {"ready": True}


class _Cell:
    """The outputs of the cell now running, kept within the output limit (bytes, about)."""

    NOTICE = "\n[输出超过上限，已截断 / output over the limit, cut off]\n"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.outputs: list[dict[str, Any]] = []
        self.size = 0
        self.truncated = False
        self.clear_pending = False

    def _fits(self, size: int) -> bool:
        if self.clear_pending:
            self.clear(wait=False)
        if self.truncated:
            return False
        if self.size + size > self.limit:
            self.truncated = True
            self.outputs.append({"output_type": "stream", "name": "stderr", "text": [self.NOTICE]})
            return False
        self.size += size
        return True

    def add(self, output: dict[str, Any]) -> None:
        if self._fits(len(json.dumps(output, default=_jsonable, ensure_ascii=False))):
            self.outputs.append(output)

    def stream(self, name: str, text: str) -> None:
        if not self._fits(len(json.dumps(text, ensure_ascii=False).encode("utf-8", "replace"))):
            return
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"].append(text)  # joined once at the end: a long print loop stays linear
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": [text]})

    def finished(self) -> list[dict[str, Any]]:
        """The outputs, each stream's text joined."""
        return [{**o, "text": "".join(o["text"])} if o["output_type"] == "stream" else o for o in self.outputs]

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_pending = True
        else:
            self.outputs, self.size, self.truncated, self.clear_pending = [], 0, False, False


_cell = _Cell(0)


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr of trainee code: text goes into the running cell's outputs."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name: str) -> None:
        self.name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            _cell.stream(self.name, text)
        return len(text)

    def isatty(self) -> bool:
        return False


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def _finite(value: Any) -> Any:
    """VALUE with every float that JSON cannot hold (NaN, infinities) replaced by None."""
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _limit(limits: dict[str, int]) -> None:
    """Resource limits of this process and of every process it starts."""
    mb = 1024 * 1024
    wanted = {resource.RLIMIT_CORE: 0, resource.RLIMIT_NOFILE: 1024}
    if limits.get("memory_mb"):
        wanted[resource.RLIMIT_AS] = limits["memory_mb"] * mb
    if limits.get("file_mb"):
        wanted[resource.RLIMIT_FSIZE] = limits["file_mb"] * mb
    if limits.get("processes"):
        wanted[resource.RLIMIT_NPROC] = limits["processes"]
    for which, value in wanted.items():
        resource.setrlimit(which, (value, value))
    if limits.get("cpu_seconds"):
        seconds = limits["cpu_seconds"]
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def _protocol() -> tuple[Any, Any]:
    """The grader's channel, moved off fds 0 and 1, which then lead to /dev/null for trainee code (fd 2 too,
    once the shell is up)."""
    reader = os.fdopen(os.dup(0), "rb", buffering=0)
    writer = os.fdopen(os.dup(1), "wb", buffering=0)
    _to_null(0, 1)
    return reader, writer


def _to_null(*fds: int) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        os.dup2(null, fd)
    os.close(null)


def _shell() -> Any:
    """An IPython shell whose display, results and tracebacks go into the running cell's outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Hook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> None:
            _cell.add({"output_type": "execute_result", "data": format_dict, "metadata": md_dict or {},
                       "execution_count": self.shell.execution_count})

        def finish_displayhook(self) -> None:
            pass

    class Publisher(DisplayPublisher):
        def publish(self, data: dict, metadata: dict | None = None, source: Any = None, *, transient: Any = None,
                    update: bool = False, **kwargs: Any) -> None:
            _cell.add({"output_type": "display_data", "data": data, "metadata": metadata or {}})

        def clear_output(self, wait: bool = False) -> None:
            _cell.clear(wait)

    class Shell(InteractiveShell):
        def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
            _cell.add({"output_type": "error", "ename": str(getattr(etype, "__name__", etype)),
                       "evalue": str(evalue), "traceback": list(stb)})

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "Linux"
    config.InteractiveShell.xmode = "Context"
    shell = Shell.instance(config=config, displayhook_class=Hook, display_pub_class=Publisher)
    shell.system = shell.system_piped
    return shell


def _error(exc: BaseException) -> dict[str, Any]:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return {"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc)[:2000],
            "traceback": [line.rstrip("\n") for line in lines][-20:]}


def _run(shell: Any, source: str) -> dict[str, Any]:
    global _cell
    _cell = _Cell(_cell.limit)
    sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
    try:
        shell.run_cell(source, store_history=True)
    except BaseException as exc:  # noqa: BLE001  (whatever escapes IPython is the cell's own error)
        _cell.add(_error(exc))
    return {"outputs": _cell.finished()}


def _export(shell: Any, names: list[str]) -> dict[str, Any]:
    from caseloop.sandbox.values import NotPlain, encode

    values: dict[str, Any] = {}
    hidden = shell.user_ns_hidden
    for name in names:
        if not isinstance(name, str) or name not in shell.user_ns:
            continue
        value = shell.user_ns[name]
        if name in hidden and hidden[name] is value:
            continue
        try:
            values[name] = {"data": encode(value)}
        except NotPlain as why:
            values[name] = {"not_plain": str(why)[:200]}
        except BaseException as exc:  # noqa: BLE001  (a trainee's value that fails to describe itself)
            values[name] = {"not_plain": f"{type(exc).__name__} while reading it"}
    return {"values": values}


def serve(limits: dict[str, int]) -> None:
    _limit(limits)
    reader, writer = _protocol()
    _cell.limit = limits.get("output_bytes", 8 * 1024 * 1024)
    shell = _shell()
    _to_null(2)  # until here a failure to start is told on standard error, which the grader reads
    requests: queue.Queue = queue.Queue()

    def listen() -> None:
        for line in reader:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if request.get("op") == "interrupt":
                os.kill(os.getpid(), signal.SIGINT)
            else:
                requests.put(request)
        requests.put(None)

    threading.Thread(target=listen, daemon=True).start()
    writer.write(json.dumps(READY).encode() + b"\n")
    while (request := requests.get()) is not None:
        try:
            if request.get("op") == "run":
                reply = _run(shell, str(request.get("source", "")))
            elif request.get("op") == "export":
                reply = _export(shell, list(request.get("names", [])))
            else:
                reply = {"error": "unknown request"}
        except BaseException as exc:  # noqa: BLE001  (e.g. an interrupt between two statements of this loop)
            reply = {"outputs": [_error(exc)]}
        try:
            text = json.dumps(reply, default=_jsonable, ensure_ascii=False, allow_nan=False)
        except ValueError:  # a NaN in some display metadata
            text = json.dumps(_finite(reply), default=_jsonable, ensure_ascii=False, allow_nan=False)
        writer.write(text.encode("utf-8", "replace") + b"\n")
    os._exit(0)  # no atexit hook of trainee code runs


def main() -> None:
    serve(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {})


if __name__ == "__main__":
    main()
