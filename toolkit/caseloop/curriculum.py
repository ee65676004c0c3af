"""The curriculum file (source/curriculum.yaml): competency framework, levels, modules and the
sections reports act on (mastery method, assessment, gates, certification, targets).

The file follows the published schema `caseloop/schemas/curriculum.schema.json`, whose mastery
methods and gate kinds are those of the registries owned by the analyses that compute them
(`caseloop.analysis.mastery.METHODS`, `caseloop.analysis.certify.GATES`), so an unknown name is an
error naming the known ones.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from caseloop.analysis.certify import GATES
from caseloop.framework import (
    CertificationLevel,
    Competency,
    Curriculum,
    Gate,
    MasteryMethod,
    Module,
    Target,
)
from caseloop.schemas import Document, Finding, InvalidFile, read_yaml

__all__ = ["CertificationLevel", "Competency", "Curriculum", "Gate", "MasteryMethod", "Module", "Target",
           "load_curriculum"]

def load_curriculum(path: Path) -> Curriculum:
    """The curriculum file at PATH, checked against its published schema and for codes used before they are
    declared; every problem names the file, the line and the field (`caseloop.schemas`)."""
    document = read_yaml(path, "curriculum")
    problems = _undeclared(document)
    if problems:
        raise InvalidFile(problems)
    data = document.data
    level_names = {name: (spec["zh"], spec["en"]) for name, spec in data["levels"].items()}
    default_thresholds = {name: float(spec["min"]) for name, spec in data["levels"].items() if "min" in spec}
    competencies = {item["code"]: Competency(item["code"], item["zh"], item["en"],
                                             {**default_thresholds, **item.get("thresholds", {})})
                    for item in data["competencies"]}
    modules = module_order(data["modules"])
    spec = data.get("mastery", {})
    mastery = MasteryMethod(**{key: spec.get(key, getattr(MasteryMethod, key)) for key in
                               ("method", "weight", "n", "at_level", "min_items", "risk_attempts", "risk_below",
                                "low_result", "idle_days")})
    permissions = {key: (value["zh"], value["en"]) for key, value in data.get("permissions", {}).items()}
    gates = {}
    for item in data.get("gates", []):
        kind = next(kind for kind in GATES if kind in item)
        params = {"module": item[kind]} if isinstance(item[kind], str) else dict(item[kind])
        if GATES[kind].min_default is not None:
            params["min"] = float(params.get("min", GATES[kind].min_default))
        gates[item["id"]] = Gate(item["id"], item["zh"], item["en"], kind, params)
    certification = [CertificationLevel(item["level"], item["zh"], item["en"], tuple(item.get("gates", [])),
                                        tuple(item.get("permissions", []))) for item in data.get("certification", [])]
    targets = [Target(item["id"], item["zh"], item["en"], item["competency"], float(item["mastery"]),
                      item["within_days"]) for item in data.get("targets", [])]
    return Curriculum(competencies, level_names, modules, mastery=mastery,
                      assessment=dict(data.get("assessment", {})), permissions=permissions, gates=gates,
                      certification=certification, targets=targets)


def module_order(entries: list[dict]) -> list[Module]:
    """The course's modules in file order, each entry with `version_of` added to the versions of the module it
    revises (a version of a version counts for the first module)."""
    revises = {m["id"]: m["version_of"] for m in entries if "version_of" in m}

    def first(module: str) -> str:
        while module in revises:
            module = revises[module]
        return module

    versions = {m["id"]: tuple(v["id"] for v in entries if "version_of" in v and first(v["id"]) == m["id"])
                for m in entries}
    return [Module(m["id"], m["zh"], m["en"], m.get("due_day"), versions[m["id"]])
            for m in entries if "version_of" not in m]


def _undeclared(document: Document) -> list[Finding]:
    """What the schema cannot say: duplicate codes and ids, references to competencies, levels, modules, gates
    and permissions the file does not declare, a gate with other than one check, thresholds that do not rise."""
    data, problems = document.data, []

    revises = {m["id"]: m["version_of"] for m in data["modules"] if "version_of" in m}

    def refer(steps: list, value: object, known: list, what_zh: str, what_en: str) -> None:
        if value in revises and what_en == "module":
            problems.append(document.finding(steps, f"{value} 是 {revises[value]} 的新版本", f"{value} is a version "
                                             f"of {revises[value]}", f"name {revises[value]}: a trainee's latest "
                                             "submission to any of its versions counts for it"))
        elif value not in known:
            close = difflib.get_close_matches(str(value), [str(k) for k in known], n=1)
            problems.append(document.finding(steps, f"未声明的{what_zh} {value!r}", f"unknown {what_en} {value!r}",
                                             (f"did you mean {close[0]!r}? " if close else "") +
                                             f"use one of {', '.join(map(str, known))}, or declare it first"))

    def unique(section: str, key: str) -> list:
        seen: list = []
        for index, item in enumerate(data.get(section, [])):
            if item[key] in seen:
                problems.append(document.finding([section, index, key], f"{item[key]!r} 重复",
                                                 f"{item[key]!r} is used twice", f"give each {key} its own value"))
            seen.append(item[key])
        return seen

    levels, codes = list(data["levels"]), unique("competencies", "code")
    unique("modules", "id")
    problems.extend(_versions(document))
    modules = [m["id"] for m in data["modules"] if "version_of" not in m]  # gates name a module, not a version
    gate_ids, permissions = unique("gates", "id"), list(data.get("permissions", {}))
    unique("targets", "id")
    bars = [name for name, spec in data["levels"].items() if "min" in spec]
    for index, item in enumerate(data["competencies"]):
        for level in item.get("thresholds", {}):
            refer(["competencies", index, "thresholds", level], level, bars, "等级", "level")
        thresholds = {**{name: data["levels"][name]["min"] for name in bars}, **item.get("thresholds", {})}
        if list(thresholds.values()) != sorted(thresholds.values()):
            problems.append(document.finding(["competencies", index, "thresholds"], "阈值没有逐级升高",
                                             "the thresholds do not rise level by level",
                                             f"make each level's bar at least the one below ({', '.join(bars)})"))
    if "at_level" in data.get("mastery", {}):
        refer(["mastery", "at_level"], data["mastery"]["at_level"], levels, "等级", "level")
    for key, module in data.get("assessment", {}).items():
        refer(["assessment", key], module, modules, "模块", "module")
    for index, item in enumerate(data.get("gates", [])):
        kinds = [kind for kind in GATES if kind in item]
        if len(kinds) != 1:
            problems.append(document.finding(["gates", index], f"关卡 {item['id']} 应恰好有一项检查",
                                             f"gate {item['id']} needs exactly one check",
                                             f"keep one of {', '.join(GATES)}"))
            continue
        params = item[kinds[0]]
        module = params if isinstance(params, str) else params.get("module")
        if module is not None:
            refer(["gates", index, kinds[0]], module, modules, "模块", "module")
        if GATES[kinds[0]].needs_competency_level:
            refer(["gates", index, kinds[0], "competency"], params["competency"], codes, "能力", "competency")
            refer(["gates", index, kinds[0], "level"], params["level"], levels, "等级", "level")
    for index, item in enumerate(data.get("certification", [])):
        for key, known in (("gates", gate_ids), ("permissions", permissions)):
            for number, name in enumerate(item.get(key, [])):
                refer(["certification", index, key, number], name, known, "关卡" if key == "gates" else "权限",
                      key[:-1])
    for index, item in enumerate(data.get("targets", [])):
        refer(["targets", index, "competency"], item["competency"], codes, "能力", "competency")
    return problems


def _versions(document: Document) -> list[Finding]:
    """A `version_of` names a declared module other than itself, and versions do not revise each other in a ring;
    a version carries no `due_day` (the module it revises has the deadline)."""
    entries, problems = document.data["modules"], []
    ids = [m["id"] for m in entries]
    revises = {m["id"]: m["version_of"] for m in entries if "version_of" in m}
    for index, entry in enumerate(entries):
        if "version_of" not in entry:
            continue
        steps = ["modules", index, "version_of"]
        if entry["version_of"] not in ids or entry["version_of"] == entry["id"]:
            problems.append(document.finding(steps, f"{entry['id']} 的 version_of {entry['version_of']!r} 不是已声明的"
                                             "其他模块", f"{entry['id']}: version_of {entry['version_of']!r} is not "
                                             "another declared module", f"name the module it revises, one of "
                                             f"{', '.join(i for i in ids if i != entry['id'])}"))
            continue
        seen, module = {entry["id"]}, entry["version_of"]
        while module in revises and module not in seen:
            seen.add(module)
            module = revises[module]
        if module in seen:
            problems.append(document.finding(steps, f"{entry['id']} 的版本关系形成循环", f"{entry['id']}: the "
                                             "versions revise each other in a ring", "let the chain end at the "
                                             "module first released (an entry without version_of)"))
        if "due_day" in entry:
            problems.append(document.finding(["modules", index, "due_day"], f"{entry['id']} 是 {entry['version_of']} "
                                             "的新版本，不单独设截止日", f"{entry['id']} is a version of "
                                             f"{entry['version_of']} and has no deadline of its own",
                                             f"remove due_day here; the due_day of {entry['version_of']} counts"))
    return problems
