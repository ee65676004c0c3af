"""The course directory and its curriculum file: where every stage finds its inputs and outputs.

A course directory is an nbgrader course (it holds `nbgrader_config.py`) with caseloop's own
folders beside nbgrader's: `cases/` for the case library and `reports/` for compiled results.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI

CONFIG_FILE = "nbgrader_config.py"
CURRICULUM_FILE = "curriculum.yaml"


class CourseError(Exception):
    """A problem a user can fix: the message names the file and what to do."""


@dataclass(frozen=True)
class Competency:
    """One competency of the framework, with the score shares that mark each mastery level."""

    code: str
    zh: str
    en: str
    thresholds: dict[str, float]

    def level(self, share: float) -> str:
        """The highest level whose threshold `share` reaches (levels ascend in the file's order)."""
        reached = "beginning"
        for name, minimum in self.thresholds.items():
            if share >= minimum:
                reached = name
        return reached


@dataclass(frozen=True)
class Module:
    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Curriculum:
    """The trainer-edited curriculum file: competency framework, levels and module order."""

    competencies: dict[str, Competency]
    level_names: dict[str, tuple[str, str]]
    modules: list[Module]

    @classmethod
    def load(cls, path: Path) -> Curriculum:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CourseError(f"{path}: curriculum file not found; create it (see README.md)") from None
        except yaml.YAMLError as err:
            raise CourseError(f"{path}: not valid YAML ({err}); fix the syntax") from None
        if not isinstance(data, dict):
            raise CourseError(f"{path}: expected a mapping with 'competencies', 'levels' and 'modules'")

        def need(mapping: dict[str, Any], key: str, where: str) -> Any:
            if key not in mapping:
                raise CourseError(f"{path}: {where} has no '{key}'; add it")
            return mapping[key]

        levels = need(data, "levels", "the file")
        level_names = {name: (need(spec, "zh", f"level {name}"), need(spec, "en", f"level {name}"))
                       for name, spec in levels.items()}
        default_thresholds = {name: float(need(spec, "min", f"level {name}"))
                              for name, spec in levels.items() if name != "beginning"}
        competencies = {}
        for item in need(data, "competencies", "the file"):
            code = need(item, "code", "a competency")
            thresholds = {**default_thresholds, **item.get("thresholds", {})}
            unknown = set(thresholds) - set(default_thresholds)
            if unknown:
                raise CourseError(f"{path}: competency {code} sets thresholds for unknown levels "
                                  f"{sorted(unknown)}; use {sorted(default_thresholds)}")
            if list(thresholds.values()) != sorted(thresholds.values()):
                raise CourseError(f"{path}: competency {code} thresholds must rise level by level")
            competencies[code] = Competency(code, need(item, "zh", code), need(item, "en", code), thresholds)
        modules = [Module(need(m, "id", "a module"), need(m, "zh", m["id"]), need(m, "en", m["id"]))
                   for m in need(data, "modules", "the file")]
        return cls(competencies, level_names, modules)

    def level_label(self, level: str) -> str:
        zh, en = self.level_names.get(level, (level, level))
        return f"{zh} {en}"


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

    source_dir = property(lambda self: self.root / "source")
    release_dir = property(lambda self: self.root / "release")
    submitted_dir = property(lambda self: self.root / "submitted")
    autograded_dir = property(lambda self: self.root / "autograded")
    cases_dir = property(lambda self: self.root / "cases")
    reports_dir = property(lambda self: self.root / "reports")
    curriculum_path = property(lambda self: self.source_dir / CURRICULUM_FILE)

    def curriculum(self) -> Curriculum:
        return Curriculum.load(self.curriculum_path)

    def source_notebooks(self, module: str) -> list[Path]:
        folder = self.source_dir / module
        if not folder.is_dir():
            known = sorted(p.name for p in self.source_dir.iterdir() if p.is_dir()) if self.source_dir.is_dir() else []
            raise CourseError(f"{folder}: no such module; known modules: {', '.join(known) or 'none'}")
        return sorted(folder.glob("*.ipynb"))

    def nbgrader_config(self) -> Any:
        """This course's nbgrader_config.py as a traitlets Config, rooted at the course."""
        from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

        try:
            config = PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()
        except ConfigFileNotFound:
            raise CourseError(f"{self.root / CONFIG_FILE}: not found; pass a course directory") from None
        config.CourseDirectory.root = str(self.root)
        return config

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
        config = self.nbgrader_config()
        return config.CourseDirectory.get("db_url") or f"sqlite:///{self.root / 'gradebook.db'}"
