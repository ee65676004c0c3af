"""What revise reads: the graded items of the source notebooks, submitted answers, failure texts."""

from __future__ import annotations

import fnmatch
import hashlib
from typing import Any

import pandas as pd

from caseloop.course import Course
from caseloop.notebook import ANSWER_CELL


def _fingerprint(sources: list[str]) -> str:
    return hashlib.sha256("\n\x00".join(sources).encode("utf-8")).hexdigest()[:12]


def source_items(course: Course) -> pd.DataFrame:
    """Every graded cell of the source notebooks with its revision fingerprint, paired answer cell and stored stats.

    The cells between one graded cell and the previous one (the question, the answer cell) belong
    to it; a change to any of them is a revision of the item.
    """
    import nbformat

    rows = []
    for path in sorted(course.source_dir.glob("*/*.ipynb")):
        question: list[Any] = []
        for cell in nbformat.read(path, as_version=4).cells:
            question.append(cell)
            grading = cell.metadata.get("nbgrader", {})
            if not grading.get("grade") and not grading.get("task"):
                continue
            answer = next((c for c in reversed(question) if "answer" in c.metadata.get("caseloop", {})), None)
            tags = cell.metadata.get("caseloop", {})
            rows.append({"module": path.parent.name, "notebook": path.stem, "cell": grading["grade_id"],
                         "revision": _fingerprint([c.source for c in question]),
                         "must_know": bool(tags.get("must_know")),
                         "answer_cell": answer.metadata["nbgrader"].get("grade_id") if answer else None,
                         "options": tuple(answer.metadata["caseloop"].get("options", ())) if answer else (),
                         "stored": tags.get("stats"), "history": tags.get("stats_history", [])})
            question = []
    return pd.DataFrame(rows, columns=["module", "notebook", "cell", "revision", "must_know", "answer_cell",
                                       "options", "stored", "history"])


def submitted_answers(course: Course) -> pd.DataFrame:
    """What each trainee wrote in answer and survey cells, read from the autograded notebooks.

    `field` is the answer cell's grade id, or `survey:<question>` for survey cells.
    """
    import nbformat

    rows = []
    for path in sorted(course.autograded_dir.glob("*/*/*.ipynb")):
        trainee, module = path.parent.parent.name, path.parent.name
        for cell in nbformat.read(path, as_version=4).cells:
            tags = cell.metadata.get("caseloop", {})
            if cell.cell_type != "code":
                continue
            if "survey" in tags:
                name = f"survey:{tags['survey']}"
            elif "answer" in tags:
                name = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            else:
                continue
            match = ANSWER_CELL.search(cell.source)
            rows.append({"trainee": trainee, "module": module, "notebook": path.stem, "field": name,
                         "text": match["body"].strip() if match else ""})
    return pd.DataFrame(rows, columns=["trainee", "module", "notebook", "field", "text"])


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
