"""What simulated trainees write and how they hand it in: answers drawn from each cell's model answer.

Every answer cell of a module is read from its source notebook with its model answer; a simulated
trainee writes the model answer, part of it, a plausible wrong one or nothing, answers the
end-of-module survey, and fetches and submits through nbgrader's own exchange.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from caseloop.author.check import WRONG_REPLY, wrong_answer
from caseloop.course import Course, CourseError
from caseloop.notebook import ANSWER_CELL, fill, model_answer, new_answer_cell, new_test_cell

# Two authoring mistakes planted in the demo workspace (never in the course itself), which the
# revision backlog must rank first: a check whose answer key is reversed, and a question whose
# answer cell was not marked as one, so the model answer ships in the released notebook.
PLANTED_NOTE = "planted by caseloop demo"
SCENARIOS = ["包裹显示已送达但买家说没收到 / tracking says delivered but the buyer says it never arrived",
             "买家要求开具增值税发票 / a buyer asks for a VAT invoice",
             "信用卡拒付 / a credit-card chargeback"]
COMMENTS = ["案例很贴近实际 / the cases feel real", "希望多一些回复练习 / more reply practice, please",
            "政策来源很有用 / the policy sources help"]
@dataclass(frozen=True)
class AnswerCell:
    """One answer cell of a module: its variable, its kind and the model answer from the source."""

    notebook: str
    var: str
    kind: str
    solution: str
    options: tuple[str, ...]


def answer_cells(course: Course, module: str) -> list[AnswerCell]:
    """The answer cells of MODULE's source notebooks, with their model answers (code cells: the model code)."""
    import nbformat

    cells = []
    for path in course.source_notebooks(module):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("caseloop", {})
            if "answer" not in meta:
                continue
            solution = model_answer(cell.source)
            match = ANSWER_CELL.search(cell.source) if meta["answer"] != "code" else None
            var = meta.get("variable") if meta["answer"] == "code" else match and match["var"]
            if not var or solution is None:
                raise CourseError(f"{path}: answer cell {cell.get('id')} is not `name = \"\"\"...\"\"\"` (or a code "
                                  "cell naming its `variable`) with a model answer between the solution markers")
            cells.append(AnswerCell(path.name, var, meta["answer"], solution, tuple(meta.get("options", ()))))
    return cells


def simulated_answer(cell: AnswerCell, variant: str, rng: random.Random) -> str:
    """The text a simulated trainee writes for one cell: correct, partial, wrong or blank.

    A code cell's answer is its whole source: the model code, or for a wrong answer the variable set
    to nothing, as `caseloop author check` writes it.
    """
    if variant == "blank":
        return ""
    if variant == "correct":
        return cell.solution
    if cell.kind == "code":
        return wrong_answer("code", cell.var, cell.solution, list(cell.options))
    if cell.kind == "choice":
        return rng.choice([o for o in cell.options if o != cell.solution.upper()])
    if cell.kind == "number":
        return f"{float(cell.solution) * rng.choice([0.5, 0.75, 1.5]):g}"
    if variant == "partial":
        lines = cell.solution.splitlines()
        keep = sorted(rng.sample(range(len(lines)), k=max(1, len(lines) // 2)))
        return "\n".join(lines[i] for i in keep)
    return WRONG_REPLY


def pick_variant(ability: float, kind: str, rng: random.Random) -> str:
    """Correct with probability `ability`; otherwise partial (replies only), wrong or blank.

    Ability 0 stands for a trainee who submits without answering anything.
    """
    if ability == 0:
        return "blank"
    if rng.random() < ability:
        return "correct"
    misses = ["partial", "partial", "wrong", "blank"] if kind == "reply" else ["wrong", "wrong", "blank"]
    return rng.choice(misses)


def plant_items(course: Course, module: str) -> None:
    """Plant a question with a reversed key and a trivial one after MODULE's last graded cell (first notebook)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell

    path = course.source_notebooks(module)[0]
    nb = nbformat.read(path, as_version=4)
    last = max(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade"))

    def planted(mistake: str, **tags: object) -> dict:
        return {"caseloop": {"planted": f"{PLANTED_NOTE}: {mistake}", **tags}}

    def test_cell(grade_id: str, check: str, case: str, mistake: str):
        return new_test_cell(grade_id, check, 1, **planted(mistake, case=case, competency=["POL"])["caseloop"])

    reversed_key, leaked = "reversed answer key", "answer left in the released notebook"
    cells = [
        new_markdown_cell("**题 11（判断）** FBA 订单的退货由卖家自己审批并发送退货标签。[Ret11]\n\n- A. 对\n- B. 错",
                          metadata=planted(reversed_key)),
        new_answer_cell("fba_returns_c0003", "choice", "B",
                        "在三引号之间填写一个选项字母 / Write one option letter between the triple quotes",
                        **planted(reversed_key, case="C-0003", options=["A", "B"])["caseloop"]),
        test_cell("c0003_fba_returns", 'checks.choice(fba_returns_c0003, correct="A", points=1, options="AB")',
                  "C-0003", reversed_key),
        new_markdown_cell("**题 12（规则）** 买家发来消息后，卖家最迟要在多少小时内回复？[M1]",
                          metadata=planted(leaked)),
        new_code_cell('# 在三引号之间只填写一个数字 / Write one number between the triple quotes\n'
                      'reply_hours_c0001 = """\n24\n"""', metadata=planted(leaked)),
        test_cell("c0001_reply_hours", "checks.number(reply_hours_c0001, expected=24, points=1)", "C-0001", leaked),
    ]
    nb.cells[last + 1:last + 1] = cells
    nbformat.write(nb, path)


def survey_answer(question: str, ability: float, rng: random.Random) -> str:
    """What a simulated trainee writes in one survey cell (ratings lean on how well the module went)."""
    if ability == 0:
        return ""
    if question in {"usefulness", "clarity"}:
        return str(min(5, max(1, round(2.5 + 2.5 * ability + rng.gauss(0, 0.7)))))
    if question == "missing_scenario":
        return rng.choice(SCENARIOS) if rng.random() < 0.25 else ""
    if question == "comment":
        return rng.choice(COMMENTS) if rng.random() < 0.2 else ""
    return f"C-000{rng.randint(1, 7)}" if rng.random() < 0.3 else ""


def submit_answers(course: Course, module: str, trainee: str, answer: Callable[[str, str, dict, str], str | None],
                   truncate_at: int | None = None) -> None:
    """TRAINEE fetches MODULE through the exchange, fills its literal cells and submits it.

    `answer(notebook, variable, tags, released_text)` gives the text of each literal answer cell
    and the whole source of each code answer cell (None leaves it as released); `truncate_at`
    cuts the saved notebooks to that many characters before submitting, as a crashed upload would.
    """
    import nbformat

    home = course.trainee_home(trainee)
    home.mkdir(parents=True, exist_ok=True)
    api = course.nbgrader_api(CourseDirectory={"student_id": trainee}, Exchange={"assignment_dir": str(home)})
    _exchange_call(api.exchange.FetchAssignment, api, module, f"fetch {module} for {trainee}")
    for path in sorted((home / module).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for nb_cell in nb.cells:
            tags = nb_cell.metadata.get("caseloop", {})
            if tags.get("answer") == "code":
                code = answer(path.name, tags.get("variable", ""), tags, nb_cell.source)
                nb_cell.source = nb_cell.source if code is None else code
                continue
            match = ANSWER_CELL.search(nb_cell.source) if nb_cell.cell_type == "code" else None
            text = match and answer(path.name, match["var"], tags, match["body"].strip())
            if text is not None and match:
                nb_cell.source = fill(nb_cell.source, text)
        nbformat.write(nb, path)
        if truncate_at is not None:
            path.write_text(path.read_text(encoding="utf-8")[:truncate_at], encoding="utf-8")
    _exchange_call(api.exchange.Submit, api, module, f"submit {module} for {trainee}")


def _exchange_call(action_class, api, module: str, what: str) -> None:
    """Run one exchange action (fetch, submit) as the trainee the API is configured for."""
    from nbgrader.exchange import ExchangeError

    action = action_class(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
    action.coursedir.assignment_id = module
    try:
        action.start()
    except ExchangeError as err:
        raise CourseError(f"nbgrader exchange could not {what}: {err}") from None
