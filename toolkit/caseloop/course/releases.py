"""Every released version of a module's test cells, so an earlier release is never taken for tampering.

A trainer may edit a test cell (its comment, its points) and release the module again; trainees
who fetched the earlier release still submit its version of the cell. Grading tells a trainee's
edit from a trainer's by checksum: a submitted test cell is tampered with only if it matches no
release of that cell. `.caseloop/releases/MODULE/NOTEBOOK.json` keeps grade_id -> every released
checksum; `caseloop release` records the release it replaces and the new one, and grading records
the release it finds (so a module released with plain `nbgrader generate_assignment` is covered
from its first grading on).
"""

from __future__ import annotations

import json
from pathlib import Path

from caseloop.files import replacing


def registry_path(root: Path, module: str, notebook: str) -> Path:
    return Path(root) / ".caseloop" / "releases" / module / f"{Path(notebook).stem}.json"


def test_cell_checksums(notebook: Path) -> dict[str, str]:
    """grade_id -> nbgrader's checksum of each test cell of a released notebook."""
    import nbformat
    from nbgrader.utils import compute_checksum, is_grade, is_solution

    checksums = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id and is_grade(cell) and not is_solution(cell):
            checksums[grade_id] = compute_checksum(cell)
    return checksums


def released(root: Path, module: str, notebook: str) -> dict[str, set[str]]:
    """grade_id -> every checksum a release of that test cell had."""
    path = registry_path(root, module, notebook)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): {str(c) for c in v} for k, v in data.items() if isinstance(v, list)} if isinstance(data, dict) \
        else {}


def record(root: Path, module: str, notebook: Path) -> None:
    """Add a released notebook's test-cell checksums to the module's registry (nothing if already there)."""
    if not notebook.is_file():
        return
    known = released(root, module, notebook.name)
    new = test_cell_checksums(notebook)
    if all(checksum in known.get(grade_id, set()) for grade_id, checksum in new.items()):
        return
    for grade_id, checksum in new.items():
        known.setdefault(grade_id, set()).add(checksum)
    path = registry_path(root, module, notebook.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as partial:
        partial.write_text(json.dumps({k: sorted(v) for k, v in sorted(known.items())}, indent=1), encoding="utf-8")
