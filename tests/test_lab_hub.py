"""The README's JupyterHub configuration: it loads, names the course consistently, and its shared
exchange carries a release from the course to a trainee through real nbgrader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from caseloop.course import Course
from conftest import REPO


def readme_config(path: str) -> str:
    """The code block the README gives for the file at PATH, in its JupyterHub section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### JupyterHub deployment", 1)[1]
    match = re.search(rf"`{re.escape(path)}`[^\n]*:\n\n```python\n(.*?)```", section, re.DOTALL)
    assert match, f"README's JupyterHub section has no python block for {path}"
    return match[1]


def load(text: str, folder: Path):
    from traitlets.config.loader import PyFileConfigLoader

    (folder / "config.py").write_text(text, encoding="utf-8")
    return PyFileConfigLoader("config.py", path=str(folder)).load_config()


@pytest.fixture(scope="module")
def course_id(repo_course: Course) -> str:
    return repo_course.nbgrader_config().CourseDirectory.course_id


def test_hub_config_names_the_grader_service_and_groups_after_the_course(tmp_path, course_id: str):
    hub = load(readme_config("/etc/jupyterhub/jupyterhub_config.py"), tmp_path).JupyterHub
    assert set(hub.load_groups) == {f"formgrade-{course_id}", f"nbgrader-{course_id}"}
    [service] = hub.services
    assert service["name"] == course_id and service["user"] == f"grader-{course_id}"
    assert f"--ServerApp.root_dir={service['cwd']}" in service["command"]
    assert service["url"].startswith("http://127.0.0.1:")
    mentors = next(role for role in hub.load_roles if role["name"] == f"formgrader-{course_id}")
    assert mentors["groups"] == [f"formgrade-{course_id}"]
    assert mentors["scopes"] == [f"access:services!service={course_id}"]


def test_nbgrader_config_uses_the_hub_authenticator_and_a_shared_exchange(tmp_path):
    from nbgrader.auth import JupyterHubAuthPlugin

    config = load(readme_config("/etc/jupyter/nbgrader_config.py"), tmp_path)
    assert config.Authenticator.plugin_class is JupyterHubAuthPlugin
    assert config.Exchange.root == "/srv/nbgrader/exchange"
    assert config.Exchange.path_includes_course is True


def test_a_release_through_the_linked_exchange_reaches_a_trainee(repo_course: Course, tmp_path, course_id: str):
    """The course's exchange/ linked to the shared exchange, as the README says; a trainee configured
    with the README's nbgrader config (a local exchange path, no hub to ask) fetches the release."""
    from nbgrader.auth import Authenticator, NoAuthPlugin
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment

    from caseloop.release import release

    shared = tmp_path / "srv" / "exchange"
    shared.mkdir(parents=True)
    course = repo_course.copy_to(tmp_path / "grader" / course_id)
    (course.root / "exchange").symlink_to(shared)
    release(course, "m01")
    assert (shared / course_id / "outbound" / "m01" / "rules_and_returns.ipynb").is_file()

    text = readme_config("/etc/jupyter/nbgrader_config.py").replace("/srv/nbgrader/exchange", str(shared))
    config = load(text, tmp_path)
    config.Authenticator.plugin_class = NoAuthPlugin  # the hub's group lookup is JupyterHub's to test
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
