"""The course directory: where every stage finds its inputs and outputs.

A course directory is an nbgrader course (it holds `nbgrader_config.py`). nbgrader's own folders
(source, release, submitted, autograded, feedback) and the gradebook come from the course's
CourseDirectory configuration, so a course that renames them is followed everywhere; caseloop's
own folders sit beside them: `cases/` for the case library, `reports/` for compiled results,
`.caseloop/` for locks, backups and lab settings, `trainees/` for single-machine trainee homes.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseloop.files import CourseError

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI

    from caseloop.framework import Curriculum

CONFIG_FILE = "nbgrader_config.py"
CURRICULUM_FILE = "curriculum.yaml"
DEFAULT_EXCHANGE = "exchange"  # a course that does not set c.Exchange.root keeps its exchange inside it
# nbgrader's CourseDirectory traits and their defaults (tests/test_course.py checks them against nbgrader's).
NBGRADER_FOLDERS = {"source_directory": "source", "release_directory": "release",
                    "submitted_directory": "submitted", "autograded_directory": "autograded",
                    "feedback_directory": "feedback"}


def _put_interpreter_on_path() -> None:
    """nbgrader runs `alembic` to create a gradebook; find it beside this Python, venv or not."""
    scripts = os.path.dirname(sys.executable)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


@dataclass(frozen=True)
class Course:
    """Paths of one course directory, and the nbgrader API configured for it."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Course:
        """The course whose `nbgrader_config.py` is in `start` or the nearest folder above it."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_FILE).is_file():
                return cls(folder)
        raise CourseError(f"no {CONFIG_FILE} in {here} or any folder above it; run caseloop inside a "
                          "course directory or pass --course DIR")

    @classmethod
    def at(cls, root: Path) -> Course:
        root = root.resolve()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"{root}: not a course directory (no {CONFIG_FILE}); pass the folder that has it")
        return cls(root)

    # -- nbgrader's folders, as the course configures them ----------------------------------

    def _nbgrader_folder(self, trait: str) -> Path:
        configured = self.nbgrader_config().CourseDirectory.get(trait, NBGRADER_FOLDERS[trait])
        return self.root / str(configured)

    source_dir = cached_property(lambda self: self._nbgrader_folder("source_directory"))
    release_dir = cached_property(lambda self: self._nbgrader_folder("release_directory"))
    submitted_dir = cached_property(lambda self: self._nbgrader_folder("submitted_directory"))
    autograded_dir = cached_property(lambda self: self._nbgrader_folder("autograded_directory"))
    feedback_dir = cached_property(lambda self: self._nbgrader_folder("feedback_directory"))

    @cached_property
    def exchange_dir(self) -> Path:
        """The exchange releases, submissions and feedback go through: the course's Exchange.root, else exchange/."""
        return self.root / str(self.nbgrader_config().Exchange.root)

    # -- caseloop's folders ----------------------------------------------------------------------

    cases_dir = property(lambda self: self.root / "cases")
    reports_dir = property(lambda self: self.root / "reports")
    state_dir = property(lambda self: self.root / ".caseloop")  # locks, backups, lab settings
    backups_dir = property(lambda self: self.state_dir / "backups")
    trainee_homes_dir = property(lambda self: self.root / "trainees")
    curriculum_path = property(lambda self: self.source_dir / CURRICULUM_FILE)

    def submission_dir(self, trainee: str, module: str) -> Path:
        return self.submitted_dir / trainee / module

    def autograded_submission_dir(self, trainee: str, module: str) -> Path:
        return self.autograded_dir / trainee / module

    def feedback_submission_dir(self, trainee: str, module: str) -> Path:
        return self.feedback_dir / trainee / module

    def trainee_home(self, trainee: str) -> Path:
        """A trainee's home folder on a single machine (their lab and exchange cache live there)."""
        return self.trainee_homes_dir / trainee

    def curriculum(self) -> Curriculum:
        """The course's curriculum file (source/curriculum.yaml), loaded and checked."""
        from caseloop.curriculum import load_curriculum

        return load_curriculum(self.curriculum_path)

    def module_ids(self) -> list[str]:
        """Every module in source/ (folders with notebooks)."""
        if not self.source_dir.is_dir():
            return []
        return sorted(p.name for p in self.source_dir.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def source_notebooks(self, module: str) -> list[Path]:
        folder = self.source_dir / module
        if not folder.is_dir():
            known = sorted(p.name for p in self.source_dir.iterdir() if p.is_dir()) if self.source_dir.is_dir() else []
            raise CourseError(f"{folder}: no such module; known modules: {', '.join(known) or 'none'}")
        return sorted(folder.glob("*.ipynb"))

    # -- nbgrader configuration ---------------------------------------------------------------

    def nbgrader_config(self) -> Any:
        """This course's nbgrader_config.py as a traitlets Config, rooted at the course."""
        from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

        try:
            config = PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()
        except ConfigFileNotFound:
            raise CourseError(f"{self.root / CONFIG_FILE}: not found; pass a course directory") from None
        config.CourseDirectory.root = str(self.root)
        if "root" not in config.Exchange:  # never nbgrader's machine-wide /usr/local/share/nbgrader/exchange
            config.Exchange.root = str(self.root / DEFAULT_EXCHANGE)
        return config

    def require_release_in_exchange(self, module: str) -> None:
        """Stop with what to run when MODULE was never released to this course's exchange."""
        course_id = self.nbgrader_config().CourseDirectory.get("course_id", "")
        if course_id and not (self.exchange_dir / course_id / "outbound" / module).is_dir():
            raise CourseError(f"{self.exchange_dir}: {module} has not been released to this course's exchange, so no "
                              f"trainee can have submitted it; run `caseloop release {module}` first")

    def nbgrader_api(self, **overrides: dict[str, Any]) -> NbGraderAPI:
        """nbgrader's own API, configured from this course's nbgrader_config.py.

        `overrides` sets extra options per configurable class for this call only, e.g.
        `ExchangeReleaseAssignment={"force": True}`.
        """
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        _put_interpreter_on_path()
        config = self.nbgrader_config()
        for section, options in overrides.items():
            for name, value in options.items():
                setattr(config[section], name, value)
        return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    def db_url(self) -> str:
        """The gradebook's database URL, as the course's nbgrader_config.py sets it."""
        config = self.nbgrader_config()
        return config.CourseDirectory.get("db_url") or f"sqlite:///{self.root / 'gradebook.db'}"

    def copy_to(self, workspace: Path) -> Course:
        """A scratch course: this course's config, source and cases copied into an empty folder."""
        workspace = workspace.resolve()
        if workspace.exists() and any(workspace.iterdir()):
            raise CourseError(f"{workspace}: not empty; a scratch course needs a fresh folder so no course data is "
                              "overwritten")
        workspace.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.root / CONFIG_FILE, workspace / CONFIG_FILE)
        shutil.copytree(self.source_dir, workspace / self.source_dir.relative_to(self.root))
        if self.cases_dir.is_dir():
            shutil.copytree(self.cases_dir, workspace / "cases")
        return Course.at(workspace)
