"""The m08 cheat corpus graded by a grader account that is not root, as JupyterHub's grader account is.

Not as root, bubblewrap cannot give trainee code a uid of its own: its user namespace maps the
grader to `nobody` inside while on the host the sandbox's processes keep the grader's uid. The
test makes a throwaway unprivileged account, copies the course into a folder that account owns,
and runs the real `caseloop grade m08` as that account (runuser): the honest trainee keeps full
marks, every cheat scores 0, and the gradebook, source/, the other trainee's notebook, the
account's home and the process table are as they were. Where the kernel refuses unprivileged
user namespaces, the batch is refused with a message that says what the account needs.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from caseloop import release
from caseloop.compile import compile_course
from caseloop.course import Course
from test_cheats_code import (
    CHEATERS,
    M08,
    PACKAGE,
    cells_of,
    cheats,
    counts,
    honest_grades,
    marked_processes,
    model_answers,
    submit,
    tree_hash,
)


@dataclass(frozen=True)
class Account:
    """A throwaway operating-system account that grades, and the folder it owns."""

    name: str
    uid: int
    gid: int
    home: Path
    folder: Path


def _cannot_make_accounts() -> str | None:
    if os.geteuid() != 0:
        return "making a throwaway grader account needs root (useradd)"
    missing = [tool for tool in ("useradd", "userdel", "runuser") if not shutil.which(tool)]
    return f"{', '.join(missing)} not installed (apt-get install -y passwd util-linux)" if missing else None


def _chown(folder: Path, account: Account) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, account.uid, account.gid)


def _processes_of(account: Account) -> list[psutil.Process]:
    """The account's processes still running (an ended one its new parent, init, has not reaped yet is not)."""
    found = []
    for process in psutil.process_iter(["uids", "status"]):
        uids = process.info["uids"]
        if uids and account.uid in (uids.real, uids.effective) and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


@pytest.fixture(scope="module")
def account():
    reason = _cannot_make_accounts()
    if reason:
        if os.environ.get("CASELOOP_REQUIRE_SERVICES") == "1":
            pytest.fail(f"the unprivileged grader test is required (CASELOOP_REQUIRE_SERVICES=1) but {reason}")
        pytest.skip(f"unprivileged grader not tested: {reason}")
    folder = Path(tempfile.mkdtemp(prefix="grader-account-"))
    folder.chmod(0o755)
    name = f"clgrade{os.getpid() % 100_000}"
    home = folder / "home"
    home.mkdir()
    subprocess.run(["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh", "--user-group",
                    name], check=True, capture_output=True)
    entry = pwd.getpwnam(name)
    made = Account(name, entry.pw_uid, entry.pw_gid, home, folder)
    _chown(home, made)
    try:
        yield made
    finally:
        for process in _processes_of(made):
            process.kill()
        subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def interpreter_view() -> list[str]:
    """bwrap arguments (run as root) that let the account reach the grading interpreter and caseloop's package.

    Both must be readable by the grader account. Where they live in a folder the account cannot
    enter (a Python installed under /root, a clone in root's home), the account is shown that
    folder as an empty one holding only them, read-only; the folder's other contents stay hidden.
    """
    wanted = {Path(p).resolve() for p in (sys.base_prefix, sys.prefix, Path(sys.executable).resolve().parent.parent,
                                          PACKAGE.parent)}
    roots: dict[Path, set[Path]] = {}
    for root in wanted:
        if any(other in root.parents for other in wanted):
            continue
        closed = [p for p in root.parents if p != Path("/") and not p.stat().st_mode & stat.S_IXOTH]
        if closed:
            roots.setdefault(closed[-1], set()).add(root)
    args = []
    for top, inside in sorted(roots.items()):
        args += ["--perms", "0755", "--tmpfs", str(top)]
        for root in sorted(inside):
            between = [p for p in reversed(root.parents) if top in p.parents]
            args += [arg for p in between for arg in ("--perms", "0755", "--dir", str(p))]
            args += ["--ro-bind", str(root), str(root)]
    return args


def as_account(account: Account, *argv: str, inner: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ARGV as the account, with its own home and nothing of this process's environment."""
    env = ["env", "-i", f"HOME={account.home}", f"USER={account.name}", f"LOGNAME={account.name}",
           "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"]
    command = ["runuser", "-u", account.name, "--", *inner, *env, *argv]
    view = interpreter_view()
    if view:
        command = ["bwrap", "--dev-bind", "/", "/", *view, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def grade_as(account: Account, course: Course, *extra: str, inner: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return as_account(account, sys.executable, "-m", "caseloop", "--course", str(course.root), "grade", "m08",
                      "--workers", "2", "--timeout", "30", *extra, inner=inner)


@pytest.fixture(scope="module")
def batch(account: Account, repo_course: Course):
    """The honest trainee graded by the account first, then every cheater and a blank one."""
    course = repo_course.copy_to(account.folder / "course")
    release.release(course, M08.module)
    submit(course, M08, "honest", model_answers(course, M08))
    _chown(course.root, account)
    first = grade_as(account, course)
    assert first.returncode == 0, first.stderr
    assert not _processes_of(account), "the account's first batch left a process"
    before = {"source": tree_hash(course.source_dir), "package": tree_hash(PACKAGE, ("__pycache__",)),
              "home": tree_hash(account.home), "honest": honest_grades(course), "counts": counts(course),
              "honest_notebook": (course.autograded_dir / "honest" / M08.module / M08.notebook).read_bytes()}
    corpus = cheats(course, M08, home=account.home)
    for trainee, (variable, code) in corpus.items():
        submit(course, M08, trainee, {variable: code})
    submit(course, M08, "blank", {})
    _chown(course.root, account)
    second = grade_as(account, course)
    left = _processes_of(account)
    table, _ = compile_course(course)
    return course, first, second, table, before, corpus, left


def test_the_account_grades_without_root(account: Account, batch):
    _, first, second, table, _, _, _ = batch
    assert second.returncode == 0, second.stderr
    owners = {p.stat().st_uid for p in (account.folder / "course" / "autograded").rglob("*.ipynb")}
    assert owners == {account.uid}, "the autograded notebooks were written by the account"
    honest = cells_of(table, M08, "honest")
    assert honest["score"].sum() == M08.full and len(honest) == M08.cells


@pytest.mark.parametrize("trainee", CHEATERS)
def test_no_cheat_scores_under_an_unprivileged_grader(batch, trainee):
    _, _, _, table, _, _, _ = batch
    rows = cells_of(table, M08, trainee)
    assert len(rows) == M08.cells
    assert rows["score"].sum() == 0, rows[rows["score"] > 0][["cell", "score"]]


def test_nothing_of_the_account_changed(account: Account, batch):
    course, _, _, _, before, corpus, left = batch
    assert tree_hash(course.source_dir) == before["source"], "source/ unchanged"
    assert tree_hash(PACKAGE, ("__pycache__",)) == before["package"], "caseloop's package files unchanged"
    assert tree_hash(account.home) == before["home"], "the grader account's home unchanged"
    assert honest_grades(course) == before["honest"], "the honest trainee's grades unchanged"
    after = counts(course)
    assert after["grade"] == before["counts"]["grade"] + M08.cells * (len(corpus) + 1)
    assert (course.autograded_dir / "honest" / M08.module / M08.notebook).read_bytes() == before["honest_notebook"]
    assert left == [] and marked_processes() == [], "no process of the account or the sandbox left running"


def test_without_user_namespaces_the_account_is_refused_with_what_it_needs(account: Account, batch):
    course, _, _, _, _, _, _ = batch
    rows = counts(course)
    # bubblewrap's own --disable-userns: inside it no further user namespace can be made, as on a locked-down kernel
    done = grade_as(account, course, "--regrade", inner=("bwrap", "--dev-bind", "/", "/", "--unshare-user",
                                                          "--disable-userns", "--"))
    assert done.returncode == 2, done.stderr
    assert f"as the user {account.name} (not root)" in done.stderr and "user namespaces" in done.stderr
    assert "user.max_user_namespaces" in done.stderr and "Nothing was graded" in done.stderr
    assert counts(course) == rows
