"""`caseloop lab` and `caseloop feedback` without a browser: per-user config, real servers, real feedback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from caseloop import lab
from caseloop.course import Course, CourseError


def _load(path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


@pytest.fixture(scope="module")
def released(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    from caseloop.release import release

    course = repo_course.copy_to(tmp_path_factory.mktemp("lab") / "course")
    release(course, "m01")
    return course


def test_trainee_config_names_the_trainee_and_hides_the_formgrader(released: Course):
    folder = lab.write_config(released, "trainee07")
    config = _load(folder / "nbgrader_config.py")
    assert config.CourseDirectory.student_id == "trainee07"
    assert config.CourseDirectory.course_id == "caseloop"
    assert config.Exchange.root == str(released.root / "exchange")
    assert config.Exchange.assignment_dir == str(released.root / "trainees" / "trainee07")
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    server = json.loads((folder / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False


def test_mentor_config_keeps_the_formgrader(released: Course):
    folder = lab.write_config(released, lab.MENTOR)
    assert "student_id" not in (folder / "nbgrader_config.py").read_text()
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is False


@pytest.mark.parametrize("bad", ["../etc", ".hidden", "a*b", ""])
def test_a_bad_trainee_id_is_refused_with_the_rule(released: Course, bad: str):
    with pytest.raises(CourseError, match="letters, digits"):
        lab.write_config(released, bad)


def _get(server: lab.Lab, path: str) -> tuple[int, bytes]:
    base, token = server.url.split("/lab?token=")
    separator = "&" if "?" in path else "?"
    try:
        with urllib.request.urlopen(f"{base}{path}{separator}token={token}", timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, b""


def test_lab_serves_the_formgrader_to_the_mentor_and_the_assignment_list_to_a_trainee(released: Course):
    mentor = lab.start(released)
    try:
        assert mentor.url.startswith("http://127.0.0.1:")
        assert _get(mentor, "/formgrader")[0] == 200
    finally:
        mentor.stop()
    trainee = lab.start(released, "trainee07", practice=True)
    try:
        assert _get(trainee, "/formgrader")[0] == 404
        status, body = _get(trainee, "/assignments?course_id=caseloop")
        listed = json.loads(body)
        assert status == 200 and listed["success"], listed
        assert [a["assignment_id"] for a in listed["value"] if a["status"] == "released"] == ["m01"]
        assert listed["value"][0]["path"].startswith(str(released.root / "exchange"))
    finally:
        trainee.stop()
    assert trainee.process.poll() is not None


def test_nbgrader_feedback_alone_shows_hidden_tests_caseloop_feedback_does_not(demo_course: Course):
    from caseloop.feedback import SUMMARY_ID, feedback, hidden_test_lines, leaked_lines

    secret = hidden_test_lines(demo_course, "m01")
    assert 'checks.reply(reply_c0001, points=3, case="C-0001")' in secret
    page = demo_course.root / "feedback" / "trainee01" / "m01" / "rules_and_returns.html"
    assert demo_course.nbgrader_api().generate_feedback("m01", "trainee01")["success"]
    assert leaked_lines(page.read_text(encoding="utf-8"), secret), "nbgrader's own feedback shows hidden tests"

    pages = feedback(demo_course, "m01", ["trainee01", "trainee02"])
    assert page in pages and len(pages) == 2
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert leaked_lines(text, secret) == []
        assert text.count(f'id="{SUMMARY_ID}"') == 1
    blank = (demo_course.root / "feedback" / "trainee02" / "m01" / "rules_and_returns.html").read_text()
    assert "Practise Platform rules and policy (POL): not yet proficient" in blank
    assert "Every competency is proficient" in page.read_text(encoding="utf-8")
    released = demo_course.root / "exchange" / "caseloop" / "feedback"
    assert len(list(released.glob("*.html"))) >= 2


def test_feedback_for_an_ungraded_trainee_names_who_is_graded(demo_course: Course):
    from caseloop.feedback import feedback

    with pytest.raises(CourseError, match="nobody: no compiled grades for m01.*trainee01"):
        feedback(demo_course, "m01", ["nobody"])


def test_feedback_before_compile_says_run_compile(released: Course):
    from caseloop.feedback import feedback

    with pytest.raises(CourseError, match="caseloop compile"):
        feedback(released, "m01")
