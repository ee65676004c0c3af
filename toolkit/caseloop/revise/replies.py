"""What revise reads about reply exercises: the language each reply test cell scores.

Agreement with mentors is reported per language of the buyer, because the reply checks and the
mentors' judgement of cultural fit differ between markets.
"""

from __future__ import annotations

import ast

from caseloop.analysis.agreement import DEFAULT_LANGUAGE
from caseloop.course import Course
from caseloop.notebook import answer_kind, answer_variable, call_argument, check_calls, grade_id, reply_tests, tags


def reply_languages(course: Course) -> dict[tuple[str, str, str], str]:
    """(module, notebook, reply test cell) -> the language of the reply it scores, for every source notebook.

    The language is the `caseloop.language` metadata of the answer cell whose variable the test
    cell's `checks.reply(...)` scores (en when the cell names none).
    """
    import nbformat

    languages = {}
    for path in sorted(course.source_dir.glob("*/*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        written = {answer_variable(cell): tags(cell).get("language", DEFAULT_LANGUAGE) for cell in cells
                   if answer_kind(cell) == "reply"}
        for test in reply_tests(cells):
            call = next(call for call in check_calls(test.source) if call.func.attr == "reply")
            text = call_argument(call, "text", 0)
            variable = text.id if isinstance(text, ast.Name) else ""
            languages[path.parent.name, path.stem, grade_id(test)] = written.get(variable, DEFAULT_LANGUAGE)
    return languages
