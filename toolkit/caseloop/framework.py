"""The curriculum's data: the competency framework, levels, modules, and the sections reports act on.

Plain frozen dataclasses, read from source/curriculum.yaml by `caseloop.curriculum.load_curriculum`
and used by every analysis; nothing here imports the rest of caseloop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    """One module of the course; `due_day` is how many days after a cohort's start it is due (None: no deadline).

    `versions` are the later releases of the module, oldest first (curriculum entries with `version_of`): each is
    its own nbgrader assignment, and a trainee's latest submission to any of them is their result on the module.
    """

    id: str
    zh: str
    en: str
    due_day: int | None = None
    versions: tuple[str, ...] = ()

    @property
    def releases(self) -> tuple[str, ...]:
        """The module's nbgrader assignments, first release first."""
        return (self.id, *self.versions)


@dataclass(frozen=True)
class MasteryMethod:
    """How evidence over time becomes one mastery share per competency (Canvas-style methods).

    `weight` is the newest result's weight in a decaying average; `n` is how many results at or
    above `at_level` n_mastery needs; scores resting on fewer than `min_items` graded cells are
    flagged as thin; `risk_attempts` results in a row below `risk_below` mark a trainee at risk, and
    so, from the first week, does one module result below `low_result` or no submission for `idle_days`.
    """

    method: str = "decaying_average"
    weight: float = 0.65
    n: int = 2
    at_level: str = "proficient"
    min_items: int = 3
    risk_attempts: int = 3
    risk_below: float = 0.7
    low_result: float = 0.5
    idle_days: int = 7


@dataclass(frozen=True)
class Gate:
    """One certification gate: a check of `kind` with its parameters (module, min, count ...)."""

    id: str
    zh: str
    en: str
    kind: str
    params: dict[str, Any]


@dataclass(frozen=True)
class CertificationLevel:
    """A certification level: the gates it adds to the levels below, and the permissions it unlocks."""

    id: str
    zh: str
    en: str
    gates: tuple[str, ...]
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """A course goal: cohort mean mastery of `competency` at least `mastery` within `within_days`."""

    id: str
    zh: str
    en: str
    competency: str
    mastery: float
    within_days: int


@dataclass(frozen=True)
class Curriculum:
    """The trainer-edited curriculum file: competency framework, levels and module order, and the
    sections reports act on: mastery method, pre/post assessment, gates, certification, targets."""

    competencies: dict[str, Competency]
    level_names: dict[str, tuple[str, str]]
    modules: list[Module]
    mastery: MasteryMethod = MasteryMethod()
    assessment: dict[str, str] = field(default_factory=dict)
    permissions: dict[str, tuple[str, str]] = field(default_factory=dict)
    gates: dict[str, Gate] = field(default_factory=dict)
    certification: list[CertificationLevel] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def module_of(self, release: str) -> str:
        """The module an nbgrader assignment belongs to: the module a version revises, or the id itself."""
        return next((m.id for m in self.modules if release in m.versions), release)

    @property
    def releases(self) -> list[str]:
        """Every module id and version id, in module order: what may be released and graded."""
        return [release for m in self.modules for release in m.releases]

    @property
    def training_modules(self) -> list[Module]:
        """The modules a trainee learns from: every module but the baseline, post-test and final assessment."""
        tests = set(self.assessment.values())
        return [m for m in self.modules if m.id not in tests]

    def level_label(self, level: str) -> str:
        zh, en = self.level_names.get(level, (level, level))
        return f"{zh} {en}"
