"""`caseloop author new`: a module that lints from the first minute, its curriculum entry beside it.

The notebook holds the intro with the answer-format note every module gives trainees, one
exercise per case (the cells `caseloop author exercise` builds), the self-check and the survey;
the module is added to the module order in source/curriculum.yaml as one new line.
With `copy_of`, the new module is a new version of an earlier one: a copy of its folder, released
under its own id, so the earlier module keeps its submissions, grades and attempts; its curriculum
entry says `version_of`, so reports and gates count a trainee's latest submission to either.
"""

from __future__ import annotations

import re
from pathlib import Path

from caseloop import yamlfile
from caseloop.author.exercise import approved_case, exercise_cells
from caseloop.course import Course, CourseError, write_atomically
from caseloop.notebook import closing_cells

MODULE_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
ANSWER_FORMAT_NOTE = ("**怎么作答**：每道题下面有一个答案单元，把答案写在三引号 `\"\"\"` 之间"
                      "（一个字母、一个数字或一封回复），然后运行该单元。"
                      "不要修改标有「自动评分」的单元。提交前用菜单 *Validate* 检查一遍。\n\n"
                      "**How to answer**: under each question is an answer cell; write your answer between the triple "
                      "quotes `\"\"\"` (a letter, a number or a reply) and run the cell. Do not edit the cells marked "
                      "\"auto-graded\". Before you submit, run *Validate* from the menu.")


def module_notebook(module: str, title_zh: str, title_en: str, cases: list[dict]) -> object:
    """The new module's notebook: intro and answer-format note, one exercise per case, self-check and survey."""
    import nbformat.v4 as nbf

    intro = nbf.new_markdown_cell(
        f"# {module} {title_zh} / {title_en}\n\n"
        "（写给学员：本模块学什么、为什么重要、依据哪些平台规则。/ For trainees: what this module teaches, why it "
        f"matters, which platform rules it rests on.）\n\n{ANSWER_FORMAT_NOTE}")
    intro["id"] = f"{module}-intro"
    cells = [intro, *(cell for case in cases for cell in exercise_cells(case)), *closing_cells(module)]
    return nbf.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})


def add_to_curriculum(path: Path, module: str, title_zh: str, title_en: str, version_of: str | None = None) -> bool:
    """Append the module (a version of `version_of`, if given) to the curriculum's `modules:` list as one new line,
    every other line kept; False if it is there already."""
    try:
        text = path.read_text(encoding="utf-8")
        modules = yamlfile.loads(text).data.get("modules")
        if any(isinstance(entry, dict) and entry.get("id") == module for entry in modules):
            return False
        entry = {"id": module, "zh": title_zh, "en": title_en, **({"version_of": version_of} if version_of else {})}
        edited = yamlfile.append_line(text, "modules", entry)
    except FileNotFoundError:
        raise CourseError(f"{path}: no curriculum file; create it first (see README, 'The course directory')") \
            from None
    except yamlfile.YAMLError as err:
        raise CourseError(f"{path}: not valid YAML ({yamlfile.problem(err)}); fix it, then run the command again") \
            from None
    except (ValueError, AttributeError, TypeError):
        raise CourseError(f"{path}: no `modules:` list to add {module} to; add one (see source/curriculum.yaml)") \
            from None
    write_atomically(path, edited)
    return True


def new_module(course: Course, module: str, title_zh: str | None = None, title_en: str | None = None,
               case_ids: list[str] = (), notebook: str | None = None, copy_of: str | None = None) -> Path:
    """Create source/MODULE (a new notebook, or with `copy_of` a copy of that module's folder) and its
    curriculum entry; nothing is written if anything is wrong. Returns the new module's folder."""
    import shutil

    import nbformat

    if not MODULE_ID.match(module):
        raise CourseError(f"{module!r}: a module id is lower-case letters, digits, '-' or '_', starting with a letter "
                          "(e.g. m09)")
    folder = course.source_dir / module
    if folder.exists():
        raise CourseError(f"{folder}: already exists; pick a new module id, or add exercises to it with "
                          f"`caseloop author exercise --case C-NNNN --module {module}`")
    curriculum = course.curriculum()  # a broken curriculum stops here, before anything is written
    revises = earlier = None
    if copy_of is not None:
        if case_ids or notebook:
            raise CourseError("--copy-of copies a module as it is; add exercises afterwards with `caseloop author "
                              "exercise`")
        course.source_notebooks(copy_of)  # an unknown module is an error naming the known ones
        revises = curriculum.module_of(copy_of)
        earlier = next((m for m in curriculum.modules if m.id == revises), None)
        title_zh = title_zh or (earlier.zh if earlier else None)
        title_en = title_en or (earlier.en if earlier else None)
    if not title_zh:
        raise CourseError(f"{module}: give the module a title (--title)")
    if copy_of is not None:
        shutil.copytree(course.source_dir / copy_of, folder)
    else:
        cases = [approved_case(course, case_id) for case_id in case_ids]
        nb = module_notebook(module, title_zh, title_en or title_zh, cases)
        nbformat.validate(nb)
        folder.mkdir(parents=True)
        write_atomically(folder / f"{notebook or module}.ipynb", nbformat.writes(nb) + "\n")
    add_to_curriculum(course.curriculum_path, module, title_zh, title_en or title_zh,
                      revises if earlier is not None else None)
    return folder
