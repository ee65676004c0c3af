"""Lab stage: JupyterLab on one machine, with nbgrader's extensions, for a mentor or a trainee.

A mentor's lab opens on the course directory with the formgrader; a trainee's lab opens on
trainees/<id>/ with the assignment list (fetch, validate, submit) and no formgrader. Both use
the course's own exchange (nbgrader_config.py), so releases, submissions and feedback meet on
this machine. Each user gets their own Jupyter config folder under .caseloop/lab/<user>/, so the
user's global Jupyter settings are left alone, and their own exchange cache in it: nbgrader's
Fetch Feedback hands out the feedback of every submission recorded in the cache.

A trainee's lab runs as the account that starts it; run as the account owning source/, its
kernels could read every model answer, so it starts only with `practice=True` (someone
practising alone). Trainees apart from each other and from the course: `caseloop hub`.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from caseloop.course import CONFIG_FILE, Course, CourseError, write_atomically

MENTOR = "mentor"
# Lab plugins a trainee must not see: the formgrader shows every trainee's work.
MENTOR_ONLY_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"]
MENTOR_ONLY_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader"]


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its process, the address to open and the folder it serves."""

    process: subprocess.Popen
    url: str
    root_dir: Path
    user: str

    def stop(self) -> None:
        """Shut the server down (its kernels with it) and wait for it to exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def home(course: Course, user: str) -> Path:
    """The folder a user's lab serves: the course for the mentor, trainees/<id>/ for a trainee."""
    return course.root if user == MENTOR else course.root / "trainees" / user


def write_config(course: Course, user: str) -> Path:
    """Write the user's Jupyter config folder (nbgrader identity, enabled extensions); return it.

    The nbgrader config loads the course's own nbgrader_config.py, then names the trainee, so
    the assignment list fetches into their folder and submits under their id.
    """
    if user != MENTOR and (not user or "/" in user or user.startswith(".") or "*" in user or "+" in user):
        raise CourseError(f"trainee id {user!r}: use letters, digits and - or _ only, e.g. trainee01")
    folder = course.root / ".caseloop" / "lab" / user
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    lines = ["c = get_config()  # noqa: F821", f"load_subconfig({str(course.root / CONFIG_FILE)!r})",
             # The user's own record of their submissions: Fetch Feedback returns what it lists.
             f"c.Exchange.cache = {str(folder / 'exchange-cache')!r}",
             f"c.Exchange.root = {str(course.exchange_dir)!r}"]
    if user != MENTOR:
        lines += [f"c.CourseDirectory.student_id = {user!r}",
                  f"c.Exchange.assignment_dir = {str(home(course, user))!r}"]
    write_atomically(folder / "nbgrader_config.py", "\n".join(lines) + "\n")
    trainee = user != MENTOR
    write_atomically(folder / "jupyter_server_config.json", json.dumps({"ServerApp": {"jpserver_extensions": {
        name: not trainee for name in MENTOR_ONLY_SERVER_EXTENSIONS}}}, indent=1))
    write_atomically(folder / "labconfig" / "page_config.json", json.dumps({"disabledExtensions": {
        name: trainee for name in MENTOR_ONLY_PLUGINS}}, indent=1))
    # No news pop-up over the first screen a person sees.
    settings = folder / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    write_atomically(settings / "notification.jupyterlab-settings", json.dumps({"fetchNews": "false"}))
    return folder


def command(root_dir: Path, port: int, token: str) -> list[str]:
    """The `jupyter lab` command line: loopback only, no browser opened, a token required."""
    return [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else [])]


def refuse_answer_key_owner(course: Course, user: str, practice: bool) -> None:
    """Refuse a trainee's lab run by the account that owns source/ (or root), unless it is practice."""
    owner = course.source_dir.stat().st_uid if course.source_dir.exists() else None
    if user == MENTOR or practice or os.geteuid() not in {owner, 0}:
        return
    raise CourseError(f"{course.source_dir} belongs to {_account_name(owner)} and this trainee lab would run as "
                      f"{_account_name(os.geteuid())}: {user}'s kernels and terminal could read every model answer "
                      "and hidden test in it. "
                      f"Give each trainee their own account (`caseloop hub add-trainee {user}`), or pass --practice "
                      "if you are practising alone on your own copy of the course")


def _account_name(uid: int) -> str:
    import pwd

    try:
        return f"account {pwd.getpwuid(uid).pw_name}"
    except KeyError:
        return f"uid {uid}"


def start(course: Course, user: str = MENTOR, port: int | None = None, timeout: float = 120.0,
          log: Path | None = None, practice: bool = False) -> Lab:
    """Start JupyterLab for USER (MENTOR or a trainee id) and return once it answers.

    A trainee's lab refuses to start as the owner of source/ unless `practice` (see the module docstring).
    """
    refuse_answer_key_owner(course, user, practice)
    root_dir = home(course, user)
    root_dir.mkdir(parents=True, exist_ok=True)
    config_dir = write_config(course, user)
    port = port or free_port()
    token = secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir),
           "JUPYTERLAB_SETTINGS_DIR": str(config_dir / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(config_dir / "lab-workspaces"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    log = log or config_dir / "server.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(command(root_dir, port, token), cwd=root_dir, env=env,
                                   stdout=sink, stderr=subprocess.STDOUT)
    lab = Lab(process, f"http://127.0.0.1:{port}/lab?token={token}", root_dir, user)
    _wait_until_ready(lab, f"http://127.0.0.1:{port}/api/status?token={token}", timeout, log)
    return lab


def _wait_until_ready(lab: Lab, status_url: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
            raise CourseError(f"JupyterLab exited with status {lab.process.returncode}; its log is {log}:\n"
                              + "\n".join(tail))
        try:
            with urllib.request.urlopen(status_url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    lab.stop()
    raise CourseError(f"JupyterLab did not answer within {timeout:.0f}s; see its log {log}")
