"""The sandbox trainee code runs in: bubblewrap, its own user, nothing of the host, limits, nothing left behind.

Each test starts a real sandbox (caseloop.sandbox.bwrap) and runs cells in it the way grading a
code module does. Without bubblewrap these tests fail, as grading a code module refuses to start:
install it with `apt-get install -y bubblewrap` (.ci/run does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caseloop.sandbox import bwrap, seccomp
from caseloop.sandbox.values import NotPlain, decode

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "source" / "m08" / "tickets.csv"


@pytest.fixture
def box():
    with bwrap.Sandbox({"tickets.csv": DATA}, ("ticket_analytics.ipynb", b'{"cells": []}'),
                       bwrap.Limits(timeout=5, memory_mb=1024, processes=16, file_mb=8, output_mb=1)) as sandbox:
        yield sandbox


def text(reply: bwrap.Reply) -> str:
    return "".join(o.get("text", "") + o.get("ename", "") + o.get("evalue", "")
                   + str(o.get("data", {}).get("text/plain", "")) for o in reply.outputs)


def test_bubblewrap_is_there():
    assert bwrap.unavailable() is None, "install bubblewrap: apt-get install -y bubblewrap"


def test_a_cell_runs_like_in_a_kernel(box):
    reply = box.run("import pandas as pd\ntickets = pd.read_csv('tickets.csv')\nprint(len(tickets))\ntickets.shape")
    assert reply.fault is None
    assert [o["output_type"] for o in reply.outputs] == ["stream", "execute_result"]
    assert text(reply) == "416\n(416, 15)"
    error = box.run("1 / 0").outputs[0]
    assert error["output_type"] == "error" and error["ename"] == "ZeroDivisionError"


def test_the_working_folder_holds_the_notebook_and_the_data_only(box):
    listing = text(box.run("import os\nsorted(os.listdir('.')), os.getcwd()"))
    assert listing == "(['ticket_analytics.ipynb', 'tickets.csv'], '/home/trainee')"
    assert "PermissionError" in text(box.run("open('tickets.csv', 'a')"))


def test_its_own_user_no_network_and_nothing_of_the_host(box):
    probe = box.run(f"""
import os, socket
print(os.getuid(), os.getgid(), os.getgroups())
for path in [{str(REPO / 'source')!r}, {str(REPO / 'cases')!r}, '/etc/passwd', os.path.expanduser('~root'),
             '/var', '/srv']:
    print(path, os.path.exists(path))
try:
    socket.create_connection(('127.0.0.1', 22), timeout=1)
except OSError as err:
    print('network', type(err).__name__)
print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])
print(sorted(p for p in os.listdir('/proc') if p.isdigit()))
print(sorted(os.listdir({str(REPO)!r})) if os.path.isdir({str(REPO)!r}) else [])
""")
    lines = text(probe).splitlines()
    uid = os.getpid() % 10_000 + bwrap.SANDBOX_UID_BASE if os.geteuid() == 0 else 65534
    assert lines[0] == f"{uid} {uid} []", "its own user, no groups"
    assert all(line.endswith("False") for line in lines[1:7]), lines[1:7]
    assert lines[7] == "network OSError" or lines[7].startswith("network"), lines[7]
    assert lines[8] == "0000000000000000", "no capabilities"
    assert len(json.loads(lines[9].replace("'", '"'))) <= 3, "its own process namespace"
    # Of the course directory, only a Python environment installed inside it (a CI clone's .venv) may be seen.
    inside = json.loads(lines[10].replace("'", '"'))
    python_roots = {p.relative_to(REPO).parts[0] for p in map(Path, (sys.prefix, sys.base_prefix))
                    if p.is_relative_to(REPO)}
    assert set(inside) <= python_roots, inside


def test_everything_but_its_temporary_folders_is_read_only(box):
    import caseloop

    package = Path(caseloop.__file__).resolve().parent
    site = Path(json.__file__).parent
    reply = box.run(f"""
import os, sys
for path in ['/usr/x', {str(Path(sys.prefix) / 'x')!r}, {str(site / 'x')!r}, '/opt/caseloop/lib/caseloop/x']:
    try:
        open(path, 'w')
        print('WROTE', path)
    except OSError as err:
        print(type(err).__name__)
import caseloop
print(caseloop.__file__)
open('/tmp/scratch', 'w').write('ok'); open('mine.txt', 'w').write('ok'); print('tmp ok')
""")
    lines = text(reply).splitlines()
    assert not [line for line in lines if line.startswith("WROTE")], lines
    assert lines[4] == "/opt/caseloop/lib/caseloop/__init__.py", "the grader's own copy of caseloop, read-only"
    assert lines[5] == "tmp ok"
    assert not (package / "x").exists()


def test_memory_processes_files_and_output_are_limited(box):
    assert "MemoryError" in text(box.run("hog = bytearray(2 * 1024 ** 3)"))
    forks = text(box.run("import subprocess\nps = []\ntry:\n    for _ in range(40):\n"
                         "        ps.append(subprocess.Popen(['sleep', '30']))\nexcept OSError as err:\n"
                         "    print('stopped at', len(ps), type(err).__name__)\nfor p in ps: p.kill()"))
    assert forks.startswith("stopped at") and int(forks.split()[2]) < 16
    assert "File too large" in text(box.run("open('/tmp/big', 'wb').write(b'x' * 20 * 1024 ** 2)")) or \
        "No space" in text(box.run("open('/tmp/big2', 'wb').write(b'x' * 20 * 1024 ** 2)"))
    reply = box.run("print('x' * 3 * 1024 ** 2)")
    assert reply.fault is None and sum(len(o.get("text", "")) for o in reply.outputs) < 1024 ** 2
    assert "output over the limit" in text(reply)


def test_system_calls_of_the_kernels_larger_surfaces_are_refused(box):
    refused = text(box.run("import subprocess\nrun = subprocess.run(['unshare', '-U', '-r', 'id'], "
                           "capture_output=True, text=True)\nprint(run.stderr)"))
    assert "Operation not permitted" in refused, "no user namespace inside the sandbox"
    works = text(box.run("import threading, multiprocessing as mp\nout = []\n"
                         "t = threading.Thread(target=out.append, args=(1,)); t.start(); t.join()\n"
                         "with mp.get_context('fork').Pool(2) as pool:\n    out += pool.map(abs, [-2, -3])\nout"))
    assert works == "[1, 2, 3]", "threads (clone3 falls back to clone) and process pools still work"
    assert seccomp.seccomp_filter("riscv64") is None
    program = seccomp.seccomp_filter("x86_64")
    assert len(program) % 8 == 0 and len(program) // 8 < 255


def test_a_slow_cell_is_interrupted_and_a_stubborn_one_killed(box):
    started = time.monotonic()
    reply = box.run("x = 1\nwhile True:\n    pass")
    assert reply.fault == "timeout" and box.alive and "KeyboardInterrupt" in json.dumps(reply.outputs)
    assert text(box.run("x")) == "1", "an interrupted cell keeps the namespace, as in a kernel"
    reply = box.run("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")
    assert reply.fault == "timeout" and "killed" in reply.detail and not box.alive
    assert time.monotonic() - started < 5 + 5 + 2 * bwrap.INTERRUPT_GRACE_SECONDS + 5


def test_a_sandbox_ended_by_its_code_is_a_named_fault(box):
    reply = box.run("import os\nos._exit(7)")
    assert reply.fault == "died" and "exit status 7" in reply.detail and not box.alive


def _owner(path: Path) -> int | None:
    try:
        return path.lstat().st_uid
    except FileNotFoundError:  # another job's file, gone meanwhile
        return None


def test_nothing_is_left_running_or_on_disk_after_it():
    before = set(Path("/tmp").iterdir())
    with bwrap.Sandbox({}, limits=bwrap.Limits(timeout=5)) as sandbox:
        sandbox.run("import subprocess, os\n"
                    "subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
                    "if os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(600)\n"
                    "open('/tmp/left-behind', 'w').write('x')")
        uid = sandbox.uid
    time.sleep(0.5)
    if os.geteuid() == 0:
        assert subprocess.run(["pgrep", "-u", str(uid)], capture_output=True).stdout == b""
    assert subprocess.run(["pgrep", "-f", "sleep 600"], capture_output=True).stdout == b""
    assert not (Path("/tmp") / "left-behind").exists(), "the sandbox's /tmp is its own"
    assert not [p for p in set(Path("/tmp").iterdir()) - before if _owner(p) == uid], "nothing of it on the host"


def test_only_plain_values_leave_it(box):
    box.run("import pandas as pd\nseries = pd.Series([3, 1], index=['a', 'b'], name='n')\nshare = 0.25\n"
            "class Fake(float):\n    def __eq__(self, other):\n        return True\nfake = Fake(1.0)\n"
            "def f():\n    pass\nimport os\nwhen = pd.Timestamp('2026-02-02')")
    reply = box.export(["series", "share", "fake", "f", "os", "when", "undefined"])
    assert set(reply.values) == {"series", "share", "when"}
    assert set(reply.not_plain) == {"fake", "f", "os"}
    series = decode(reply.values["series"])
    assert type(series).__name__ == "Series" and series.to_dict() == {"a": 3, "b": 1} and series.name == "n"
    assert decode(reply.values["share"]) == 0.25 and str(decode(reply.values["when"])) == "2026-02-02 00:00:00"
    with pytest.raises(NotPlain):
        decode({"t": "object", "v": "os.system('true')"})


def test_without_bubblewrap_a_code_module_is_not_graded(repo_course, tmp_path):
    from caseloop import release

    course = repo_course.copy_to(tmp_path / "course")
    release.release(course, "m08")
    (course.submitted_dir / "t1" / "m08").mkdir(parents=True)
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run([sys.executable, "-m", "caseloop", "--course", str(course.root), "grade", "m08"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert "m08 has code answers" in done.stderr and "apt-get install -y bubblewrap" in done.stderr
    assert not course.autograded_dir.exists()


def test_a_python_installation_under_tmp_is_seen_through_the_private_tmp(tmp_path, monkeypatch):
    """CI may clone the course (and its .venv) under /tmp: binds go over the sandbox's own /tmp."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "simmod.py").write_text("VALUE = 42\n")
    tmp_path.chmod(0o755)  # as an installation is; pytest's own folders are private
    roots = [*bwrap._python_roots(), tmp_path]
    monkeypatch.setattr(bwrap, "_python_roots", lambda: roots)
    with bwrap.Sandbox({}, limits=bwrap.Limits(timeout=10)) as sandbox:
        reply = sandbox.run(f"import sys\nsys.path.insert(0, {str(tmp_path / 'lib')!r})\nimport simmod\n"
                            "open('/tmp/scratch', 'w').write('x')\nsimmod.VALUE")
    assert text(reply) == "42"


def test_a_sandbox_that_cannot_start_says_why(monkeypatch):
    monkeypatch.setattr(bwrap, "LAUNCH", "raise SystemExit('the runner cannot start here')")
    with pytest.raises(bwrap.SandboxUnavailable, match="the runner cannot start here"):
        bwrap.Sandbox({}).start()
