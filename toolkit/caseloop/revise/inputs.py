"""What revise reads beyond the compiled tables: failure texts, the trainees chosen, the revision cuts."""

from __future__ import annotations

import fnmatch

import pandas as pd

from caseloop.course import Course


def failure_messages(course: Course) -> dict[tuple[str, str, str], str]:
    """(module, cell, failed-check code) -> the feedback line the check printed for it in the autograded notebooks.

    Only codes whose message is the same for every trainee are kept (a message that quotes the
    trainee's answer would count as many reasons).
    """
    import nbformat

    seen: dict[tuple[str, str, str], set[str]] = {}
    for path in sorted(course.autograded_dir.glob("*/*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if not cell.metadata.get("nbgrader", {}).get("grade") or cell.cell_type != "code":
                continue
            printed = [line[2:].strip() for output in cell.outputs if output.get("output_type") == "stream"
                       for line in output.get("text", "").splitlines() if line.startswith("✗ ")]
            failed = [code for output in cell.outputs
                      for code in (output.get("data", {}).get("application/json") or {}).get("failed", [])]
            for code, message in zip(failed, printed, strict=False):
                seen.setdefault((path.parent.name, grade_id, code), set()).add(message)
    return {key: next(iter(messages)) for key, messages in seen.items() if len(messages) == 1}


# -- statistics (pure) --------------------------------------------------------------------------


def select_trainees(grades: pd.DataFrame, patterns: list[str] | None) -> pd.DataFrame:
    """Only the trainees whose id matches one of the glob patterns (all trainees when none are given)."""
    if not patterns:
        return grades
    keep = grades["trainee"].map(lambda t: any(fnmatch.fnmatchcase(str(t), p) for p in patterns))
    return grades[keep]


def revision_cuts(items: pd.DataFrame) -> pd.DataFrame:
    """Per item: `since` (count only submissions after it) and `before` (the statistics of the last revision)."""
    since, before = [], []
    for item in items.itertuples():
        stored = item.stored or {}
        if stored and stored.get("revision") != item.revision:
            since.append(stored.get("through"))
            before.append(stored)
        else:
            since.append(stored.get("since"))
            before.append(item.history[-1] if item.history else None)
    return items.assign(since=pd.to_datetime(pd.Series(since, index=items.index, dtype=object), utc=True),
                        before=before)
