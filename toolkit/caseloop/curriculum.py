"""The curriculum file (source/curriculum.yaml): competency framework, levels, modules and the
sections reports act on (mastery method, assessment, gates, certification, targets).

Mastery methods and gate kinds are registries owned by the analysis that computes them
(`caseloop.analysis.mastery.METHODS`, `caseloop.analysis.certify.GATES`); the loader checks a
name against them, so an unknown name is an error naming the known ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from caseloop.analysis.certify import GATES
from caseloop.analysis.mastery import METHODS
from caseloop.course.files import CourseError
from caseloop.framework import (
    CertificationLevel,
    Competency,
    Curriculum,
    Gate,
    MasteryMethod,
    Module,
    Target,
)

__all__ = ["CertificationLevel", "Competency", "Curriculum", "Gate", "MasteryMethod", "Module", "Target",
           "load_curriculum"]

ASSESSMENT_KEYS = {"baseline", "post_test", "final"}  # assessment modules: measured, never recommended for study


def _due_day(module: dict[str, Any], path: Path) -> int | None:
    """A module's `due_day` (days after a cohort's start), checked; None when it has no deadline."""
    day = module.get("due_day")
    if day is None:
        return None
    if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 3650:
        raise CourseError(f"{path}: module {module['id']} due_day must be a whole number of days (0 to 3650), "
                          f"not {day!r}")
    return day


def load_curriculum(path: Path) -> Curriculum:
    """The curriculum file at PATH, loaded and checked; every error names the file and the field."""
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
    modules = [Module(need(m, "id", "a module"), need(m, "zh", m["id"]), need(m, "en", m["id"]),
                      _due_day(m, path)) for m in need(data, "modules", "the file")]
    return Curriculum(competencies, level_names, modules, **_report_sections(data, path, competencies, level_names))


def _report_sections(data: dict[str, Any], path: Path, competencies: dict[str, Competency],
                     level_names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The optional sections reports act on, validated; every error names the file and the field."""

    def fail(where: str, problem: str) -> CourseError:
        return CourseError(f"{path}: {where}: {problem}")

    def mapping(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise fail(where, f"expected a mapping, got {value!r}")
        return value

    def number(value: Any, where: str, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise fail(where, f"expected a number from {low:g} to {high:g}, got {value!r}")
        return float(value)

    def names(item: dict[str, Any], where: str) -> tuple[str, str]:
        if not item.get("zh") or not item.get("en"):
            raise fail(where, "needs both 'zh' and 'en' names")
        return str(item["zh"]), str(item["en"])

    def competency(code: Any, where: str) -> str:
        if code not in competencies:
            raise fail(where, f"unknown competency {code!r}; use one of {sorted(competencies)}")
        return code

    def level(name: Any, where: str) -> str:
        if name not in level_names:
            raise fail(where, f"unknown level {name!r}; use one of {list(level_names)}")
        return name

    spec = mapping(data.get("mastery", {}), "mastery")
    method = spec.get("method", MasteryMethod.method)
    if method not in METHODS:
        raise fail("mastery.method", f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    mastery = MasteryMethod(
        method=method,
        weight=number(spec.get("weight", MasteryMethod.weight), "mastery.weight", 0, 1),
        n=int(number(spec.get("n", MasteryMethod.n), "mastery.n", 1, 100)),
        at_level=level(spec.get("at_level", MasteryMethod.at_level), "mastery.at_level"),
        min_items=int(number(spec.get("min_items", MasteryMethod.min_items), "mastery.min_items", 1, 1000)),
        risk_attempts=int(number(spec.get("risk_attempts", MasteryMethod.risk_attempts), "mastery.risk_attempts",
                                 1, 100)),
        risk_below=number(spec.get("risk_below", MasteryMethod.risk_below), "mastery.risk_below", 0, 1),
        low_result=number(spec.get("low_result", MasteryMethod.low_result), "mastery.low_result", 0, 1),
        idle_days=int(number(spec.get("idle_days", MasteryMethod.idle_days), "mastery.idle_days", 1, 365)))

    assessment = {key: str(value) for key, value in mapping(data.get("assessment", {}), "assessment").items()}
    if set(assessment) - ASSESSMENT_KEYS:
        raise fail("assessment", f"unknown keys {sorted(set(assessment) - ASSESSMENT_KEYS)}; "
                   "use 'baseline', 'post_test' and 'final' (module ids)")

    permissions = {key: names(mapping(value, f"permissions.{key}"), f"permissions.{key}")
                   for key, value in mapping(data.get("permissions", {}), "permissions").items()}

    gates = {}
    for index, item in enumerate(data.get("gates", [])):
        item = mapping(item, f"gates[{index}]")
        where = f"gates[{index}] ({item.get('id', 'no id')})"
        if not item.get("id"):
            raise fail(where, "needs an 'id'")
        kinds = [kind for kind in GATES if kind in item]
        if len(kinds) != 1:
            raise fail(where, f"needs exactly one check of {', '.join(GATES)}")
        kind, spec = kinds[0], GATES[kinds[0]]
        params = {"module": item[kind]} if isinstance(item[kind], str) else dict(mapping(item[kind], f"{where}.{kind}"))
        if spec.needs_module and not params.get("module"):
            raise fail(f"{where}.{kind}", "needs a 'module' (module id, e.g. m01)")
        if spec.min_default is not None:
            params["min"] = number(params.get("min", spec.min_default), f"{where}.{kind}.min", 0, 1)
        if spec.needs_count:
            params["count"] = int(number(params.get("count"), f"{where}.{kind}.count", 1, 10000))
        if spec.needs_competency_level:
            competency(params.get("competency"), f"{where}.{kind}.competency")
            level(params.get("level"), f"{where}.{kind}.level")
        gates[item["id"]] = Gate(item["id"], *names(item, where), kind, params)

    certification = []
    for index, item in enumerate(data.get("certification", [])):
        item = mapping(item, f"certification[{index}]")
        where = f"certification[{index}] ({item.get('level', 'no level')})"
        if not item.get("level"):
            raise fail(where, "needs a 'level' id, e.g. junior")
        for key, known in (("gates", gates), ("permissions", permissions)):
            unknown = [name for name in item.get(key, []) if name not in known]
            if unknown:
                raise fail(f"{where}.{key}", f"unknown {key} {unknown}; declare them under '{key}' first")
        certification.append(CertificationLevel(item["level"], *names(item, where), tuple(item.get("gates", [])),
                                                tuple(item.get("permissions", []))))

    targets = []
    for index, item in enumerate(data.get("targets", [])):
        item = mapping(item, f"targets[{index}]")
        where = f"targets[{index}] ({item.get('id', 'no id')})"
        targets.append(Target(str(item.get("id", index)), *names(item, where),
                              competency(item.get("competency"), f"{where}.competency"),
                              number(item.get("mastery"), f"{where}.mastery", 0, 1),
                              int(number(item.get("within_days"), f"{where}.within_days", 1, 3650))))
    return {"mastery": mastery, "assessment": assessment, "permissions": permissions, "gates": gates,
            "certification": certification, "targets": targets}
