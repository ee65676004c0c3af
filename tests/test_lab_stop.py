"""`kill PID` of `caseloop lab` stops its JupyterLab, as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil


def test_terminating_caseloop_lab_stops_jupyterlab(repo_course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    lab = subprocess.Popen([sys.executable, "-m", "caseloop", "--course", str(course.root), "lab"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        line = ""
        while "token=" not in line and time.monotonic() < deadline:
            line = lab.stdout.readline()
            assert line or lab.poll() is None, "caseloop lab exited before JupyterLab answered"
        assert "token=" in line, "no JupyterLab URL printed"
        children = psutil.Process(lab.pid).children(recursive=True)
        assert children, "JupyterLab runs as a child of caseloop lab"
        os.kill(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"still running after kill: {[p.cmdline() for p in alive]}"
    finally:
        if lab.poll() is None:
            lab.kill()
