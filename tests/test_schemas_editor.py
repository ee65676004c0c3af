"""The published schemas in an editor: the YAML language server behind VS Code's YAML extension and
JupyterLab's LSP reads a file's `# yaml-language-server: $schema=...` first line and underlines and
completes as the trainer types.

Runs the real `yaml-language-server` (npm) over stdio on the course's own files, edited in memory
only. Skips when it is not installed, unless CASELOOP_REQUIRE_SERVICES=1 (CI installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def _server_command() -> list[str] | None:
    found = os.environ.get("CASELOOP_YAML_LANGUAGE_SERVER") or shutil.which("yaml-language-server")
    return [found, "--stdio"] if found and Path(found).is_file() else None


class LanguageServer:
    """A minimal LSP client: JSON-RPC over the server's stdin and stdout."""

    def __init__(self, command: list[str]):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.diagnostics: dict[str, list[dict]] = {}
        self.opened = 0

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self.process.stdin.flush()

    def receive(self) -> dict:
        length = 0
        while (line := self.process.stdout.readline().decode().strip()):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":")[1])
        message = json.loads(self.process.stdout.read(length))
        if message.get("method") == "textDocument/publishDiagnostics":
            self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
        elif "id" in message and "method" in message:  # a request of the server's: configuration, registrations
            wanted = message.get("params", {}).get("items", [])
            result = [{"validate": True, "completion": True, "hover": True}] * len(wanted) \
                if message["method"] == "workspace/configuration" else None
            self.send({"id": message["id"], "result": result})
        return message

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            message = self.receive()
            if message.get("id") == self.next_id and "method" not in message:
                return message.get("result")
        raise TimeoutError(method)

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def open(self, path: Path, text: str) -> str:
        """Open `text` as an unsaved editor buffer beside `path` (so its relative $schema path resolves alike)."""
        self.opened += 1
        uri = path.with_name(f"{path.stem}-buffer{self.opened}{path.suffix}").as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                              "text": text}})
        return uri

    def diagnostics_of(self, uri: str) -> list[dict]:
        """The diagnostics the server publishes for a newly opened `uri`."""
        deadline = time.monotonic() + TIMEOUT
        while uri not in self.diagnostics and time.monotonic() < deadline:
            self.receive()
        return self.diagnostics[uri]

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[LanguageServer]:
    command = _server_command()
    if command is None:
        if os.environ.get("CASELOOP_REQUIRE_SERVICES") == "1":
            pytest.fail("yaml-language-server required (CASELOOP_REQUIRE_SERVICES=1) but not installed")
        pytest.skip("yaml-language-server not installed (npm install yaml-language-server; see .ci/run)")
    client = LanguageServer(command)
    client.request("initialize", {"processId": os.getpid(), "rootUri": REPO.as_uri(),
                                  "workspaceFolders": [{"uri": REPO.as_uri(), "name": "course"}],
                                  "capabilities": {"workspace": {"configuration": True},
                                                   "textDocument": {"publishDiagnostics": {},
                                                                    "completion": {"completionItem": {}}}}})
    client.notify("initialized", {})
    client.notify("workspace/didChangeConfiguration",
                  {"settings": {"yaml": {"validate": True, "completion": True, "hover": True}}})
    yield client
    client.close()


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines()) if needle in line)


def test_the_course_files_have_no_red_underlines(server: LanguageServer):
    for path in [REPO / "source" / "curriculum.yaml", REPO / "source" / "item_analysis.yaml",
                 REPO / "cases" / "C-0001.yaml"]:
        assert server.diagnostics_of(server.open(path, path.read_text(encoding="utf-8"))) == [], path


@pytest.mark.parametrize(("file", "old", "new", "words"), [
    ("source/curriculum.yaml", "min: 0.5}", "min: half}", "number"),
    ("source/curriculum.yaml", "  method: decaying_average", "  method: median", "decaying_average"),
    ("source/item_analysis.yaml", "too_easy: 0.95", "too_esay: 0.95", "too_esay"),
    ("cases/C-0001.yaml", "market: US", "market: USA", "US"),
])
def test_a_mistake_is_underlined_on_its_line(server: LanguageServer, file: str, old: str, new: str, words: str):
    path = REPO / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    edited = text.replace(old, new, 1)
    found = server.diagnostics_of(server.open(path, edited))
    line = _line_of(edited, new.strip())
    assert [d for d in found if d["range"]["start"]["line"] == line and words in d["message"]], found


def test_completion_offers_the_schemas_choices(server: LanguageServer):
    path = REPO / "source" / "curriculum.yaml"
    text = path.read_text(encoding="utf-8").replace("  method: decaying_average", "  method: ", 1)
    uri = server.open(path, text)
    line = _line_of(text, "  method: ")
    result = server.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": {"line": line, "character": len("  method: ")}})
    labels = {item["label"] for item in (result["items"] if isinstance(result, dict) else result)}
    assert {"average", "latest", "highest", "decaying_average", "n_mastery"} <= labels, labels
