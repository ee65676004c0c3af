"""Certification: the curriculum's stage gates evaluated per trainee, into a level and its permissions.

Pure functions over the latest attempts of the grade table and the mastery table. Every gate result carries the value
it was judged on and, when not met, the reason in zh and en, so a lead can tell a trainee what
is missing. Levels are cumulative: a level needs its own gates and those of every level below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from caseloop.shares import percent

if TYPE_CHECKING:
    from caseloop.framework import CertificationLevel, Curriculum, Gate

GATE_COLUMNS = ["trainee", "gate", "met", "value", "reason_zh", "reason_en"]
LEVEL_COLUMNS = ["trainee", "level", "permissions", "next_level", "missing", "missing_zh", "missing_en"]


def _module_shares(latest: pd.DataFrame, module: str, mask: pd.Series | None = None,
                   score: str = "score") -> dict[str, float]:
    """trainee -> `score` points / available points on MODULE's (masked) latest attempts.

    Cells still waiting for a mentor's grade (no score yet) count neither way.
    """
    rows = latest[latest["module"] == module]
    if mask is not None:
        rows = rows[mask.reindex(rows.index)]
    rows = rows[rows[score].notna()]
    sums = rows.groupby("trainee", observed=True)[[score, "max_score"]].sum()
    return (sums[score] / sums["max_score"]).to_dict()


def _done(latest: pd.DataFrame, module: str) -> set[str]:
    return set(latest.loc[latest["module"] == module, "trainee"])


def _not_submitted(module: str) -> tuple[str, str]:
    return f"{module} 尚未提交", f"{module} not submitted yet"


Rows = list[tuple[bool, float, str, str]]  # per trainee: met, value judged, reason zh, reason en


def _module_done(gate: Gate, trainees: list[str], latest: pd.DataFrame, mastery: pd.DataFrame,
                 curriculum: Curriculum) -> Rows:
    module = gate.params["module"]
    done = _done(latest, module)
    return [(t in done, float(t in done), *(("", "") if t in done else _not_submitted(module))) for t in trainees]


def _module_score(gate: Gate, trainees: list[str], latest: pd.DataFrame, mastery: pd.DataFrame,
                  curriculum: Curriculum) -> Rows:
    p, module = gate.params, gate.params["module"]
    done, shares, rows = _done(latest, module), _module_shares(latest, module), []
    for t in trainees:
        share = shares.get(t, float("nan"))
        met = t in done and share >= p["min"] - 1e-9
        reason = ("", "") if met else _not_submitted(module) if t not in done else (
            f"{module} 得分 {percent(share)}，需要 ≥ {percent(p['min'])}",
            f"{module} at {percent(share)}, needs {percent(p['min'])}")
        rows.append((met, share, *reason))
    return rows


def _cases_solved(gate: Gate, trainees: list[str], latest: pd.DataFrame, mastery: pd.DataFrame,
                  curriculum: Curriculum) -> Rows:
    # whether a case was handled correctly is the autograde's call; the mentor's rubric is its own gate
    p, module = gate.params, gate.params["module"]
    done = _done(latest, module)
    rows_in = latest[(latest["module"] == module) & latest["auto_score"].notna()]
    per_case = rows_in.groupby(["trainee", "case"], observed=True)[["score", "max_score"]].sum()
    solved = (per_case["score"] >= p["min"] * per_case["max_score"] - 1e-9).groupby("trainee", observed=True).sum()
    solved = solved.to_dict()
    rows = []
    for t in trainees:
        count = int(solved.get(t, 0))
        met = count >= p["count"]
        reason = ("", "") if met else _not_submitted(module) if t not in done else (
            f"{module} 已解决 {count} 个案例，需要 {p['count']} 个",
            f"{count} of {p['count']} cases solved in {module}")
        rows.append((met, float(count), *reason))
    return rows


def _competency_level(gate: Gate, trainees: list[str], latest: pd.DataFrame, mastery: pd.DataFrame,
                      curriculum: Curriculum) -> Rows:
    code, need = gate.params["competency"], gate.params["level"]
    order = list(curriculum.level_names)
    rows_of = mastery[mastery["competency"] == code]
    mine = dict(zip(rows_of["trainee"], zip(rows_of["level"], rows_of["mastery"], strict=True), strict=True))
    label = curriculum.level_names[need]
    rows: Rows = []
    for t in trainees:
        if t not in mine:
            rows.append((False, float("nan"), f"{code} 尚无评分数据", f"no graded evidence on {code} yet"))
            continue
        level, value = mine[t]
        met = order.index(level) >= order.index(need)
        have = curriculum.level_names.get(level, (level, level))
        rows.append((met, value, *(("", "") if met else (
            f"{code} 掌握度 {percent(value)}（{have[0]}），需要达到「{label[0]}」",
            f"{code} mastery {percent(value)} ({have[1]}), needs {label[1]}"))))
    return rows


def _mentor_signoff(gate: Gate, trainees: list[str], latest: pd.DataFrame, mastery: pd.DataFrame,
                    curriculum: Curriculum) -> Rows:
    """Manual scores from a mentor on the module's cells, none still waiting."""
    p, module = gate.params, gate.params["module"]
    done = _done(latest, module)
    rows_in = latest[latest["module"] == module]
    signed = rows_in["manual_score"].notna()
    shares = _module_shares(latest, module, mask=latest["manual_score"].notna(), score="manual_score")
    waiting = rows_in[rows_in["needs_manual_grade"].astype(bool) & ~signed].groupby("trainee", observed=True).size()
    waiting = waiting.to_dict()
    rows = []
    for t in trainees:
        share, pending = shares.get(t, float("nan")), int(waiting.get(t, 0))
        met = t in done and pending == 0 and pd.notna(share) and share >= p["min"] - 1e-9
        if met:
            reason = ("", "")
        elif t not in done:
            reason = _not_submitted(module)
        elif pending:
            reason = (f"{module} 还有 {pending} 项等待导师评分",
                      f"{pending} item{'s' if pending != 1 else ''} in {module} await{'' if pending != 1 else 's'} "
                      "a mentor's grade")
        elif pd.isna(share):
            reason = (f"{module} 尚无导师签字评分", f"no mentor sign-off on {module} yet")
        else:
            reason = (f"{module} 导师评分 {percent(share)}，需要 ≥ {percent(p['min'])}",
                      f"mentor score on {module} {percent(share)}, needs {percent(p['min'])}")
        rows.append((met, share, *reason))
    return rows


@dataclass(frozen=True)
class GateKind:
    """One kind of certification gate: how it is judged, and which parameters the curriculum gives it.

    `min_default` is the default share a gate of this kind needs (None: it takes no `min`).
    """

    check: Callable[[Gate, list[str], pd.DataFrame, pd.DataFrame, Curriculum], Rows]
    needs_module: bool = True
    min_default: float | None = None
    needs_count: bool = False
    needs_competency_level: bool = False


# The gate kinds a curriculum may use (`gates[].<kind>`).
GATES: dict[str, GateKind] = {
    "module_done": GateKind(_module_done),
    "module_score": GateKind(_module_score, min_default=0.8),
    "cases_solved": GateKind(_cases_solved, min_default=1.0, needs_count=True),
    "competency_level": GateKind(_competency_level, needs_module=False, needs_competency_level=True),
    "mentor_signoff": GateKind(_mentor_signoff, min_default=0.8),
}


def gate_check(gate: Gate, trainees: list[str], latest: pd.DataFrame, mastery: pd.DataFrame,
               curriculum: Curriculum) -> pd.DataFrame:
    """One gate for every trainee: met, the value judged and the reason when not met (zh, en)."""
    if gate.kind not in GATES:
        raise ValueError(f"gate {gate.id}: unknown kind {gate.kind!r}; known: {', '.join(GATES)}")
    rows = GATES[gate.kind].check(gate, trainees, latest, mastery, curriculum)
    table = pd.DataFrame(rows, columns=["met", "value", "reason_zh", "reason_en"])
    table.insert(0, "gate", gate.id)
    table.insert(0, "trainee", trainees)
    return table


def gate_results(latest: pd.DataFrame, mastery: pd.DataFrame, curriculum: Curriculum,
                 trainees: list[str] | None = None) -> pd.DataFrame:
    """Every gate of the curriculum for every trainee (columns in `GATE_COLUMNS`).

    `latest` is `latest_attempts(grades)`; `trainees` defaults to everyone in it.
    """
    trainees = sorted(set(latest["trainee"])) if trainees is None else trainees
    frames = [gate_check(gate, trainees, latest, mastery, curriculum) for gate in curriculum.gates.values()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=GATE_COLUMNS)


def certification(gates: pd.DataFrame, curriculum: Curriculum, trainees: list[str]) -> pd.DataFrame:
    """Per trainee: the highest level whose gates (and all lower levels' gates) are met, the permissions
    it unlocks, the next level and the gates still missing for it with their reasons."""
    met = dict(zip(zip(gates["trainee"], gates["gate"], strict=True),
                   zip(gates["met"], gates["reason_zh"], gates["reason_en"], strict=True), strict=True))
    rows = []
    for trainee in trainees:
        reached: CertificationLevel | None = None
        permissions: list[str] = []
        missing: list[str] = []
        for level in curriculum.certification:
            missing = [gate for gate in level.gates if not met[trainee, gate][0]]
            if missing:
                next_level = level.id
                break
            reached = level
            permissions += level.permissions
        else:
            next_level, missing = "", []
        rows.append((trainee, reached.id if reached else "", ";".join(permissions), next_level, ";".join(missing),
                     "；".join(met[trainee, g][1] for g in missing), "; ".join(met[trainee, g][2] for g in missing)))
    return pd.DataFrame(rows, columns=LEVEL_COLUMNS)


READINESS_COLUMNS = ["kind", "id", "trainees", "who"]
ONE_GATE_COLUMNS = ["trainee", "level", "next_level", "gate", "reason_zh", "reason_en"]


def readiness(levels: pd.DataFrame, curriculum: Curriculum) -> pd.DataFrame:
    """How many trainees (and who) hold each level and each permission, plus those not certified yet.

    `kind` is level, permission or none; `who` is ';'-separated. A trainee at a level holds every
    level below it too, so a level's row counts everyone cleared for what it unlocks.
    """
    order = [level.id for level in curriculum.certification]
    rank = levels["level"].map({level: index for index, level in enumerate(order)}).fillna(-1)
    rows = []
    for index, level in enumerate(curriculum.certification):
        who = sorted(levels.loc[rank >= index, "trainee"])
        rows.append(("level", level.id, len(who), ";".join(who)))
        rows += [("permission", permission, len(who), ";".join(who)) for permission in level.permissions]
    none = sorted(levels.loc[rank < 0, "trainee"])
    rows.append(("none", "", len(none), ";".join(none)))
    return pd.DataFrame(rows, columns=READINESS_COLUMNS)


def one_gate_away(levels: pd.DataFrame, gates: pd.DataFrame) -> pd.DataFrame:
    """Trainees whose next level misses exactly one gate: the gate, and why it is still shut (zh, en)."""
    close = levels[(levels["next_level"] != "") & (levels["missing"] != "") & ~levels["missing"].str.contains(";")]
    close = close.rename(columns={"missing": "gate"})[["trainee", "level", "next_level", "gate"]]
    reasons = gates[["trainee", "gate", "reason_zh", "reason_en"]]
    return close.merge(reasons, on=["trainee", "gate"], how="left")[ONE_GATE_COLUMNS].reset_index(drop=True)
