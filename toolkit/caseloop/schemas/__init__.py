"""The published JSON Schemas of the files people edit, and the one validator every command reads them through.

Each `<name>.schema.json` beside this module is what an editor uses for completion and red
underlines (a YAML file's first line `# yaml-language-server: $schema=...` points to it) and what
caseloop checks before it writes anything. Every problem names the file, the line, the field, what
is wrong and the fix, in zh and en; rules a schema cannot state (a code used before it is declared,
a duplicate) are reported the same way through `Document.finding` and `table_finding`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from caseloop.files import CourseError

SCHEMAS = ("curriculum", "item_analysis", "case", "competency_map", "kpis", "cohorts", "ratings")
FOLDER = Path(__file__).parent
MODELINE = "# yaml-language-server: $schema="
MAX_LISTED = 20


def schema_path(name: str) -> Path:
    """Where the published schema `name` is, in the installed package."""
    if name not in SCHEMAS:
        raise ValueError(f"unknown schema {name!r}; known: {', '.join(SCHEMAS)}")
    return FOLDER / f"{name}.schema.json"


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft7Validator, FormatChecker

    return Draft7Validator(schema(name), format_checker=FormatChecker())


def modeline(name: str, file: Path) -> str:
    """The first line that tells an editor's YAML language server which schema `file` follows (a relative path)."""
    return MODELINE + Path(os.path.relpath(schema_path(name), file.resolve().parent)).as_posix()


@dataclass(frozen=True)
class Finding:
    """One problem in a file a person edits: where (file, line, field), what is wrong and the fix, in zh and en."""

    path: Path
    line: int | None
    field: str
    zh: str
    en: str
    fix: str
    kind: str = "invalid"
    """missing, unknown, type, invalid or duplicate: what sort of problem it is."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.field or '(file)'}: {self.zh} / {self.en}; 改法 / fix: {self.fix}"


class InvalidFile(CourseError):
    """A file a person edits does not follow its schema; nothing was written."""

    def __init__(self, findings: Sequence[Finding]):
        self.findings = list(findings)
        shown = [str(f) for f in self.findings[:MAX_LISTED]]
        if len(self.findings) > MAX_LISTED:
            shown.append(f"... {len(self.findings) - MAX_LISTED} more / 还有 {len(self.findings) - MAX_LISTED} 个")
        super().__init__("\n".join(shown) + f"\n{len(self.findings)} 个问题，未写入任何文件 / "
                         f"{len(self.findings)} problem(s); nothing was written")


# -- what a schema error says ------------------------------------------------------------------------------

_TYPES = {"string": ("文本", "text"), "number": ("数字", "a number"), "integer": ("整数", "a whole number"),
          "object": ("映射（键: 值）", "a mapping (key: value)"), "array": ("列表", "a list"),
          "boolean": ("true 或 false", "true or false"), "null": ("空值", "empty")}


def _type_names(expected: str | list[str]) -> tuple[str, str]:
    kinds = [expected] if isinstance(expected, str) else expected
    return "或".join(_TYPES[k][0] for k in kinds), " or ".join(_TYPES[k][1] for k in kinds)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _closest(word: Any, choices: Sequence[Any]) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f"did you mean {close[0]!r}? / 是否应为 {close[0]!r}？ " if close else ""


def _describe(root: dict[str, Any], steps: Sequence[Any]) -> str:
    """The schema's description of the value at `steps` (following $ref), for the fix."""
    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node and "description" not in node:
            target = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    node, found = root, root.get("description", "")
    for step in steps:
        if isinstance(step, int):
            node = resolve(node).get("items", {})
        else:
            props = resolve(node).get("properties", {})
            node = props[step] if step in props else resolve(node).get("additionalProperties") or {}
        if not isinstance(node, dict):
            return found
        found = resolve(node).get("description", found) if node else found
    return found


Explained = tuple[list[Any], str, str, str]
"""(field path, zh, en, fix) for one jsonschema error."""


def _missing(error: Any, root: dict[str, Any]) -> Explained:
    missing = next((key for key in error.validator_value if key not in error.instance), error.validator_value[0])
    steps = [*error.absolute_path, missing]
    return steps, "缺少此字段", "the field is missing", f"add {missing}: {_describe(root, steps)}"


def _unknown(error: Any, root: dict[str, Any]) -> Explained:
    known = list(error.schema.get("properties", {}))
    extra = next((key for key in error.instance if key not in known), None)
    close = difflib.get_close_matches(str(extra), known, n=1)
    return ([*error.absolute_path, extra], "此处没有这个字段", "not a field here",
            (f"rename it to {close[0]!r} / 改名为 {close[0]!r}" if close else "remove it / 删除它") +
            (f"; the fields here are {', '.join(known)}" if known else ""))


def _wrong_type(error: Any, root: dict[str, Any]) -> Explained:
    zh, en, found = *_type_names(error.validator_value), _shown(error.instance)
    return (list(error.absolute_path), f"类型错误：应为{zh}，实际是 {found}",
            f"wrong type: expected {en}, found {found}", _describe(root, list(error.absolute_path)))


def _not_allowed(error: Any, root: dict[str, Any]) -> Explained:
    value, choices = error.instance, error.validator_value
    return (list(error.absolute_path), f"{_shown(value)} 不是允许的值", f"{_shown(value)} is not allowed",
            _closest(value, choices) + "use one of " + ", ".join(map(str, choices)))


def _worded(zh: str, en: str) -> Callable[[Any, dict[str, Any]], Explained]:
    """An explanation from two templates over {value} (the value found) and {rule} (the keyword's value)."""
    def explain(error: Any, root: dict[str, Any]) -> Explained:
        words = {"value": _shown(error.instance), "rule": error.validator_value}
        return list(error.absolute_path), zh.format(**words), en.format(**words), \
            _describe(root, list(error.absolute_path))
    return explain


EXPLAINED: dict[str, tuple[str, Callable[[Any, dict[str, Any]], Explained]]] = {
    "required": ("missing", _missing),
    "additionalProperties": ("unknown", _unknown),
    "type": ("type", _wrong_type),
    "minItems": ("type", _worded("为空", "is empty")),
    "minProperties": ("type", _worded("为空", "is empty")),
    "enum": ("invalid", _not_allowed),
    "minimum": ("invalid", _worded("{value} 超出范围（应 ≥ {rule}）", "{value} is out of range (must be ≥ {rule})")),
    "maximum": ("invalid", _worded("{value} 超出范围（应 ≤ {rule}）", "{value} is out of range (must be ≤ {rule})")),
    "exclusiveMinimum": ("invalid", _worded("{value} 超出范围（应 > {rule}）",
                                            "{value} is out of range (must be > {rule})")),
    "exclusiveMaximum": ("invalid", _worded("{value} 超出范围（应 < {rule}）",
                                            "{value} is out of range (must be < {rule})")),
    "pattern": ("invalid", _worded("{value} 格式不对", "{value} is not in the expected form")),
    "format": ("invalid", _worded("{value} 不是有效的{rule}", "{value} is not a valid {rule}")),
}
"""What each JSON Schema keyword the published schemas use says when it fails: (sort of problem, explanation)."""
_OTHER = ("invalid", _worded("不符合规则", "breaks a rule of the schema"))


def _field(steps: Sequence[Any]) -> str:
    text = ""
    for step in steps:
        text += f"[{step + 1}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _plain(value: Any) -> Any:
    """Parsed YAML as JSON Schema sees it: dates as ISO text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def findings(data: Any, name: str, path: Path, line_of: Callable[[Sequence[Any]], int | None],
             field_of: Callable[[Sequence[Any]], str] = _field) -> list[Finding]:
    """Every way `data` breaks the schema `name`, in document order; `line_of` maps a field path to its line."""
    root, found = schema(name), []
    for error in sorted(_validator(name).iter_errors(_plain(data)), key=lambda e: [str(s) for s in e.absolute_path]):
        kind, explain = EXPLAINED.get(error.validator, _OTHER)
        steps, zh, en, fix = explain(error, root)
        found.append(Finding(path, line_of(steps), field_of(steps), zh, en, fix, kind))
    return found


# -- YAML files ---------------------------------------------------------------------------------------


@dataclass
class Document:
    """A YAML file a person edits, parsed (fast) and checked against its schema; lines are found on demand."""

    path: Path
    text: str
    data: Any

    @cached_property
    def positions(self) -> Any:
        """The file parsed again with ruamel.yaml, whose nodes know their lines (None if ruamel cannot read it)."""
        from caseloop import yamlfile

        try:
            return yamlfile.loads(self.text).data
        except (yamlfile.YAMLError, ValueError):  # ruamel refuses some values PyYAML reads as text (2026-02-30)
            return None

    def line(self, steps: Sequence[Any]) -> int | None:
        """The 1-based line of the field at `steps` (or of the nearest enclosing one), from ruamel's positions."""
        node, line = self.positions, None
        for step in steps:
            if isinstance(node, dict) and step in node:
                line, node = node.lc.key(step)[0], node[step]
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                line, node = node.lc.item(step)[0], node[step]
            else:
                break
        if line is None and hasattr(node, "lc"):
            line = node.lc.line
        return None if line is None else line + 1

    def finding(self, steps: Sequence[Any], zh: str, en: str, fix: str, kind: str = "invalid") -> Finding:
        """A problem a schema cannot state (an unknown code, a duplicate), located like the schema's own."""
        return Finding(self.path, self.line(steps), _field(steps), zh, en, fix, kind)

    def problems(self, name: str) -> list[Finding]:
        return findings(self.data, name, self.path, self.line)


def parse_yaml(path: Path, loader: type | None = None) -> Document:
    """Read and parse one YAML file; a missing file or a syntax error raises `InvalidFile` with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidFile([Finding(path, None, "", "文件不存在", "the file is missing",
                                   "create it (see README.md) or pass --course DIR")]) from None
    except UnicodeDecodeError:
        raise InvalidFile([Finding(path, None, "", "不是 UTF-8 文本", "not UTF-8 text",
                                   "save the file as UTF-8")]) from None
    try:
        data = yaml.load(text, Loader=loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise InvalidFile([yaml_syntax_finding(path, err)]) from None
    return Document(path, text, data)


def yaml_syntax_finding(path: Path, err: yaml.YAMLError) -> Finding:
    mark = getattr(err, "problem_mark", None)
    return Finding(path, mark.line + 1 if mark else None, "", f"不是有效的 YAML：{getattr(err, 'problem', err)}",
                   f"not valid YAML: {getattr(err, 'problem', err)}",
                   "fix the syntax on that line (quote text with ': ' in it, indent nested blocks) / 修正该行语法")


def read_yaml(path: Path, name: str, empty: Any = None) -> Document:
    """`path` parsed and checked against the schema `name`; raises `InvalidFile` listing every problem.

    `empty` is what a file with no content (only comments) stands for, when that is allowed.
    """
    document = parse_yaml(path)
    if document.data is None and empty is not None:
        document.data = empty
    problems = document.problems(name)
    if problems:
        raise InvalidFile(problems)
    return document


# -- CSV files ----------------------------------------------------------------------------------------


def table_finding(path: Path, row: int | None, column: str, zh: str, en: str, fix: str) -> Finding:
    """A problem at a CSV row (0-based, as pandas numbers them; None for the header) and column."""
    return Finding(path, 1 if row is None else row + 2, column, zh, en, fix)


def read_table(path: Path, name: str) -> Any:
    """A CSV file as a frame of text cells, each row checked against the schema `name` (numbers parsed where the
    schema wants numbers); raises `InvalidFile` naming the line and column of every problem."""
    import pandas as pd

    what = schema(name)["title"]
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")  # Excel's "CSV UTF-8" too
    except FileNotFoundError:
        raise InvalidFile([Finding(path, None, "", "文件不存在", "the file is missing", f"pass the file: {what}")]) \
            from None
    except pd.errors.EmptyDataError:
        raise InvalidFile([Finding(path, 1, "", "文件是空的", "the file is empty",
                                   f"write a header row and one row per line: {what}")]) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InvalidFile([Finding(path, None, "", "不是可读的 CSV", f"not a readable CSV ({err})",
                                   "save the sheet as UTF-8 CSV")]) from None
    row_schema = schema(name)["items"]
    columns = row_schema["properties"]
    missing = [column for column in row_schema["required"] if column not in table.columns]
    if missing:
        raise InvalidFile([table_finding(path, None, column, "缺少此列", "the column is missing",
                                         f"add the column {column}: {columns[column]['description']}")
                           for column in missing])
    rows = [{column: _cell(text, columns.get(column)) for column, text in row.items() if text.strip()}
            for row in table.to_dict("records")]
    problems = findings(rows, name, path, lambda steps: steps[0] + 2 if steps else 1,
                        lambda steps: str(steps[1]) if len(steps) > 1 else "")
    if problems:
        raise InvalidFile(problems)
    return table.replace("", pd.NA)


def _cell(text: str, spec: dict[str, Any] | None) -> Any:
    """A CSV cell as the schema's type: a number where it wants one and the text reads as one, else the text."""
    if spec and spec.get("type") in {"number", "integer"}:
        try:
            return float(text)
        except ValueError:
            return text
    return text.strip()
