"""Release stage: turn a source module into the trainee version and publish it, through nbgrader.

`nbgrader generate_assignment` strips solutions and hidden tests into release/<module>/, and
`nbgrader release_assignment` copies that into the exchange, where trainees fetch it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from caseloop.course import Course, CourseError


def _require_success(result: dict, action: str, module: str) -> None:
    """Turn a failed nbgrader API call into a CourseError that shows nbgrader's own reason."""
    if result.get("success"):
        return
    raise CourseError(f"nbgrader could not {action} {module}: {nbgrader_reason(result)}")


def nbgrader_reason(result: dict) -> str:
    """The most specific line of a failed nbgrader API call: its innermost exception, else its last error."""
    lines = [line.strip() for line in (result.get("log", "") + "\n" + result.get("error", "")).splitlines()]
    exceptions = [line for line in lines if re.match(r"^[\w.]*(Error|Exception|Invalid\w*): ", line)
                  and "Please see the" not in line]
    errors = [line for line in lines if line.startswith("[ERROR]") and "Please see the" not in line]
    return (exceptions or errors or ["unknown error; run with --debug for nbgrader's log"])[-1]


def _kind(graded: bool, answer: bool, task: bool) -> str:
    """How a message names one of the cells nbgrader tracks."""
    return "task" if task else {(True, True): "graded answer", (True, False): "graded", (False, True): "answer",
                                (False, False): "locked"}[(graded, answer)]


def changed_cells(course: Course, module: str) -> dict[str, dict[str, list[str]]]:
    """Per source notebook of MODULE that trainees have submitted: the cells nbgrader tracks (graded, answer,
    task, locked) added, removed or of another kind since the gradebook recorded them."""
    import nbformat
    from nbgrader import utils
    from nbgrader.api import MissingEntry

    from caseloop.course import gradebook

    changes = {}
    with gradebook.opened(course) as book:
        for path in course.source_notebooks(module):
            try:
                recorded = book.find_notebook(path.stem, module)
            except MissingEntry:
                continue
            if not recorded.submissions:
                continue
            cells = [cell for cell in nbformat.read(path, as_version=4).cells if "grade_id" in
                     cell.metadata.get("nbgrader", {}) and (utils.is_grade(cell) or utils.is_solution(cell)
                                                            or utils.is_task(cell) or utils.is_locked(cell))]
            now = {cell.metadata["nbgrader"]["grade_id"]: _kind(utils.is_grade(cell), utils.is_solution(cell),
                                                                 utils.is_task(cell)) for cell in cells}
            sets = [{cell.name for cell in getattr(recorded, table)}
                    for table in ("grade_cells", "solution_cells", "task_cells")]
            then = {cell.name: _kind(*(cell.name in names for names in sets)) for cell in recorded.source_cells}
            change = {"added": [f"{name} ({now[name]})" for name in now if name not in then],
                      "removed": [f"{name} ({then[name]})" for name in sorted(then) if name not in now],
                      "changed kind": [f"{name} ({then[name]} → {now[name]})" for name in now
                                       if name in then and then[name] != now[name]]}
            if any(change.values()):
                changes[str(path)] = change
    return changes


def submitted_change_advice(course: Course, module: str) -> str:
    """Which cells changed in a module trainees have submitted, and the two ways to release the change."""
    lines = [" Trainees have submitted it, so nbgrader keeps its set of graded, answer, task and locked cells "
             "as released. Changed since then:"]
    for path, change in changed_cells(course, module).items():
        lines.append(f"  {path}:")
        lines += [f"    {how}: {', '.join(names)}" for how, names in change.items() if names]
    lines += ["Two ways work:",
              f"  1. edit in place: keep every cell id as released (take the added cells out, put removed ones "
              f"back with the same grade id); changing text, tests and points inside them is fine; then "
              f"`caseloop release {module} --force`",
              f"  2. a new version: `caseloop author new {module}v2 --copy-of {module}` copies source/{module} with "
              f"your change, `git restore source/{module}` puts {module} back as trainees submitted it (their "
              f"grades and attempts stay under {module}), then `caseloop release {module}v2`"]
    return "\n".join(lines)


def generate(course: Course, module: str) -> list[Path]:
    """Write the trainee version of MODULE into release/<module>/ and return its notebooks."""
    if not course.source_notebooks(module):
        raise CourseError(f"{course.source_dir / module}: no notebooks to release; add the module's .ipynb files")
    from nbgrader.converters import GenerateAssignment

    from caseloop.course import releases
    from caseloop.nbgrader_ext.sanitize import StripTrainerNotes

    for earlier in sorted((course.release_dir / module).glob("*.ipynb")):  # trainees may still submit it
        releases.record(course.root, module, earlier)
    steps = [*GenerateAssignment.class_traits()["preprocessors"].default(), StripTrainerNotes]
    api = course.nbgrader_api(GenerateAssignment={"preprocessors": steps})
    folder = course.release_dir / module
    kept = course.state_dir / "release-before" / module
    if kept.exists():
        shutil.rmtree(kept)
    if folder.is_dir():  # nbgrader empties the folder first; it is put back if generating fails
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, kept)
    result = api.generate_assignment(module, force=True)
    if not result.get("success"):
        if kept.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(kept, folder)
        reason = nbgrader_reason(result)
        advice = submitted_change_advice(course, module) if "submissions" in reason else ""
        raise CourseError(f"nbgrader could not generate the trainee version of {module}: {reason}; "
                          f"{folder} is unchanged.{advice}")
    shutil.rmtree(kept, ignore_errors=True)
    notebooks = sorted(folder.glob("*.ipynb"))
    for notebook in notebooks:
        releases.record(course.root, module, notebook)
    return notebooks


def release(course: Course, module: str, force: bool = False) -> list[Path]:
    """Generate MODULE's trainee version and publish it to the exchange for trainees to fetch.

    A module already in the exchange is only replaced with `force`, because trainees who fetched
    the old version keep working on it.
    """
    notebooks = generate(course, module)
    api = course.nbgrader_api(ExchangeReleaseAssignment={"force": force})
    _require_success(api.release_assignment(module), "release", module)
    return notebooks
