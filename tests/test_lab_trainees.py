"""Several trainees on one machine with `caseloop lab --trainee`: each gets back only their own feedback, a
trainee's lab does not start as the account that can read the answer keys, and the exchange is the course's."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request

from caseloop import lab
from caseloop.course import Course
from conftest import run_caseloop

TRAINEES = ["trainee01", "trainee02"]


def _post(server: lab.Lab, action: str, **fields: str) -> dict:
    """One action of nbgrader's assignment list (the server extension behind its Fetch / Submit buttons)."""
    base, token = server.url.split("/lab?token=")
    request = urllib.request.Request(f"{base}/assignments/{action}", method="POST",
                                     data=urllib.parse.urlencode(fields).encode(),
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def test_each_trainee_fetches_only_their_own_feedback(repo_course: Course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    run_caseloop(course, "release", "m01")
    module = {"course_id": "caseloop", "assignment_id": "m01"}
    servers = {trainee: lab.start(course, trainee, practice=True) for trainee in TRAINEES}
    try:
        for server in servers.values():
            _post(server, "fetch", **module)
            assert _post(server, "submit", **module)["success"], "submit failed"
        run_caseloop(course, "collect", "m01")
        run_caseloop(course, "grade", "m01")
        run_caseloop(course, "compile")
        run_caseloop(course, "feedback", "m01")
        for trainee, server in servers.items():
            _post(server, "fetch_feedback", **module)
            pages = sorted((course.trainee_home(trainee) / "m01" / "feedback").glob("*/*.html"))
            assert len(pages) == 1, f"{trainee} fetched {len(pages)} feedback pages: {pages}"
            text = pages[0].read_text(encoding="utf-8")
            assert f"{trainee} · 能力小结" in text
            assert not [other for other in TRAINEES if other != trainee and other in text]
    finally:
        for server in servers.values():
            server.stop()
    caches = {trainee: course.state_dir / "lab" / trainee / "exchange-cache" / "caseloop" for trainee in TRAINEES}
    assert [len(list(cache.glob(f"{trainee}+m01+*"))) for trainee, cache in caches.items()] == [1, 1]


def test_a_trainee_lab_as_the_owner_of_the_answer_keys_refuses_to_start(repo_course: Course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")  # created by this account, which owns its source/
    lab_process = subprocess.Popen([sys.executable, "-m", "caseloop", "--course", str(course.root), "lab",
                                    "--trainee", "trainee01"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
    try:
        _, stderr = lab_process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        lab_process.terminate()  # `caseloop lab` stops its JupyterLab on SIGTERM
        lab_process.communicate(timeout=60)
        raise AssertionError("the trainee lab started as the owner of source/") from None
    assert lab_process.returncode == 2, stderr
    assert str(course.source_dir) in stderr and "--practice" in stderr
    assert "caseloop hub add-trainee trainee01" in stderr
    assert not (course.state_dir / "lab" / "trainee01").exists(), "nothing is written before refusing"


def test_a_course_without_an_exchange_setting_releases_into_its_own_exchange(repo_course: Course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    config = course.root / "nbgrader_config.py"
    text = config.read_text(encoding="utf-8")
    assert "c.Exchange.root" in text
    config.write_text("\n".join(line for line in text.splitlines() if not line.startswith("c.Exchange.root")),
                      encoding="utf-8")
    course = Course.at(course.root)
    assert course.exchange_dir == course.root / "exchange"
    run_caseloop(course, "release", "m01")
    assert (course.root / "exchange" / "caseloop" / "outbound" / "m01" / "rules_and_returns.ipynb").is_file()
    trainee_config = (lab.write_config(course, "trainee01") / "nbgrader_config.py").read_text(encoding="utf-8")
    assert f"c.Exchange.root = {str(course.root / 'exchange')!r}" in trainee_config
