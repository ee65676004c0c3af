"""Statistics into the source notebooks' cell metadata and revision flags into the case files."""

from __future__ import annotations

import datetime
import math
import numbers
import re
from pathlib import Path
from typing import Any

import pandas as pd

from caseloop import yamlfile
from caseloop.course import Course, CourseError, write_atomically
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
    """The statistics block of each graded source cell that has data, for its `caseloop.stats` metadata.

    Cells no trainee has answered get no block, and a block holds only the values the data give
    (no nulls), so the notebooks change only where and when the data do.
    """
    blocks = {}
    by_cell = {(s.module, s.notebook, s.cell): s._asdict() for s in stats[stats["level"] == "cell"].itertuples()}
    for item in items.itertuples():
        found = by_cell.get((item.module, item.notebook, item.cell))
        if not found or not found["n"]:
            continue
        values = {"revision": item.revision, "since": _plain(item.since), "through": _plain(found["through"]),
                  **{key: _plain(found[key]) for key in STAT_KEYS}}
        history = list(item.history) + ([item.before] if item.before and item.before not in item.history else [])
        blocks[(item.module, item.notebook, item.cell)] = {
            "stats": {key: value for key, value in values.items() if value is not None}, "stats_history": history}
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


def _flag_entry(flag: dict) -> dict:
    """One revision flag's values, its ISO date as a date: written as a YAML date, as the schema reads it."""
    entry = dict(flag)
    if isinstance(entry.get("date"), str):
        try:
            entry["date"] = datetime.date.fromisoformat(entry["date"])
        except ValueError:
            pass
    return entry


def _flag_key(flag: Any) -> tuple:
    return (flag.get("module"), flag.get("cell"), flag.get("flag")) if isinstance(flag, dict) else (None,) * 3


def merge_revision_flags(text: str, flags: list[dict]) -> str:
    """The case file's text with `flags` merged into its `revision_flags` list; the rest of the text untouched.

    A flag replaces an earlier one for the same module, cell and flag, in that entry's own style; new
    flags go one a line (`{date: ..., ...}`) at the end of the list, and a case without the list gets
    it at the end of the file. Text whose flags already say the same comes back as it was.
    """
    document = yamlfile.loads(text)
    if document.data is None:
        document.data = {}
    current = document.data.get("revision_flags")
    if not isinstance(current, list) or not current:
        current = document.data["revision_flags"] = []
    changed = False
    for flag in map(_flag_entry, flags):
        same = next((old for old in current if _flag_key(old) == _flag_key(flag)), None)
        if same is None:
            yamlfile.append(current, yamlfile.flow(flag))
        elif dict(same) != flag:
            yamlfile.update(same, flag)
        else:
            continue
        changed = True
    return document.dumps() if changed else text


def flag_cases(course: Course, table: pd.DataFrame, stats: pd.DataFrame, t: Thresholds) -> list[Path]:
    """Add the worst items' flags to their cases' `revision_flags` (entries with impact >= case_flag_impact).

    Every case file is merged before any is written, so a case file that is not valid YAML stops the
    run with its name and leaves every case file as it was.
    """
    through = {(s.module, s.cell): s.through for s in stats[stats["level"] == "cell"].itertuples()}
    worst = table[(table["impact"] >= t.case_flag_impact) & (table["case"] != "")]
    merged = {}
    for case, entries in worst.groupby("case"):
        path = _case_file(course, str(case))
        if path is None:
            continue
        flags = [{"date": str(pd.Timestamp(through.get((e.module, e.cell))).date())
                  if pd.notna(through.get((e.module, e.cell), pd.NaT)) else None,
                  "module": e.module, "cell": e.cell or None, "flag": e.flag, "statistic": _plain(e.value)}
                 for e in entries.itertuples()]
        text = path.read_text(encoding="utf-8")
        try:
            new = merge_revision_flags(text, flags)
        except yamlfile.YAMLError as err:
            raise CourseError(f"{path}: not valid YAML ({yamlfile.problem(err)}); fix it (`caseloop cases "
                              "validate` shows where), then run `caseloop revise` again") from None
        if new != text:
            merged[path] = new
    for path, new in merged.items():
        write_atomically(path, new)
    return list(merged)
