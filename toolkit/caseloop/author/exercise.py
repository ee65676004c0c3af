"""`caseloop author exercise`: an exercise generated from an approved case, appended to a module.

The exercise is a scenario, a root-cause choice and a reply, each graded and tagged with its
competency and case; the reply's model answer is the case's own reply template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from caseloop.course import Course, CourseError, replacing
from caseloop.languages import language_name
from caseloop.notebook import new_answer_cell, new_test_cell


def _root_cause_options(case: dict) -> tuple[list[str], str]:
    """Four root-cause categories, the case's own among them at a place fixed by the case id."""
    import random

    from caseloop.cases import ROOT_CAUSES

    correct = case["root_cause_category"]
    rng = random.Random(case["id"])
    options = rng.sample([code for code in ROOT_CAUSES if code != correct], 3)
    options.insert(rng.randrange(4), correct)
    return options, "ABCD"[options.index(correct)]


def _reply_rubric(template: str, buyer_name: str, language: str) -> tuple[str, ...]:
    """The rubric elements the case's own reply meets: the bar the exercise sets for a trainee's reply."""
    import contextlib
    import io

    from caseloop import checks

    with contextlib.redirect_stdout(io.StringIO()):
        score = checks.reply(template, points=1, buyer_name=buyer_name, language=language)
    return tuple(f.code for f in score.findings if f.ok and f.code in checks.DEFAULT_RUBRIC)


def exercise_cells(case: dict, points: int = 3, also: tuple[str, ...] = ()) -> list[Any]:
    """The cells of one exercise built on a case: scenario, a root-cause choice and a reply, each graded.

    The reply trains COM (and XCC when it is not in English) and the competencies in `also`, such as POL for a
    reply that applies a platform rule or EMO for one to an angry buyer: where the module puts the situation.
    """
    import nbformat.v4 as nbf

    from caseloop.cases import MARKETS, PROBLEM_TYPES, ROOT_CAUSES

    suffix = case["id"].replace("-", "").lower()
    language = case.get("language", "en")
    quoted = "\n".join(f"> {line}" for line in case["buyer_message"].strip().splitlines())
    sources = "\n".join(f"- {source}" for source in case.get("policy_sources", [])) or "- （本案例无平台规则依据）"
    options, correct = _root_cause_options(case)
    option_lines = "\n".join(f"- {letter}. {ROOT_CAUSES[code][0]} / {ROOT_CAUSES[code][1]}"
                             for letter, code in zip("ABCD", options, strict=True))
    rubric = _reply_rubric(case["reply_template"], case["buyer_name"], language)

    scenario = nbf.new_markdown_cell(
        f"## 案例 {case['id']} · {MARKETS.get(case['market'], (case['market'],))[0]} · "
        f"{PROBLEM_TYPES[case['problem_type']][0]}\n\n"
        f"**订单** {case['order_id']}（已脱敏） · **配送方式** {case['fulfilment']} · "
        f"**产品线** {case['product_line']} · **日期** {case['date']}\n\n"
        f"买家 **{case['buyer_name']}** 的消息 / Buyer's message:\n\n{quoted}\n\n"
        f"**政策依据 / Policy sources**\n\n{sources}")
    scenario["id"] = f"{suffix}-scenario"
    cause_question = nbf.new_markdown_cell(f"**诊断** 这个问题的根本原因属于哪一类？\n\n{option_lines}")
    cause_question["id"] = f"{suffix}-cause-question"
    reply_question = nbf.new_markdown_cell(
        f"**回复** 用{language_name(language)[0]}给 {case['buyer_name']} 写回复：称呼姓名、认可感受、"
        "道歉、给出具体方案和时间、礼貌结尾。不要留邮箱、电话或站外链接，不要索要或交换评价。")
    reply_question["id"] = f"{suffix}-reply-question"
    return [
        scenario,
        cause_question,
        new_answer_cell(f"root_cause_{suffix}", "choice", correct,
                        "在三引号之间填写一个选项字母 / Write one option letter between the triple quotes",
                        case=case["id"], options=list("ABCD")),
        new_test_cell(f"{suffix}_root_cause", f'checks.choice(root_cause_{suffix}, correct="{correct}", points=1)', 1,
                      competency=["DIA"], case=case["id"]),
        reply_question,
        new_answer_cell(f"reply_{suffix}", "reply", case["reply_template"],
                        "在三引号之间写出你给买家的回复 / Write your reply to the buyer between the triple quotes",
                        case=case["id"], buyer_name=case["buyer_name"], language=language),
        new_test_cell(f"{suffix}_reply", f"checks.reply(reply_{suffix}, points={points}, case={case['id']!r}, "
                                         f"require={rubric!r})", points,
                      competency=list(dict.fromkeys(["COM", *(["XCC"] if language != "en" else []), *also])),
                      case=case["id"]),
    ]


def approved_case(course: Course, case_id: str) -> dict:
    """The case an exercise is built on; only an approved case of the library will do."""
    from caseloop.cases import Library

    case = Library.load(course.cases_dir, skip_invalid=True).case(case_id)
    if case.get("review", {}).get("state") != "approved":
        raise CourseError(f"{course.cases_dir / (case_id + '.yaml')}: the case is not approved; review it first "
                          f"(caseloop cases review {case_id} --approve --reviewer YOUR_NAME)")
    if not (case.get("reply") or {}).get("must"):
        raise CourseError(f"{course.cases_dir / (case_id + '.yaml')}: the case has no `reply: must:` items, so the "
                          "exercise's reply check could not judge a reply against it; say what a correct reply must "
                          "do for this buyer (see README, 'How replies are graded')")
    return case


def add_exercise(course: Course, case_id: str, module: str, points: int = 3,
                 also: tuple[str, ...] = ()) -> tuple[Path, list[str]]:
    """Append an exercise built on CASE_ID to MODULE's notebook, before its self-check and survey.

    Returns the notebook and the new graded cell ids. Only approved cases become exercises, and a
    module gets at most one generated exercise per case; `also` names the competencies of the
    curriculum the reply trains besides COM (and XCC).
    """
    import nbformat

    known = course.curriculum().competencies
    unknown = [code for code in also if code not in known]
    if unknown:
        raise CourseError(f"{course.curriculum_path}: no competency {', '.join(unknown)}; use one of "
                          f"{', '.join(known)}")
    case = approved_case(course, case_id)
    notebooks = course.source_notebooks(module)
    if len(notebooks) != 1:
        raise CourseError(f"{course.source_dir / module}: needs exactly one notebook to append to, found "
                          f"{len(notebooks)}; create the module first (caseloop author new {module} --title ...)")
    path = notebooks[0]
    nb = nbformat.read(path, as_version=4)
    cells = exercise_cells(case, points, also)
    existing = {cell.get("id") for cell in nb.cells}
    clash = [cell["id"] for cell in cells if cell["id"] in existing]
    if clash:
        raise CourseError(f"{path}: already has an exercise on {case_id} (cells {', '.join(clash)}); "
                          "edit that one instead")
    closing = {"selfcheck", "survey"}
    end = next((i for i, cell in enumerate(nb.cells) if closing & set(cell.metadata.get("caseloop", {}))),
               len(nb.cells))
    while end > 0 and nb.cells[end - 1].cell_type == "markdown" and "问卷" in nb.cells[end - 1].source:
        end -= 1
    nb.cells[end:end] = cells
    nbformat.validate(nb)
    with replacing(path) as partial:
        nbformat.write(nb, partial)
    graded = [cell.id for cell in cells if cell.metadata.get("nbgrader", {}).get("grade")]
    return path, graded
