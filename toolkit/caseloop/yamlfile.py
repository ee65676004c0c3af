"""Human-edited YAML files, read and written round-trip, so that a change touches only the lines it changes.

Trainers write the case files and the source register by hand; caseloop writes into them (review
decisions, revision flags). ruamel.yaml's round-trip mode keeps comments, key order, quoting and
flow or block style; long lines stay unwrapped, and the indentation of block sequences and nested
mappings, the `---` / `...` markers (and comments above `---`), a byte-order mark and a missing
final newline are taken from the file itself. What comes back normalised: spacing inside a line
(values aligned after their keys, `[1,2]`), `~` for null, a plain scalar wrapped over several lines
(on one line), and a file that mixes indentations (the one most of it uses).
Every save goes through `write_atomically`.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from caseloop.files import write_atomically

__all__ = ["YAMLError", "YamlDocument", "append", "append_line", "flow", "load", "loads", "problem", "save", "update"]

HOUSE_INDENT = (2, 4, 2)
"""(mapping, sequence, offset) as ruamel.yaml counts them: `key:` then `  - item`, nested keys two spaces in."""

_BLOCK_SCALARS = (LiteralScalarString, FoldedScalarString)
_START = re.compile(r"((?:[ \t]*(?:#[^\n]*)?\n)*)---(?=[ \t\n]|$)")
_END = re.compile(r"^\.\.\.[ \t]*$", re.MULTILINE)


def _round_trip(indent: tuple[int, int, int] = HOUSE_INDENT) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 30
    mapping, sequence, offset = indent
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _indentation(data: Any) -> tuple[int, int, int]:
    """The indentation most of the file's nested block collections use, read from their parsed positions."""
    mappings: Counter[int] = Counter()
    sequences: Counter[tuple[int, int]] = Counter()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedSeq):
            stack.extend(node)
        if not isinstance(node, CommentedMap):
            continue
        for key, value in node.items():
            stack.append(value)
            if not isinstance(value, CommentedMap | CommentedSeq) or value.fa.flow_style() or not value:
                continue
            key_column = node.lc.key(key)[1]
            if isinstance(value, CommentedMap):
                mappings[value.lc.col - key_column] += 1
            else:
                item_column = value.lc.item(0)[1]
                sequences[(item_column - key_column, value.lc.col - key_column)] += 1
    mapping = mappings.most_common(1)[0][0] if mappings else HOUSE_INDENT[0]
    sequence, offset = sequences.most_common(1)[0][0] if sequences else HOUSE_INDENT[1:]
    return mapping, sequence, offset


@dataclass
class YamlDocument:
    """One loaded file: `data` to read and change in place (ruamel's commented mappings and lists), and its layout."""

    data: Any
    indent: tuple[int, int, int]
    header: str | None
    """The lines above a `---` marker (ruamel.yaml drops comments there); None when the file has no marker."""
    explicit_end: bool
    bom: bool
    final_newline: bool

    def dumps(self) -> str:
        """The document as text in the file's own layout; unchanged data gives back the text it was loaded from."""
        yaml = _round_trip(self.indent)
        yaml.explicit_start, yaml.explicit_end = self.header is not None, self.explicit_end
        buffer = io.StringIO()
        yaml.dump(self.data, buffer)
        text = (self.header or "") + buffer.getvalue()
        return ("\ufeff" if self.bom else "") + (text if self.final_newline else text.removesuffix("\n"))


def loads(text: str) -> YamlDocument:
    """Parse YAML text round-trip; raises `YAMLError` (with the line) when it is not valid YAML."""
    body = text.removeprefix("\ufeff")
    data = _round_trip().load(body)
    start = _START.match(body)
    return YamlDocument(data, _indentation(data), header=start.group(1) if start else None,
                        explicit_end=_END.search(body) is not None, bom=body != text,
                        final_newline=body.endswith("\n") or not body)


def load(path: Path) -> YamlDocument:
    """Read and parse one file (UTF-8) round-trip."""
    return loads(path.read_text(encoding="utf-8"))


def save(path: Path, document: YamlDocument) -> None:
    """Write the document back to `path` through `write_atomically`."""
    write_atomically(path, document.dumps())


def flow(pairs: dict[str, Any]) -> CommentedMap:
    """A new mapping written on one line, `{key: value, ...}`, as the library writes review entries and flags."""
    mapping = CommentedMap(pairs)
    mapping.fa.set_flow_style()
    return mapping


def update(mapping: dict, pairs: dict[str, Any]) -> None:
    """Make `mapping` hold exactly `pairs`, changed in place so that its style and comments stay."""
    for key in [key for key in mapping if key not in pairs]:
        del mapping[key]
    mapping.update(pairs)


def _trailing_slot(node: Any) -> tuple[Any, Any, int] | None:
    """Where ruamel keeps the comment after a collection's last line: (collection, key or index, slot)."""
    while isinstance(node, CommentedMap | CommentedSeq) and node:
        last, slot = (len(node) - 1, 0) if isinstance(node, CommentedSeq) else (next(reversed(node)), 2)
        value = node[last]
        if not isinstance(value, CommentedMap | CommentedSeq) or not value or value.fa.flow_style():
            return node, last, slot
        node = value
    return None


def append(sequence: list, item: Any) -> None:
    """Append `item` to a (loaded or new) sequence; blank and comment lines that followed the sequence still do.

    ruamel.yaml keeps those lines with the sequence's last item, so they move to the new last item:
    an end-of-line comment stays on its own line, and `# about the next key` stays above that key.
    """
    before = _trailing_slot(sequence)
    token = None
    if before is not None:
        node, last, slot = before
        entry = node.ca.items.get(last)
        if entry and entry[slot] is not None:
            text = entry[slot].value  # a block scalar's text ends its line, so every comment line there follows it
            own, following = ("", text) if isinstance(node[last], _BLOCK_SCALARS) else text.partition("\n")[::2]
            if following:
                token = CommentToken("\n" + following, CommentMark(0), None)
                if own:
                    entry[slot].value = own + "\n"
                else:
                    entry[slot] = None
    sequence.append(item)
    after = _trailing_slot(sequence)
    if token is not None and after is not None:
        node, last, slot = after
        entry = node.ca.items.setdefault(last, [None, None, None, None])
        entry[slot] = token


def problem(err: YAMLError) -> str:
    """What is wrong with the YAML and on which line, in one line for a message."""
    mark = getattr(err, "problem_mark", None)
    what = getattr(err, "problem", None) or str(err)
    return f"line {mark.line + 1}: {what}" if mark is not None else what


def _flow_scalar(value: str) -> str:
    """VALUE as a scalar inside a flow mapping: plain where YAML 1.2 and 1.1 readers (ruamel, PyYAML: `yes` is a
    boolean there) both read it back as the same string, else quoted."""
    import json

    import yaml

    line = f"{{k: {value}}}"
    try:
        same = YAML(typ="safe").load(line) == yaml.safe_load(line) == {"k": value}
    except (YAMLError, yaml.YAMLError):
        same = False
    return value if same else json.dumps(value, ensure_ascii=False)


def append_line(text: str, key: str, item: dict[str, str]) -> str:
    """The text with `item` added as one flow-style line (`- {k: v, ...}`) at the end of the top-level block
    list `key`; every other line stays byte for byte, layout and alignment included.

    Where `key` is not a block list (a flow list `[...]`, or no list yet), the item goes in through a
    round-trip `append`, which normalises spacing inside lines.
    """
    document = loads(text)
    if not isinstance(document.data, CommentedMap) or not isinstance(document.data.get(key), list):
        raise ValueError(f"no list under {key!r}")
    sequence = document.data[key]
    if sequence and not sequence.fa.flow_style():
        lines = text.splitlines(keepends=True)
        keys = list(document.data)
        following = keys.index(key) + 1
        end = document.data.lc.key(keys[following])[0] if following < len(keys) else len(lines)
        while end > 0 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        row, column = sequence.lc.item(len(sequence) - 1)
        dash = lines[row][:column].rindex("-")
        entry = ", ".join(f"{name}: {_flow_scalar(value)}" for name, value in item.items())
        lines[end - 1] = lines[end - 1].removesuffix("\n") + "\n"
        lines.insert(end, f"{' ' * dash}- {{{entry}}}\n")
        edited = "".join(lines)
        if loads(edited).data.get(key) == [*sequence, item]:
            return edited
    append(sequence, flow({name: value if _flow_scalar(value) == value else DoubleQuotedScalarString(value)
                           for name, value in item.items()}))
    return document.dumps()
