"""A real JupyterHub on loopback for a `caseloop hub` course: its accounts, the hub process, its REST APIs.

Test accounts are named clhub-* (and the course clhub), so they are told apart from anyone else's and
removed, with their homes and processes, when the hub stops.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from caseloop.course import Course
from caseloop.lab import free_port
from conftest import ARTIFACTS

PREFIX = "clhub-"
COURSE_ID = "clhub"
GRADER = f"{PREFIX}grader"
PASSWORD = secrets.token_hex(8)
CASELOOP_SOURCE = Path(__file__).resolve().parents[1] / "toolkit" / "caseloop"  # what the users' kernels import


def require_hub_services() -> None:
    """Root, jupyterhub and configurable-http-proxy; missing ones skip, or fail with CASELOOP_REQUIRE_SERVICES=1."""
    missing = [what for what, ok in [
        ("root (the hub starts servers as other accounts)", os.geteuid() == 0),
        (f"jupyterhub in {python()} (pip install -e '.[hub]')",
         subprocess.run([python(), "-c", "import jupyterhub"], capture_output=True).returncode == 0),
        (f"a Python and a caseloop every account can run ({python()} or {CASELOOP_SOURCE} is not; set "
         "CASELOOP_HUB_PYTHON to a venv of /usr/bin/python3 with caseloop installed, as .ci/run does, in a folder "
         "others may enter)", all(map(runnable_by_everyone, [Path(python()).parent, Path(python()).resolve(),
                                                            CASELOOP_SOURCE]))),
        ("configurable-http-proxy (npm install -g configurable-http-proxy)", shutil.which("configurable-http-proxy")),
    ] if not ok]
    if missing:
        if os.environ.get("CASELOOP_REQUIRE_SERVICES") == "1":
            pytest.fail(f"hub tests required (CASELOOP_REQUIRE_SERVICES=1) but missing: {'; '.join(missing)}",
                        pytrace=False)
        pytest.skip(f"hub tests skipped, missing: {'; '.join(missing)}", allow_module_level=True)


def runnable_by_everyone(path: Path) -> bool:
    """Whether every account can reach PATH (each folder above it lets others pass; the path itself not resolved)."""
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in Path(os.path.abspath(path)).parents)


def python() -> str:
    """The Python the hub, its users and the grader run: CASELOOP_HUB_PYTHON, else this one.

    A deployment installs caseloop in an environment every account can run (a venv of the system's python3);
    this environment's interpreter may be private (e.g. pyenv under /root), so .ci/run makes such a venv too.
    """
    return os.environ.get("CASELOOP_HUB_PYTHON") or sys.executable


def _path() -> str:
    return os.path.dirname(python()) + os.pathsep + os.environ.get("PATH", "")


def _account(account: str, env: dict[str, str] | None) -> dict:
    """How to run a process as ACCOUNT, in its home, as `sudo -u ACCOUNT -i` would (plus ENV)."""
    entry = pwd.getpwnam(account)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": [], "cwd": entry.pw_dir,
            "env": {"HOME": entry.pw_dir, "USER": account, "PATH": _path(), "LANG": "C.UTF-8", **(env or {})}}


def as_account(account: str, *command: str, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    """Run COMMAND as ACCOUNT and require it to succeed."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **_account(account, env))
    assert done.returncode == 0, f"{' '.join(command)} as {account}: {done.stdout}\n{done.stderr}"
    return done


def start_as_account(account: str, sink, *command: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start COMMAND as ACCOUNT in the background, its output into SINK (a file, or subprocess.PIPE)."""
    return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, text=True, **_account(account, env))


def caseloop(course_root: Path, *args: str, account: str | None = None) -> str:
    command = [python(), "-m", "caseloop", "--course", str(course_root), *args]
    if account:
        return as_account(account, *command).stdout
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@dataclass
class Hub:
    """A running JupyterHub: its public URL and an admin token (a test-only service) for its REST API."""

    base: Path
    course: Course | None = None
    url: str = ""
    admin_token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    def start(self, hub_config: Path) -> None:
        port, hub_port, proxy_port, service_port = (free_port() for _ in range(4))
        self.url = f"http://127.0.0.1:{port}"
        test_config = hub_config.with_name("test_config.py")
        test_config.write_text(f"""c = get_config()  # noqa: F821
load_subconfig({str(hub_config)!r})
# Tests only: a password for every account instead of PAM, private ports, and an admin service for the REST API.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.JupyterHub.bind_url = {self.url!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.JupyterHub.services[0]["url"] = "http://127.0.0.1:{service_port}"
c.JupyterHub.services.append({{"name": "{PREFIX}admin", "api_token": {self.admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "{PREFIX}admin", "services": ["{PREFIX}admin"],
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "access:services", "list:users"]}})
c.Spawner.start_timeout = c.Spawner.http_timeout = 180
""", encoding="utf-8")
        log = (self.base / "hub.log").open("ab")
        self.process = subprocess.Popen([python(), "-m", "jupyterhub", "-f", str(test_config)], cwd=hub_config.parent,
                                        env={**os.environ, "PATH": _path()}, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"jupyterhub exited; see {self.base / 'hub.log'}"
            if self.request("GET", "/hub/api/")[0] == 200:
                return
            time.sleep(0.5)
        raise AssertionError(f"jupyterhub did not answer in 120 s; see {self.base / 'hub.log'}")

    def request(self, method: str, path: str, token: str | None = None, body: dict | None = None,
                timeout: float = 60) -> tuple[int, object]:
        """(HTTP status, JSON body or None) of one request to the hub's public address."""
        headers = {"Authorization": f"token {token or self.admin_token}"}
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, method=method, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as err:
            return err.code, None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, None
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, None

    def token(self, user: str) -> str:
        """An API token of USER, with USER's permissions."""
        if user not in self.tokens:
            status, body = self.request("POST", f"/hub/api/users/{user}/tokens", body={"note": "test"})
            assert status == 201, f"no token for {user}: HTTP {status}"
            self.tokens[user] = body["token"]
        return self.tokens[user]

    def start_server(self, user: str, timeout: float = 180) -> None:
        self.request("POST", f"/hub/api/users/{user}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.request("GET", f"/user/{user}/api/status", self.token(user))[0] == 200:
                return
            time.sleep(1)
        raise AssertionError(f"{user}'s server did not start; see {self.base / 'hub.log'}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the hub stops users' servers, services and the proxy
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def run_code(hub: Hub, user: str, code: str, timeout: float = 60) -> str:
    """Run CODE in a new kernel of USER's server (the Jupyter server's REST and websocket API); its stdout."""
    import websocket

    token = hub.token(user)
    status, kernel = hub.request("POST", f"/user/{user}/api/kernels", token, body={"name": "python3"})
    assert status == 201, f"no kernel for {user}: HTTP {status}"
    socket = websocket.create_connection(f"{hub.url.replace('http', 'ws')}/user/{user}/api/kernels/{kernel['id']}"
                                         "/channels", header=[f"Authorization: token {token}"], timeout=timeout)
    msg_id, output = uuid.uuid4().hex, []
    socket.send(json.dumps({"header": {"msg_id": msg_id, "username": user, "session": uuid.uuid4().hex,
                                       "msg_type": "execute_request", "version": "5.3"},
                            "parent_header": {}, "metadata": {}, "channel": "shell",
                            "content": {"code": code, "silent": False, "store_history": False,
                                        "user_expressions": {}, "allow_stdin": False}}))
    try:
        while True:
            message = json.loads(socket.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "stream":
                output.append(message["content"]["text"])
            elif kind == "error":
                raise AssertionError(f"{user}'s kernel: {message['content']['ename']}: {message['content']['evalue']}")
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                return "".join(output)
    finally:
        socket.close()
        hub.request("DELETE", f"/user/{user}/api/kernels/{kernel['id']}", token)


def run_in_terminal(hub: Hub, user: str, command: str, timeout: float = 60) -> str:
    """Type COMMAND into a new terminal of USER's server; what it printed up to the end marker."""
    import websocket

    token = hub.token(user)
    status, terminal = hub.request("POST", f"/user/{user}/api/terminals", token, body={})
    assert status == 200, f"no terminal for {user}: HTTP {status}"
    socket = websocket.create_connection(f"{hub.url.replace('http', 'ws')}/user/{user}/terminals/websocket/"
                                         f"{terminal['name']}", header=[f"Authorization: token {token}"],
                                         timeout=timeout)
    marker, seen = uuid.uuid4().hex[:8], ""
    try:
        socket.send(json.dumps(["stdin", f"{command}; echo END-$((1+1))-{marker}\r"]))
        while f"END-2-{marker}" not in seen:
            kind, *rest = json.loads(socket.recv())
            if kind == "stdout":
                seen += rest[0]
        return seen
    finally:
        socket.close()
        hub.request("DELETE", f"/user/{user}/api/terminals/{terminal['name']}", token)


def remove_test_accounts(names: list[str], groups: list[str]) -> None:
    """Stop what still runs as the test accounts, then remove them, their homes and the course's groups."""
    import psutil

    uids = set()
    for name in names:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            continue
    for process in psutil.process_iter(["uids"]):
        if process.info["uids"] and process.info["uids"].real in uids:
            process.kill()
    time.sleep(0.5)
    for name in names:
        subprocess.run(["userdel", "--remove", name], capture_output=True)
    for group in groups:
        subprocess.run(["groupdel", group], capture_output=True)


def new_base() -> Path:
    """A folder every account may enter (pytest's tmp_path is private to root), for the course and homes."""
    base = Path(tempfile.mkdtemp(prefix=PREFIX, dir="/tmp"))
    base.chmod(0o755)
    return base


def deploy(repo_course: Course, base: Path, trainees: list[str], mentors: list[str], db_url: str | None) -> Course:
    """A copy of the course set up with `caseloop hub` (the first trainee from the command line, the rest from a
    CSV roster), its accounts created, m01 released by the grader account."""
    course = repo_course.copy_to(base / "course" / COURSE_ID)
    with (course.root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.CourseDirectory.course_id = {COURSE_ID!r}\n")
    homes = ["--homes", str(base / "home")]
    caseloop(course.root, "hub", "setup", "--grader", GRADER, "--exchange", str(base / "exchange"),
             "--hub-dir", str(base / "hub"), *homes, *(["--db", db_url] if db_url else []))
    caseloop(course.root, "hub", "add-trainee", trainees[0], *homes)
    (base / "roster.csv").write_text("trainee,name\n" + "".join(f"{name},Trainee {name}\n" for name in trainees[1:]),
                                     encoding="utf-8")
    caseloop(course.root, "hub", "add-trainee", "--csv", str(base / "roster.csv"), *homes)
    for mentor in mentors:
        caseloop(course.root, "hub", "add-mentor", mentor, *homes)
    caseloop(course.root, "release", "m01", account=GRADER)
    return Course(course.root)


@contextlib.contextmanager
def running_hub(repo_course: Course, trainees: list[str], mentors: list[str], db_url: str | None) -> Iterator[Hub]:
    """The course deployed and its hub running; afterwards the hub stopped, its log kept in test-artifacts/, the
    accounts, homes and folders removed."""
    base = new_base()
    hub = Hub(base)
    try:
        hub.course = deploy(repo_course, base, trainees, mentors, db_url)
        hub.start(base / "hub" / "jupyterhub_config.py")
        yield hub
    finally:
        hub.stop()
        if (base / "hub.log").is_file():  # the hub's and the users' servers' log, for a failure in CI
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(base / "hub.log", ARTIFACTS / "hub.log")
        remove_test_accounts([*trainees, *mentors, GRADER], [f"nbgrader-{COURSE_ID}", f"formgrade-{COURSE_ID}"])
        shutil.rmtree(base, ignore_errors=True)

