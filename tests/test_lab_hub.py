"""The configuration `caseloop hub setup` writes: it loads, names the course's groups, roles and formgrader
service consistently, and its shared exchange carries a release from the course to a trainee through real
nbgrader. The deployment itself, on a real hub with real accounts, is tests/test_hub.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseloop.course import Course, CourseError
from caseloop.hub import deploy


def load(path: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


@pytest.fixture(scope="module")
def course_id(repo_course: Course) -> str:
    return repo_course.nbgrader_config().CourseDirectory.course_id


def test_hub_config_names_the_grader_service_and_groups_after_the_course(repo_course: Course, tmp_path,
                                                                          course_id: str):
    user_config = tmp_path / "hub" / "jupyter"
    text = deploy.hub_config_text(repo_course, course_id, f"grader-{course_id}", Path("/home/g"), user_config,
                                  "http://127.0.0.1:8000")
    (tmp_path / "hub" / "jupyterhub_config.py").parent.mkdir()
    (tmp_path / "hub" / "jupyterhub_config.py").write_text(text, encoding="utf-8")
    config = load(tmp_path / "hub" / "jupyterhub_config.py")
    hub = config.JupyterHub
    assert set(hub.load_groups) == {f"formgrade-{course_id}", f"nbgrader-{course_id}"}
    [service] = hub.services
    assert service["name"] == course_id and service["user"] == f"grader-{course_id}"
    assert service["cwd"] == str(repo_course.root) and f"--ServerApp.root_dir={repo_course.root}" in service["command"]
    mentors = next(role for role in hub.load_roles if role["name"] == f"formgrader-{course_id}")
    assert mentors["groups"] == [f"formgrade-{course_id}"]
    assert mentors["scopes"] == [f"access:services!service={course_id}"]
    assert hub.authenticator_class == "pam" and hub.spawner_class.endswith("LocalProcessSpawner")
    assert config.Spawner.environment["JUPYTER_CONFIG_PATH"] == str(user_config)


def test_users_servers_use_the_hub_authenticator_a_shared_exchange_and_no_formgrader(tmp_path, course_id: str):
    from nbgrader.auth import JupyterHubAuthPlugin

    folder = deploy.write_user_config(tmp_path / "jupyter", course_id, Path("/srv/nbgrader/exchange"))
    config = load(folder / "nbgrader_config.py")
    assert config.Authenticator.plugin_class is JupyterHubAuthPlugin
    assert config.Exchange.root == "/srv/nbgrader/exchange"
    assert config.Exchange.path_includes_course is True
    server = json.loads((folder / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == {"nbgrader.server_extensions.formgrader": False}
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True


def test_a_release_through_the_linked_exchange_reaches_a_trainee(repo_course: Course, tmp_path, course_id: str):
    """The course's exchange/ linked to the shared exchange; a trainee configured with the users' nbgrader config
    (a local exchange path, no hub to ask) fetches the release."""
    from nbgrader.auth import Authenticator, NoAuthPlugin
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment

    from caseloop.release import release

    shared = tmp_path / "srv" / "exchange"
    shared.mkdir(parents=True)
    course = repo_course.copy_to(tmp_path / "grader" / course_id)
    deploy.link_exchange(course, shared)
    release(course, "m01")
    assert (shared / course_id / "outbound" / "m01" / "rules_and_returns.ipynb").is_file()

    config = load(deploy.write_user_config(tmp_path / "jupyter", course_id, shared) / "nbgrader_config.py")
    config.Authenticator.plugin_class = NoAuthPlugin  # the hub's group lookup is tests/test_hub.py's to test
    home = tmp_path / "home" / "trainee01"
    home.mkdir(parents=True)
    config.CourseDirectory.course_id = course_id
    config.CourseDirectory.assignment_id = "m01"
    config.Exchange.assignment_dir = str(home)
    config.Exchange.cache = str(tmp_path / "cache")
    fetch = ExchangeFetchAssignment(coursedir=CourseDirectory(config=config),
                                    authenticator=Authenticator(config=config), config=config)
    fetch.start()
    assert (home / course_id / "m01" / "rules_and_returns.ipynb").is_file()


def test_a_course_exchange_that_holds_releases_is_not_replaced(repo_course: Course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    kept = course.root / "exchange" / "caseloop" / "outbound" / "m01" / "rules_and_returns.ipynb"
    kept.parent.mkdir(parents=True)
    kept.write_text("{}", encoding="utf-8")
    with pytest.raises(CourseError, match="holds releases or submissions.*mv"):
        deploy.link_exchange(course, (tmp_path / "shared").resolve())
    assert kept.read_text(encoding="utf-8") == "{}" and not (course.root / "exchange").is_symlink()


def test_a_roster_with_a_bad_name_is_refused_naming_the_line_and_no_account_is_made(repo_course: Course, tmp_path):
    import pwd
    import subprocess
    import sys

    roster = tmp_path / "cohort.csv"
    roster.write_text("trainee,name\nclhub-ok01,Fine\nClhub Bad,Not a user name\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "caseloop", "--course", str(repo_course.root), "hub", "add-trainee",
                           "--csv", str(roster)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert f"{roster}, line 3: 'Clhub Bad'" in done.stderr and "lower-case letters" in done.stderr
    with pytest.raises(KeyError):
        pwd.getpwnam("clhub-ok01")


def test_setup_refuses_a_course_the_grader_account_could_not_reach_and_changes_nothing(repo_course: Course,
                                                                                      tmp_path):
    import grp
    import subprocess
    import sys

    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    course = repo_course.copy_to(private / "course")
    done = subprocess.run([sys.executable, "-m", "caseloop", "--course", str(course.root), "hub", "setup",
                           "--exchange", str(tmp_path / "exchange"), "--hub-dir", str(tmp_path / "hub")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert f"{private}: other accounts cannot enter it" in done.stderr and "grader account" in done.stderr
    assert not (tmp_path / "hub").exists() and not (tmp_path / "exchange").exists()
    with pytest.raises(KeyError):
        grp.getgrnam("nbgrader-caseloop")
