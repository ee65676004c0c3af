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
        advice = (" nbgrader cannot add or remove graded cells of a module trainees have submitted: release "
                  "the new cells as a module of their own, or undo the change in source/" if "submissions" in reason
                  else "")
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
