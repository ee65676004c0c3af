"""The package's shape: imports run one way, each concept has one owner, registries refuse unknown names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from caseloop.course import Course, CourseError
from caseloop.course.layout import NBGRADER_FOLDERS

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit" / "caseloop"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST) -> set[str]:
    """caseloop modules a module imports anywhere in it: functions too, and for type checking."""
    found = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("caseloop"):
            found.add(node.module)
            for alias in node.names:  # `from caseloop import checks` imports the module caseloop.checks
                found.add(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("caseloop"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports (names that are not modules, like classes, are dropped)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        imported = _imports(ast.parse(path.read_text(encoding="utf-8")))
        # importing a.b.c runs the package a.b first: the package is imported too (but not by its own submodules)
        imported |= {".".join(m.split(".")[:depth]) for m in imported for depth in range(2, m.count(".") + 1)}
        graph[name] = {m for m in imported if m in modules and m != name and not name.startswith(m + ".")}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_the_import_graph_has_no_circle():
    assert _cycle(import_graph()) is None, f"import circle: {' -> '.join(_cycle(import_graph()))}"


def test_the_circle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_nothing_imports_the_demo_and_checks_import_no_stage():
    graph = import_graph()
    importers = sorted(name for name, imported in graph.items()
                       if "caseloop.demo" in imported and name != "caseloop.cli.stages")
    assert importers == [], f"only the CLI's demo command may import the demo: {importers}"
    stages = {"caseloop.author", "caseloop.grade", "caseloop.compile", "caseloop.report", "caseloop.revise",
              "caseloop.release", "caseloop.feedback", "caseloop.cli", "caseloop.demo"}
    for name, imported in graph.items():
        if name.startswith(("caseloop.checks", "caseloop.notebook", "caseloop.course", "caseloop.analysis")):
            reached = {m for m in imported if any(m == s or m.startswith(s + ".") for s in stages)}
            assert not reached, f"{name} reaches up into the stages {sorted(reached)}"


def test_one_owner_of_the_cell_grammar_and_the_language_table():
    """The answer-cell, solution and hidden-test patterns and the language names are written in one module each."""
    owners = {"### BEGIN HIDDEN TESTS": {"notebook.py"}, 'P<var>\\w+) = """': {"notebook.py"},
              '"Japanese")': {"languages.py"}}
    for needle, expected in owners.items():
        holders = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if needle in p.read_text(encoding="utf-8")}
        assert holders == expected, f"{needle!r} is written in {sorted(holders)}"


def test_the_layout_follows_nbgraders_course_directory_configuration(repo_course, tmp_path):
    from nbgrader.coursedir import CourseDirectory

    defaults = CourseDirectory()
    assert {trait: getattr(defaults, trait) for trait in NBGRADER_FOLDERS} == NBGRADER_FOLDERS
    course = repo_course.copy_to(tmp_path / "course")
    with (course.root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write('\nc.CourseDirectory.submitted_directory = "inbox"\n'
                     'c.CourseDirectory.autograded_directory = "marked"\n')
    moved = Course.at(course.root)
    assert moved.submitted_dir == course.root / "inbox"
    assert moved.autograded_submission_dir("t1", "m01") == course.root / "marked" / "t1" / "m01"
    assert moved.source_dir == course.root / "source"


def test_registries_refuse_unknown_names_and_name_the_known_ones(repo_course, tmp_path):
    from caseloop.analysis import certify, mastery
    from caseloop.curriculum import load_curriculum
    from caseloop.selfcheck import SELF_CHECKS, AnswerCell, check_answer

    text = repo_course.curriculum_path.read_text(encoding="utf-8")
    assert "  method: decaying_average" in text and "    module_score: {module: m01" in text
    bad = tmp_path / "curriculum.yaml"
    bad.write_text(text.replace("  method: decaying_average", "  method: median_of_three"), encoding="utf-8")
    with pytest.raises(CourseError, match="'median_of_three' is not allowed.*decaying_average"):
        load_curriculum(bad)
    bad.write_text(text.replace("    module_score: {module: m01", "    module_vibes: {module: m01"), encoding="utf-8")
    with pytest.raises(CourseError, match="module_vibes: .*not a field here.*mentor_signoff"):
        load_curriculum(bad)
    method = load_curriculum(repo_course.curriculum_path).mastery
    with pytest.raises(ValueError, match="known: average, latest"):
        mastery.mastery_values(None, None, type(method)(method="median_of_three"))
    gate = next(iter(load_curriculum(repo_course.curriculum_path).gates.values()))
    with pytest.raises(ValueError, match="unknown kind 'module_vibes'"):
        certify.gate_check(type(gate)(gate.id, gate.zh, gate.en, "module_vibes", {}), [], None, None, None)
    with pytest.raises(ValueError, match="unknown answer kind 'essay'.*choice"):
        check_answer(AnswerCell("x", "x", "essay", {}, 'x = """\nhi\n"""'), "hi")
    assert set(SELF_CHECKS) == {"code", "choice", "number", "date", "reply", "text"}
