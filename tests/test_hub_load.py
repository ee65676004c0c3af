"""Under load, nothing lost: 30 trainees, each their own account on the hub, submit m01 over about a minute while
`caseloop grade m01 --watch` runs as the grader account; every submission is graded exactly once, with the score
its answer earns, and each trainee's Fetch Feedback brings their own page only.

Each trainee is one process of their own account running the code behind the assignment list's Fetch, Submit and
Fetch Feedback buttons (nbgrader's AssignmentList), against the hub's API for their courses, without a browser:
it submits at its turn, then waits until feedback is released and fetches it. The test prints
the submissions per minute the watch handled and the longest wait from submit to grade.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import datetime

import pytest

from caseloop.course import Course
from caseloop.course.journal import journal_path, read_batch_status
from hub_helpers import (
    COURSE_ID,
    GRADER,
    PREFIX,
    Hub,
    caseloop,
    python,
    require_hub_services,
    running_hub,
    start_as_account,
)

require_hub_services()

TRAINEES = [f"{PREFIX}l{n:02d}" for n in range(1, 31)]
MODULE, NOTEBOOK = "m01", "rules_and_returns"
SPACING_S = 2.0  # one trainee submits every 2 s: 30 in about a minute
GRADED_WITHIN_S = 240

TRAINEE = """
import json, os, sys, time
import nbformat
from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

course_id, module, notebook, reply, released = sys.argv[1:6]
manager = AssignmentList()
manager.root_dir = os.getcwd()
fetched = manager.fetch_assignment(course_id, module)
assert fetched["success"], fetched
path = os.path.join(course_id, module, notebook + ".ipynb")
nb = nbformat.read(path, as_version=4)
blank = 'reply_c0001 = \"\"\"\\n\\n\"\"\"'
cell = next(cell for cell in nb.cells if blank in cell.source)
cell.source = cell.source.replace(blank, 'reply_c0001 = \"\"\"\\n' + reply + '\\n\"\"\"')
nbformat.write(nb, path)
print(json.dumps(manager.submit_assignment(course_id, module)), flush=True)
while not os.path.exists(released):
    time.sleep(1)
print(json.dumps(manager.fetch_feedback(course_id, module)), flush=True)
"""


def start_trainee(hub: Hub, user: str, reply: str) -> subprocess.Popen:
    """USER's process: fetch, answer REPLY and submit now; fetch feedback once the test says it is released."""
    env = {"JUPYTERHUB_API_URL": f"{hub.url}/hub/api", "JUPYTERHUB_API_TOKEN": hub.token(user),
           "JUPYTERHUB_USER": user, "JUPYTER_CONFIG_PATH": str(hub.base / "hub" / "jupyter")}
    return start_as_account(user, subprocess.PIPE, python(), "-c", TRAINEE, COURSE_ID, MODULE, NOTEBOOK, reply,
                            str(hub.base / "feedback-released"), env=env)


@pytest.fixture(scope="module")
def hub(repo_course: Course, gradebook_url):
    with running_hub(repo_course, TRAINEES, [], gradebook_url) as hub:
        yield hub


def test_thirty_trainees_submit_while_the_watch_grades_each_once(hub: Hub, repo_course: Course):
    from caseloop.demo import answer_cells

    model = next(cell.solution for cell in answer_cells(repo_course, MODULE) if cell.var == "reply_c0001")
    replies = {user: model if n % 2 == 0 else "ok thanks" for n, user in enumerate(TRAINEES)}
    for user in TRAINEES:
        hub.token(user)
    root = hub.course.root
    watch_log = hub.base / "watch.log"
    with watch_log.open("w") as sink:
        grader = start_as_account(GRADER, sink, python(), "-m", "caseloop", "--course", str(root), "grade", MODULE,
                                  "--watch", "--interval", "2", "--workers", "2")
    trainees: dict[str, subprocess.Popen] = {}
    try:
        for user in TRAINEES:  # one every SPACING_S seconds
            trainees[user] = start_trainee(hub, user, replies[user])
            time.sleep(SPACING_S)
        deadline = time.monotonic() + GRADED_WITHIN_S
        while time.monotonic() < deadline and len(_graded(hub.course)) < len(TRAINEES):
            assert grader.poll() is None, watch_log.read_text()
            time.sleep(2)
    finally:
        grader.send_signal(signal.SIGINT)
        grader.wait(timeout=60)
    graded = _graded(hub.course)
    assert sorted(graded) == TRAINEES, f"not graded: {sorted(set(TRAINEES) - set(graded))}"
    lines = watch_log.read_text(encoding="utf-8").splitlines()
    assert {user: sum(f" {user}: graded" in line for line in lines) for user in TRAINEES} == \
        {user: 1 for user in TRAINEES}, "each submission is graded exactly once"

    from nbgrader.api import Gradebook

    with Gradebook(hub.course.db_url()) as gradebook:
        assert len(gradebook.assignment_submissions(MODULE)) == len(TRAINEES)
        scores = {user: gradebook.find_grade("c0001_reply", NOTEBOOK, MODULE, user).score for user in TRAINEES}
    assert scores == {user: 3 if replies[user] == model else 0 for user in TRAINEES}

    waits = [(_time(row["graded_at"]) - _time(row["submitted_at"])).total_seconds() for row in graded.values()]
    span = max(_time(r["graded_at"]) for r in graded.values()) - min(_time(r["submitted_at"]) for r in graded.values())
    print(f"\nload: {len(graded)} submissions graded in {span.total_seconds():.0f} s, "
          f"{len(graded) / span.total_seconds() * 60:.1f} per minute; longest submit-to-grade wait {max(waits):.0f} s")

    caseloop(root, "compile", account=GRADER)
    assert f"{len(TRAINEES)} feedback pages" in caseloop(root, "feedback", MODULE, account=GRADER)
    (hub.base / "feedback-released").touch()
    outputs = {user: process.communicate(timeout=300)[0] for user, process in trainees.items()}
    for user, output in outputs.items():
        submitted, fetched = [json.loads(line) for line in output.strip().splitlines()[-2:]]
        assert submitted["success"] and fetched["success"], f"{user}: {output}"
    for user in TRAINEES:
        pages = list((hub.base / "home" / user / COURSE_ID / MODULE / "feedback").glob("*/*.html"))
        assert len(pages) == 1, f"{user} fetched {pages}"
        text = pages[0].read_text(encoding="utf-8")
        assert f"{user} · 能力小结" in text and not [other for other in TRAINEES if other != user and other in text]


def _graded(course: Course) -> dict[str, dict[str, str]]:
    """Trainees whose latest outcome in the grading journal is graded, with that outcome."""
    return {row["trainee"]: row for row in read_batch_status(journal_path(course, MODULE)) if row["status"] == "graded"}


def _time(stamp: str) -> datetime:
    """A journal or nbgrader timestamp ('2026-03-01T10:00:00+00:00' or '2026-03-01 10:00:00.123 UTC')."""
    stamp = stamp.replace(" UTC", "+00:00")
    return datetime.fromisoformat(stamp)

