"""Compile stage: the nbgrader gradebook as one tidy grade table.

One row per trainee x module x graded cell x attempt, with the cell's competency codes and case
id joined from the source notebook's `caseloop` cell metadata, and the failure reasons that the
checks printed into the autograded notebook. Columns are documented in `GRADE_COLUMNS`.

nbgrader keeps only a trainee's latest submission. The compiled table keeps history: a
submission with a new timestamp is appended as the next attempt, while recompiling the same
submission replaces its rows (a regrade, or a mentor's manual score).

The notebooks' own tables come from here too: every graded item of the source notebooks with its
revision fingerprint (`source_items`), and what trainees wrote in the autograded ones (`submitted_answers`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pandas as pd

from caseloop.course import Course, CourseError, replacing
from caseloop.notebook import ANSWER_CELL
from caseloop.schemas import read_yaml

GRADE_COLUMNS = {
    "trainee": "nbgrader student id",
    "module": "module (nbgrader assignment) id",
    "notebook": "notebook name without .ipynb",
    "cell": "graded cell id (nbgrader grade_id)",
    "competency": "competency codes of the cell, ';'-separated",
    "case": "case id the cell is built on",
    "score": "points awarded (manual score when a mentor gave one, else the autograde; empty until either)",
    "max_score": "points available",
    "auto_score": "points from the autograder",
    "manual_score": "points from a mentor, empty when none",
    "needs_manual_grade": "True while a mentor still has to grade the cell",
    "comment": "the mentor's comment on the cell in the formgrader, empty when none",
    "failures": "codes of the checks the answer failed, ';'-separated",
    "submitted_at": "submission timestamp (UTC)",
    "attempt": "1 for the first submission compiled, then 2, 3 ...",
}
ITEM_COLUMNS = ["module", "notebook", "cell", "competency", "case", "points", "rubric", "reviews", "title"]
TITLE_LENGTH = 60  # characters of an exercise's question kept as the item's name on reports
ADDED_COLUMNS = {"comment": ""}  # columns newer than some stored grade tables: column -> value for old rows
KEY = ["trainee", "module", "notebook", "cell", "submitted_at"]


COMPETENCY_MAP_FILE = "competency-map.yaml"


def competency_map(course: Course) -> dict[tuple[str, str, str], dict]:
    """(module, notebook, cell) -> {competency, case} from source/competency-map.yaml, if the course has one.

    The map tags the graded cells of a course written without caseloop metadata (module ->
    notebook -> cell -> {competency: [codes], case: id}, caseloop/schemas/competency_map.schema.json);
    cell metadata wins where both exist.
    """
    path = course.source_dir / COMPETENCY_MAP_FILE
    if not path.is_file():
        return {}
    data = read_yaml(path, "competency_map", empty={}).data
    return {(module, notebook, cell): tags for module, notebooks in data.items()
            for notebook, cells in notebooks.items() for cell, tags in cells.items()}


def item_table(course: Course) -> pd.DataFrame:
    """Every graded cell (and nbgrader task) of every source module, with its competency codes and case id.

    A mentor rubric cell (see `caseloop.author.rubric`) also names its criterion (`rubric`) and the
    reply test cell it reviews (`reviews`); both are empty for other cells.

    A graded cell without both tags, in its metadata or in the competency map, cannot be traced to
    a competency and a case, so it stops the compile with the file and cell named.
    """
    import nbformat

    mapped = competency_map(course)
    rows = []
    for path in sorted(course.source_dir.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        question = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown" and cell.source.strip():
                question = cell.source
            grading = cell.metadata.get("nbgrader", {})
            if not grading.get("grade") and not grading.get("task"):
                continue
            tags = cell.metadata.get("caseloop", {})
            if not tags.get("competency") or not tags.get("case"):
                tags = mapped.get((path.parent.name, path.stem, grading.get("grade_id")), tags)
            if not tags.get("competency") or not tags.get("case"):
                raise CourseError(f"{path}: graded cell {grading.get('grade_id')} has no caseloop competency/case "
                                  "metadata; add {\"caseloop\": {\"competency\": [...], \"case\": \"C-...\"}} "
                                  f"or an entry in source/{COMPETENCY_MAP_FILE}")
            rows.append({"module": path.parent.name, "notebook": path.stem, "cell": grading["grade_id"],
                         "competency": ";".join(tags["competency"]), "case": tags["case"],
                         "points": float(grading.get("points", 0)), "rubric": tags.get("rubric", ""),
                         "reviews": tags.get("reviews", ""), "title": exercise_title(question)})
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def exercise_title(markdown: str) -> str:
    """An item's name on reports: the first line of the question above it, without markdown marks."""
    line = markdown.strip().splitlines()[0] if markdown.strip() else ""
    line = re.sub(r"^#+\s*|\*\*|__|`", "", line).strip()
    return line if len(line) <= TITLE_LENGTH else line[:TITLE_LENGTH - 1] + "…"


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


def gradebook_table(course: Course) -> pd.DataFrame:
    """Every graded cell of every submission in the gradebook, as nbgrader scored it, with the mentor's comment."""
    from caseloop.course import gradebook as store

    rows = []
    with store.opened(course) as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    comments = {c.name: c.manual_comment or "" for c in notebook.comments}
                    for grade in notebook.grades:
                        rows.append({
                            "trainee": submission.student.id, "module": assignment.name,
                            "notebook": notebook.name, "cell": grade.name,
                            "score": _awarded(grade), "max_score": grade.max_score,
                            "auto_score": grade.auto_score, "manual_score": grade.manual_score,
                            "needs_manual_grade": bool(grade.needs_manual_grade),
                            "comment": comments.get(grade.name, ""),
                            "submitted_at": pd.Timestamp(submission.timestamp) if submission.timestamp else pd.NaT,
                        })
    return pd.DataFrame(rows, columns=["trainee", "module", "notebook", "cell", "score", "max_score", "auto_score",
                                       "manual_score", "needs_manual_grade", "comment", "submitted_at"])


def history_table(course: Course) -> pd.DataFrame:
    """Grades of earlier submissions that a later one replaced in the gradebook (reports/grade-history.csv)."""
    from caseloop.course.gradebook import HISTORY_COLUMNS, history_path

    path = history_path(course)
    if not path.is_file():
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    table = pd.read_csv(path, dtype={"trainee": str, "comment": str}, keep_default_na=False,
                        na_values={c: [""] for c in ("score", "max_score", "auto_score", "manual_score")})
    table["needs_manual_grade"] = table["needs_manual_grade"].astype(str).eq("True")
    table["submitted_at"] = pd.to_datetime(table["submitted_at"])
    return table[HISTORY_COLUMNS]


def _awarded(grade: Any) -> float | None:
    """The points of a grade; None while neither the autograder nor a mentor has scored it (nbgrader says 0)."""
    return None if grade.manual_score is None and grade.auto_score is None else grade.score


def failure_reasons(course: Course) -> pd.DataFrame:
    """The failed-check codes each graded cell reported in the autograded notebooks."""
    import nbformat

    rows = []
    for path in sorted(course.autograded_dir.glob("*/*/*.ipynb")):
        trainee, module = path.parent.parent.name, path.parent.name
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if not cell.metadata.get("nbgrader", {}).get("grade") or cell.cell_type != "code":
                continue
            rows.append({"trainee": trainee, "module": module, "notebook": path.stem, "cell": grade_id,
                         "failures": ";".join(_failed_codes(cell.outputs))})
    return pd.DataFrame(rows, columns=["trainee", "module", "notebook", "cell", "failures"])


def _failed_codes(outputs: list) -> list[str]:
    """Failed-check codes from a test cell's outputs; an error output is a failure in itself."""
    codes = []
    for output in outputs:
        if output.get("output_type") == "error":
            codes.append(f"error:{output.get('ename', 'Error')}")
        data = output.get("data", {}).get("application/json")
        if isinstance(data, dict) and data.get("caseloop_score"):
            codes.extend(data.get("failed", []))
    return codes


def compile_grades(course: Course, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """The tidy grade table: gradebook grades joined with item tags and failure reasons.

    `previous` is the table compiled before; its attempts are kept and numbered on.
    """
    grades = gradebook_table(course)
    grades = grades.merge(failure_reasons(course), on=["trainee", "module", "notebook", "cell"], how="left")
    earlier = history_table(course)
    if not earlier.empty:  # the autograded notebooks show the latest submission only: no failures for these
        grades = pd.concat([earlier.assign(failures=""), grades], ignore_index=True)
    items = item_table(course)
    grades = grades.merge(items[["module", "notebook", "cell", "competency", "case"]],
                          on=["module", "notebook", "cell"], how="left", validate="many_to_one")
    untagged = grades[grades["competency"].isna()]
    if not untagged.empty:
        first = untagged.iloc[0]
        raise CourseError(f"gradebook has grades for {first['module']}/{first['notebook']} cell {first['cell']}, "
                          f"which is not a graded cell of source/{first['module']}; restore the cell or "
                          "release the module again")
    grades["failures"] = grades["failures"].fillna("")
    return number_attempts(grades, previous)


def number_attempts(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Merge the current gradebook rows into the history, numbering submissions per trainee and cell."""
    frames = [current]
    if previous is not None and not previous.empty:
        frames.insert(0, previous.drop(columns=["attempt"], errors="ignore"))
    merged = pd.concat(frames, ignore_index=True)
    merged["submitted_at"] = pd.to_datetime(merged["submitted_at"])
    merged = merged.drop_duplicates(KEY, keep="last").sort_values(KEY, ignore_index=True)
    merged["attempt"] = merged.groupby(["trainee", "module", "notebook", "cell"]).cumcount() + 1
    return merged[list(GRADE_COLUMNS)]


def require_grades(grades: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The grade table, or a CourseError saying what to run when it holds no grade yet."""
    if grades.empty:
        raise CourseError(f"{path}: no grades yet; grade a module and run `caseloop compile` first")
    return grades


def read_grades(path: Path) -> pd.DataFrame:
    """A grade table written by `write_grades`, with its types restored."""
    try:
        table = pd.read_csv(path, dtype={"trainee": str, "case": str, "failures": str, "competency": str,
                                         "comment": str},
                            keep_default_na=False,
                            na_values={column: [""] for column in ("score", "auto_score", "manual_score",
                                                                   "submitted_at")})
    except FileNotFoundError:
        raise CourseError(f"{path}: no compiled grades; run `caseloop compile` first") from None
    for column, value in ADDED_COLUMNS.items():
        if column not in table.columns:
            table.insert(list(GRADE_COLUMNS).index(column), column, value)
    missing = set(GRADE_COLUMNS) - set(table.columns)
    if missing:
        raise CourseError(f"{path}: not a caseloop grade table (missing columns {sorted(missing)}); "
                          "run `caseloop compile` to rebuild it")
    table["submitted_at"] = pd.to_datetime(table["submitted_at"])
    table["needs_manual_grade"] = table["needs_manual_grade"].astype(str).eq("True")
    return table


def write_grades(table: pd.DataFrame, path: Path) -> Path:
    """Write the grade table as CSV, atomically, so an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as partial:
        table.to_csv(partial, index=False)
    return path


def compile_course(course: Course) -> tuple[pd.DataFrame, Path]:
    """Compile the course's gradebook into reports/grades.csv, keeping earlier attempts."""
    path = course.reports_dir / "grades.csv"
    previous = read_grades(path) if path.is_file() else None
    table = compile_grades(course, previous)
    return table, write_grades(table, path)
