"""Set a course up on JupyterHub: the grader account owns the course, a shared exchange, the hub's configuration.

Follows nbgrader's multi-user setup: one exchange every account can write (trainees submit into its
inbound/, which they cannot list), the formgrader as a hub service run by the grader account and open to
the mentors' group only, and each trainee's server run as the trainee's own account, so the operating
system keeps the course directory (answer keys, gradebook, others' submissions) out of their reach.
"""

from __future__ import annotations

import json
import os
import pwd
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from pprint import pformat

from caseloop.course import CONFIG_FILE, Course, CourseError, write_atomically
from caseloop.hub import accounts
from caseloop.lab import MENTOR_ONLY_PLUGINS, MENTOR_ONLY_SERVER_EXTENSIONS

DEFAULT_EXCHANGE = Path("/srv/nbgrader/exchange")
DEFAULT_HUB_DIR = Path("/etc/jupyterhub")
HUB_CONFIG = "jupyterhub_config.py"
USER_CONFIG_DIR = "jupyter"  # under the hub folder: the Jupyter config every trainee's and mentor's server reads
FORMGRADER_PORT = 9999
DB_MARK = "# The gradebook, set by `caseloop hub setup --db`"


@dataclass(frozen=True)
class Deployment:
    """What `setup` wrote or set: the hub's config file, the users' Jupyter config folder, the exchange."""

    course: Course
    grader: str
    hub_config: Path
    user_config_dir: Path
    exchange: Path


def setup(course: Course, grader: str | None = None, exchange: Path = DEFAULT_EXCHANGE,
          hub_dir: Path = DEFAULT_HUB_DIR, homes: Path | None = None, bind_url: str = "http://127.0.0.1:8000",
          db_url: str | None = None) -> Deployment:
    """Give the course to the grader account, link it to the shared exchange and write the hub's config."""
    course_id = course.nbgrader_config().CourseDirectory.course_id
    if not course_id:
        raise CourseError(f"{course.root / CONFIG_FILE}: set c.CourseDirectory.course_id, e.g. 'caseloop'; the hub's "
                          "groups and the exchange are named after it")
    grader = accounts.check_name(grader or accounts.grader_account(course_id))
    _require_usable_by_every_account(course)
    for role in accounts.ROLE_GROUPS:
        accounts.ensure_group(accounts.group_of(role, course_id))
    grader_home, _ = accounts.ensure_account(grader, homes)
    exchange = _shared_exchange(exchange)
    link_exchange(course, exchange)
    if db_url:
        _set_gradebook(course, db_url)
    _give_to(course.root, pwd.getpwnam(grader))
    user_config_dir = write_user_config(hub_dir / USER_CONFIG_DIR, course_id, exchange)
    hub_config = hub_dir / HUB_CONFIG
    write_atomically(hub_config, hub_config_text(course, course_id, grader, grader_home, user_config_dir, bind_url))
    return Deployment(Course.at(course.root), grader, hub_config, user_config_dir, exchange)


def _require_usable_by_every_account(course: Course) -> None:
    """The grader must reach the course, and every account this Python and the caseloop package."""
    _require_reachable(course.root, "the grader account cannot reach the course")
    _require_reachable(Path(sys.executable).resolve(), "other accounts cannot run this Python, so trainees' servers "
                       "could not start; install caseloop in an environment made with the system's Python "
                       "(/usr/bin/python3 -m venv /opt/caseloop && /opt/caseloop/bin/pip install 'CLONE[hub]') and "
                       "run /opt/caseloop/bin/caseloop hub setup")
    package = Path(__file__).resolve().parent.parent
    if package.is_relative_to(course.root):
        raise CourseError(f"{package}: caseloop is installed from inside the course directory, which becomes the "
                          "grader's alone, so trainees' kernels could not import it; install it with pip from the "
                          "clone (pip install DIR, not pip install -e DIR)")
    _require_reachable(package, "trainees' kernels cannot import caseloop")


def _require_reachable(path: Path, consequence: str) -> None:
    """Every folder above PATH must let other accounts pass (x); else the error says CONSEQUENCE."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise CourseError(f"{parent}: other accounts cannot enter it (mode {stat.filemode(mode)}), so "
                              f"{consequence} ({path}); move it elsewhere (the course e.g. to "
                              "/home/grader-COURSE/COURSE) or `chmod o+x` that folder")


def _shared_exchange(exchange: Path) -> Path:
    """nbgrader's exchange root: writable by every account, sticky so nobody removes another's files."""
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o1777)
    _require_reachable(exchange, "trainees cannot reach the exchange")
    return exchange.resolve()


def link_exchange(course: Course, exchange: Path) -> None:
    """Point the course's exchange (exchange/ or its Exchange.root) at the shared one, losing nothing."""
    own = course.exchange_dir
    if own.resolve() == exchange:
        return
    if own.is_symlink() or (own.is_dir() and not any(own.iterdir())):
        own.unlink() if own.is_symlink() else own.rmdir()
    elif own.exists() or not own.is_relative_to(course.root):
        raise CourseError(f"{own}: the course's exchange holds releases or submissions (or lies outside the course); "
                          f"move what it holds into {exchange} (`mv {own}/* {exchange}/`) and run `caseloop hub setup` "
                          f"again, or set c.Exchange.root = {str(exchange)!r} in {course.root / CONFIG_FILE}")
    own.parent.mkdir(parents=True, exist_ok=True)
    own.symlink_to(exchange, target_is_directory=True)


def _set_gradebook(course: Course, db_url: str) -> None:
    """Append the gradebook's URL to the course's nbgrader_config.py (a later line overrides an earlier one)."""
    if course.db_url() == db_url:
        return
    path = course.root / CONFIG_FILE
    text = path.read_text(encoding="utf-8").split(f"\n{DB_MARK}\n")[0].rstrip("\n")
    write_atomically(path, f"{text}\n\n{DB_MARK}\nc.CourseDirectory.db_url = {db_url!r}\n")


def _give_to(folder: Path, account: pwd.struct_passwd) -> None:
    """The course belongs to the grader account alone: owned by it, closed to every other account (0700)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, account.pw_uid, account.pw_gid)
    folder.chmod(0o700)


def write_user_config(folder: Path, course_id: str, exchange: Path) -> Path:
    """The Jupyter config of every hub user's server: nbgrader's shared exchange, no formgrader in their lab."""
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    lines = ["c = get_config()  # noqa: F821",
             "# nbgrader's multi-user exchange; a trainee's submissions are recorded in their own home's cache",
             f"c.Exchange.root = {str(exchange)!r}",
             "c.Exchange.path_includes_course = True",
             "# the hub's groups (nbgrader-COURSE) say which courses a trainee's assignment list shows",
             "from nbgrader.auth import JupyterHubAuthPlugin  # noqa: E402",
             "c.Authenticator.plugin_class = JupyterHubAuthPlugin"]
    write_atomically(folder / "nbgrader_config.py", "\n".join(lines) + "\n")
    write_atomically(folder / "jupyter_server_config.json", json.dumps({"ServerApp": {"jpserver_extensions": {
        name: False for name in MENTOR_ONLY_SERVER_EXTENSIONS}}}, indent=1))
    write_atomically(folder / "labconfig" / "page_config.json", json.dumps({"disabledExtensions": {
        name: True for name in MENTOR_ONLY_PLUGINS}}, indent=1))
    for path in [folder / "labconfig", *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def hub_config_text(course: Course, course_id: str, grader: str, grader_home: Path, user_config_dir: Path,
                    bind_url: str) -> str:
    """jupyterhub_config.py: PAM log-in, each user's server as their own account, the formgrader as a service."""
    scripts = Path(sys.executable).parent  # the environment caseloop is installed in serves every user
    singleuser = [sys.executable, "-m", "jupyterhub.singleuser"]
    path = f"{scripts}:/usr/local/bin:/usr/bin:/bin"
    trainees, mentors = (accounts.group_of(role, course_id) for role in ("trainee", "mentor"))
    service = {"name": course_id, "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
               "command": [*singleuser, f"--ServerApp.root_dir={course.root}"], "user": grader,
               "cwd": str(course.root), "oauth_no_confirm": True,
               "environment": {"JUPYTERHUB_DEFAULT_URL": "/lab", "PATH": path, "HOME": str(grader_home)}}
    return f'''"""JupyterHub for the caseloop course {course_id!r}, written by `caseloop hub setup`.

Run as root (`jupyterhub -f {user_config_dir.parent / HUB_CONFIG}`): it starts each user's server as their own
account. Trainees are the members of the group {trainees}, mentors of {mentors}; the groups are read when the
hub starts, so restart it after `caseloop hub add-trainee` or `add-mentor`.
"""

import grp

c = get_config()  # noqa: F821


def members(group):
    try:
        return sorted(grp.getgrnam(group).gr_mem)
    except KeyError:
        return []


trainees, mentors = members({trainees!r}), members({mentors!r})
c.JupyterHub.bind_url = {bind_url!r}
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(trainees + mentors)
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = {singleuser!r}
c.Spawner.default_url = "/lab"
c.Spawner.environment = {{"PATH": {path!r}, "JUPYTER_CONFIG_PATH": {str(user_config_dir)!r}}}
c.JupyterHub.db_url = {"sqlite:///" + str(user_config_dir.parent / "jupyterhub.sqlite")!r}
c.JupyterHub.cookie_secret_file = {str(user_config_dir.parent / "jupyterhub_cookie_secret")!r}
c.JupyterHub.load_groups = {{{trainees!r}: {{"users": trainees}}, {mentors!r}: {{"users": mentors}}}}
c.JupyterHub.load_roles = [
    # mentors, and only they, may open the formgrader service
    {{"name": "formgrader-{course_id}", "groups": [{mentors!r}], "scopes": ["access:services!service={course_id}"]}},
    # each user's server may read its owner's groups (nbgrader's assignment list asks which courses)
    {{"name": "server", "scopes": ["inherit"]}},
]
c.JupyterHub.services = [{pformat(service, sort_dicts=False)}]
'''
