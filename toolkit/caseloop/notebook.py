"""The grammar of a caseloop notebook: answer cells, test cells, nbgrader's markers, helper cells.

Every stage that reads or writes module cells (author, grade, selfcheck, revise, review, the demo)
asks this module, so the rule of which variable an answer cell sets, where a model answer or a
hidden test sits, and which cells only the trainee runs is written once.

- An **answer cell** carries `{"caseloop": {"answer": KIND}}` and reads `name = \"\"\"` + the answer +
  `\"\"\"`; in a source notebook the model answer sits between nbgrader's solution markers.
- A **test cell** is an autograded nbgrader cell whose hidden tests call `checks.<check>(...)`.
- **Helper cells** (self-check, survey) are for the trainee only and never run while grading.
"""

from __future__ import annotations

import ast
import re
from typing import Any

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TEST_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
MARKERS = (SOLUTION_MARKERS, HIDDEN_TEST_MARKERS)
# A line with one of nbgrader's solution markers. Dropping the marker lines turns a source answer
# cell into the solved cell a trainee would write, and lets a trainer run the source notebook as is.
SOLUTION_LINE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(?P<text>.*?)\n### END SOLUTION", re.DOTALL)
HIDDEN_TESTS = re.compile(r"### BEGIN HIDDEN TESTS\n(?P<body>.*?)### END HIDDEN TESTS", re.DOTALL)
# An answer cell: `name = """` + the answer + `"""`; trainees write between the triple quotes.
ANSWER_CELL = re.compile(r'^(?P<head>.*?^(?P<var>\w+) = """\n)(?P<body>.*?)(?P<tail>\n"""\s*)$',
                         re.DOTALL | re.MULTILINE)
LITERAL_KINDS = frozenset({"choice", "number", "date", "reply", "text"})
ANSWER_KINDS = LITERAL_KINDS | {"code"}
# checks.<name>(...) calls a test cell may make -> position of their `points` argument.
CHECK_FUNCTIONS = {"choice": 2, "number": 2, "date": 2, "reply": 1, "text": 1}
TEST_CELL_HEADER = "# 自动评分单元：请勿修改 / Auto-graded cell: do not edit"


# -- reading cells -----------------------------------------------------------------------------


def grade_id(cell: Any) -> str | None:
    """nbgrader's id of a cell, or None for a cell nbgrader does not track."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def cell_name(cell: Any) -> str:
    """How messages name a cell: its grade id, else its notebook cell id."""
    return grade_id(cell) or cell.get("id", "?")


def tags(cell: Any) -> dict[str, Any]:
    """caseloop's own metadata of a cell."""
    return cell.metadata.get("caseloop", {})


def answer_kind(cell: Any) -> str | None:
    """The kind of answer a cell asks for (choice, number, date, reply, text, code), or None."""
    return tags(cell).get("answer")


def is_test_cell(cell: Any) -> bool:
    """An autograded code cell that is not itself an answer: the trainer's test."""
    grading = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(grading.get("grade")) and not grading.get("solution")


def is_helper_cell(cell: Any) -> bool:
    """The self-check and survey cells: for the trainee only, never run while grading."""
    return bool(tags(cell).get("selfcheck") or tags(cell).get("survey"))


def is_setup_cell(cell: Any) -> bool:
    """A trainer's locked code cell that is neither answer nor test: it loads the data, defines constants."""
    grading = cell.metadata.get("nbgrader", {})
    return (cell.cell_type == "code" and bool(grading.get("locked")) and not grading.get("grade")
            and not grading.get("solution") and bool(cell.source.strip()) and not is_helper_cell(cell))


def is_rubric_cell(cell: Any) -> bool:
    """A mentor's rubric cell under a reply (an nbgrader task cell tagged by `caseloop author rubric`)."""
    return "rubric" in tags(cell) or "reviews" in tags(cell)


def without_solution_markers(source: str) -> str:
    """A source answer cell as a trainee who wrote the model answer would have it."""
    return SOLUTION_LINE.sub("", source)


def answer_variable(cell: Any) -> str:
    """The variable an answer cell sets: its metadata's `variable`, else the one its source assigns."""
    return (tags(cell).get("variable") or assigned_variable(without_solution_markers(cell.source))
            or (grade_id(cell) or "").removesuffix("_answer"))


def model_answer(source: str) -> str | None:
    """The model answer between the solution markers of a source answer cell, or None."""
    match = SOLUTION.search(source)
    return match["text"].strip() if match else None


def fill(source: str, text: str) -> str:
    """An answer cell's source with `text` written between its triple quotes."""
    match = ANSWER_CELL.search(source)
    if match is None:
        raise ValueError("not an answer cell: expected `name = \"\"\"` ... `\"\"\"`")
    return f"{match['head']}{text}{match['tail']}"


def hidden_test_lines(source: str) -> list[str]:
    """The non-blank lines between the hidden-test markers of one cell."""
    return [line.strip() for match in HIDDEN_TESTS.finditer(source)
            for line in match["body"].splitlines() if line.strip()]


# -- the Python of answer and test cells ---------------------------------------------------------


# What parsing a trainee's cell can raise: bad syntax, null bytes (ValueError), the parser's own stack
# overflowing on deeply nested code (MemoryError) or recursion (RecursionError).
PARSE_ERRORS = (SyntaxError, ValueError, MemoryError, RecursionError)


def syntax_problem(source: str) -> str | None:
    """Why a code cell is not valid Python (IPython's magics allowed), in English; None when it parses."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError as err:
        return f"syntax error on line {err.lineno}: {err.msg}"
    except (MemoryError, RecursionError):
        return "nested too deeply for Python to read"
    except ValueError as err:
        return f"cannot be read as Python: {err}"
    except Exception as err:  # noqa: BLE001  (IPython's transformers fail in their own ways on broken input)
        return f"cannot be read as Python ({type(err).__name__})"
    return None


def parse(source: str) -> ast.Module:
    """The syntax tree of a cell; an empty module when it does not parse."""
    try:
        return ast.parse(source)
    except PARSE_ERRORS:
        return ast.Module(body=[], type_ignores=[])


def _literal_assignment(statement: ast.stmt) -> tuple[str, Any] | None:
    """`(name, value)` when the statement is `name = <literal>`, else None."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)):
        return None
    try:
        return statement.targets[0].id, ast.literal_eval(statement.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def literal_answers(source: str) -> dict[str, Any] | None:
    """The names and values a cell assigns, if it is only `name = <literal>` lines; else None."""
    try:
        tree = ast.parse(source)
    except PARSE_ERRORS:
        return None
    assignments = [_literal_assignment(statement) for statement in tree.body]
    return None if None in assignments else dict(assignments)


def why_not_literal(source: str) -> tuple[str, str]:
    """A bilingual reason why a cell is not a plain literal assignment (zh, en)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return (f"第 {err.lineno} 行语法错误：答案只能写在三引号之间，答案里不要再出现三个引号",
                f"syntax error on line {err.lineno}: write the answer only between the triple quotes, "
                "and do not put triple quotes inside it")
    except (MemoryError, RecursionError, ValueError):
        return ("答案嵌套过深或含有无法读取的字符：只在三引号之间写文字或数字",
                "the answer is nested too deeply or holds characters that cannot be read: write only text or a "
                "number between the triple quotes")
    for statement in tree.body:
        if _literal_assignment(statement) is not None:
            continue
        code = ast.get_source_segment(source, statement) or type(statement).__name__
        code = code.splitlines()[0][:60]
        return (f"第 {statement.lineno} 行是代码（{code}），评分时不运行任何代码，只读取三引号之间的文字或数字",
                f"line {statement.lineno} is code ({code}); grading runs no code and reads only the plain "
                "text or number between the triple quotes")
    return "", ""


def assigned_variable(source: str) -> str:
    """The variable a cell's first plain assignment sets; empty if none."""
    targets = [s.targets[0].id for s in parse(source).body
               if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)]
    return targets[0] if targets else ""


def bound_names(source: str) -> set[str]:
    """Every name a piece of code could bind (assignments, imports, defs, globals); empty if unparsable."""
    names = set()
    for node in ast.walk(parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names


def free_names(source: str) -> set[str]:
    """The names test code reads without binding them itself (also by name, as in globals().get("x"))."""
    read = set()
    for node in ast.walk(parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            read.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            read.add(node.value)
    return read - bound_names(source)


def check_calls(source: str) -> list[ast.Call]:
    """Every `checks.<check>(...)` call in a test cell."""
    return [node for node in ast.walk(parse(source)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "checks" and node.func.attr in CHECK_FUNCTIONS]


def call_argument(call: ast.Call, name: str, position: int) -> ast.expr | None:
    """The argument a check call passes by keyword `name` or at `position`."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def is_reply_test(cell: Any) -> bool:
    """A test cell that scores a written reply (calls `checks.reply`)."""
    return is_test_cell(cell) and any(call.func.attr == "reply" for call in check_calls(cell.source))


def reply_tests(cells: list[Any]) -> list[Any]:
    """The test cells of a notebook that score a written reply."""
    return [cell for cell in cells if is_reply_test(cell)]


# -- writing cells ---------------------------------------------------------------------------------


def new_answer_cell(variable: str, kind: str, model: str, prompt: str, **meta: Any) -> Any:
    """A source answer cell asking for KIND, the model answer between the solution markers."""
    import nbformat.v4 as nbf

    begin, end = SOLUTION_MARKERS
    cell = nbf.new_code_cell(f'# {prompt}\n{variable} = """\n{begin}\n{model.strip()}\n{end}\n"""')
    cell.metadata.update(nbgrader={"grade": False, "solution": True, "locked": False,
                                   "grade_id": f"{variable}_answer", "schema_version": 3},
                         caseloop={"answer": kind, **meta})
    cell["id"] = f"{variable}_answer"
    return cell


def new_test_cell(cell_id: str, call: str, points: float, **meta: Any) -> Any:
    """A locked autograded cell running one `checks.*` call as a hidden test."""
    import nbformat.v4 as nbf

    begin, end = HIDDEN_TEST_MARKERS
    cell = nbf.new_code_cell(f"{TEST_CELL_HEADER}\n{begin}\nfrom caseloop import checks\n{call}\n{end}")
    cell.metadata.update(nbgrader={"grade": True, "solution": False, "locked": True, "grade_id": cell_id,
                                   "points": points, "schema_version": 3},
                         caseloop=dict(meta))
    cell["id"] = cell_id
    return cell


# The end-of-module survey: question name -> (the cell's prompt, zh / en). `caseloop revise` reads the answers.
SURVEY_QUESTIONS = {
    "usefulness": "这个模块对你的工作有多大帮助？填 1-5 / How useful was this module for your work? Write 1-5",
    "clarity": "题目和说明是否清楚？填 1-5 / How clear were the questions and instructions? Write 1-5",
    "unclear_case": "哪个案例或题目让你困惑？写案例编号和原因 / Which case or question confused you? Case id and why",
    "missing_scenario": "工作中遇到过、但本模块没有覆盖的场景 / A situation from your work this module does not cover",
    "comment": "其他意见 / Any other comment",
}
SURVEY_HEADING = ("## 模块问卷（不计分）/ Module survey (not graded)\n\n"
                  "请在三引号之间作答并运行单元；问卷不计分，只用于改进课程。/ "
                  "Answer between the triple quotes and run the cell; the survey is not graded and only "
                  "improves the course.")


def closing_cells(module: str) -> list[Any]:
    """The cells every module ends with: the self-check, then the survey (heading and one cell per question)."""
    import nbformat.v4 as nbf

    selfcheck = nbf.new_code_cell("# 自查：运行本单元查看公开检查的反馈（不含隐藏测试）/ "
                                  "Self-check: run to see feedback from the public checks\n"
                                  "from caseloop.selfcheck import self_check\nself_check()",
                                  metadata={"caseloop": {"selfcheck": True}})
    selfcheck["id"] = f"{module}-selfcheck"
    heading = nbf.new_markdown_cell(SURVEY_HEADING)
    heading["id"] = f"{module}-survey"
    cells = [selfcheck, heading]
    for question, prompt in SURVEY_QUESTIONS.items():
        cell = nbf.new_code_cell(f'# {prompt}\nsurvey_{question} = """\n\n"""',
                                 metadata={"caseloop": {"survey": question}})
        cell["id"] = f"{module}-survey-{question.replace('_', '-')}"
        cells.append(cell)
    return cells
