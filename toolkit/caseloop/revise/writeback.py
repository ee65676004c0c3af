"""Statistics into the source notebooks' cell metadata and revision flags into the case files."""

from __future__ import annotations

import datetime
import json
import math
import numbers
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from caseloop.course import Course, write_atomically
from caseloop.revise.thresholds import STAT_KEYS, Thresholds


def summary_line(stats: dict | None) -> str:
    if not stats:
        return ""
    parts = [f"n={stats.get('n', 0)}"]
    for key in ("facility", "discrimination"):
        value = stats.get(key)
        if value is not None and pd.notna(value):
            parts.append(f"{key} {value:.2f}")
    return ", ".join(parts)


# -- writing (I/O) -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON/YAML-friendly value: rounded floats, None for missing, ISO text for times."""
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is None or value is pd.NaT or (isinstance(value, numbers.Real) and math.isnan(value)):
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    return round(float(value), 3) if isinstance(value, numbers.Real) else value


def cell_stats(stats: pd.DataFrame, items: pd.DataFrame) -> dict[tuple[str, str, str], dict]:
    """The statistics block each graded source cell gets in its `caseloop.stats` metadata."""
    blocks = {}
    by_cell = {(s.module, s.notebook, s.cell): s._asdict() for s in stats[stats["level"] == "cell"].itertuples()}
    for item in items.itertuples():
        found = by_cell.get((item.module, item.notebook, item.cell))
        block = {"revision": item.revision, "since": _plain(item.since),
                 "through": _plain(found["through"]) if found else None}
        block.update({key: _plain(found[key]) if found else None for key in STAT_KEYS})
        if not found:
            block["n"] = 0
        history = list(item.history) + ([item.before] if item.before and item.before not in item.history else [])
        blocks[(item.module, item.notebook, item.cell)] = {"stats": block, "stats_history": history}
    return blocks


def write_cell_stats(course: Course, blocks: dict[tuple[str, str, str], dict]) -> list[Path]:
    """Write each cell's statistics into its source notebook's metadata; only notebooks that change are written."""
    import nbformat

    changed = []
    for path in sorted(course.source_dir.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        dirty = False
        for cell in nb.cells:
            key = (path.parent.name, path.stem, cell.metadata.get("nbgrader", {}).get("grade_id"))
            if key not in blocks:
                continue
            tags = cell.metadata.setdefault("caseloop", {})
            for name, value in blocks[key].items():
                if value in ([], None):
                    dirty |= tags.pop(name, None) is not None
                elif tags.get(name) != value:
                    tags[name] = value
                    dirty = True
        if dirty:
            write_atomically(path, nbformat.writes(nb) + "\n")
            changed.append(path)
    return changed


def _case_file(course: Course, case: str) -> Path | None:
    direct = course.cases_dir / f"{case}.yaml"
    if direct.is_file():
        return direct
    pattern = re.compile(rf"^id:\s*['\"]?{re.escape(case)}['\"]?\s*$", re.MULTILINE)
    return next((p for p in sorted(course.cases_dir.glob("*.yaml")) if pattern.search(p.read_text("utf-8"))), None)


def _yaml_scalar(value: Any) -> str:
    """A value as a YAML flow scalar: plain where YAML reads it back unchanged (dates as dates), else quoted."""
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9_][\w.-]*", text):
        loaded = yaml.safe_load(text)
        if loaded == text or (isinstance(loaded, datetime.date) and loaded.isoformat() == text):
            return text
    return json.dumps(text, ensure_ascii=False)


def _flag_line(flag: dict) -> str:
    return "  - {" + ", ".join(f"{key}: {_yaml_scalar(value)}" for key, value in flag.items()) + "}"


def merge_revision_flags(text: str, flags: list[dict]) -> str:
    """The case file's text with `flags` merged into its `revision_flags` list; the rest of the text untouched.

    A flag replaces an earlier one for the same module, cell and flag; the list is written in flow
    style, one flag a line, at the end of the file or where it already was.
    """
    data = yaml.safe_load(text) or {}
    current = [{key: value.isoformat() if isinstance(value, datetime.date) else value for key, value in old.items()}
               for old in data.get("revision_flags") or []]
    def key(flag: dict) -> tuple:
        return flag.get("module"), flag.get("cell"), flag.get("flag")

    for flag in flags:
        same = [i for i, old in enumerate(current) if key(old) == key(flag)]
        if same:
            current[same[0]] = flag
        else:
            current.append(flag)
    block = "revision_flags:\n" + "".join(_flag_line(f) + "\n" for f in current)
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("revision_flags:")), None)
    if start is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + block
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "-", "\t")) or not lines[end].strip()):
        end += 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def flag_cases(course: Course, table: pd.DataFrame, stats: pd.DataFrame, t: Thresholds) -> list[Path]:
    """Add the worst items' flags to their cases' `revision_flags` (entries with impact >= case_flag_impact)."""
    through = {(s.module, s.cell): s.through for s in stats[stats["level"] == "cell"].itertuples()}
    worst = table[(table["impact"] >= t.case_flag_impact) & (table["case"] != "")]
    changed = []
    for case, entries in worst.groupby("case"):
        path = _case_file(course, str(case))
        if path is None:
            continue
        flags = [{"date": str(pd.Timestamp(through.get((e.module, e.cell))).date())
                  if pd.notna(through.get((e.module, e.cell), pd.NaT)) else None,
                  "module": e.module, "cell": e.cell or None, "flag": e.flag, "statistic": _plain(e.value)}
                 for e in entries.itertuples()]
        text = path.read_text(encoding="utf-8")
        new = merge_revision_flags(text, flags)
        if new != text:
            write_atomically(path, new)
            changed.append(path)
    return changed
