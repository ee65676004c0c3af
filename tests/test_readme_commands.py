"""Every `caseloop ...` command line the README quotes is one the command accepts, options and all."""

from __future__ import annotations

import re
import shlex

import pytest

from caseloop.cli import parser
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
# Placeholders the README writes where a reader puts a name of their own.
PLACEHOLDERS = {"TASK": "validate"}
COMMAND_NAME = re.compile(r"^[a-z]+$")


def _command_lines(tokens: list[str]) -> list[list[str]]:
    """The `caseloop` commands among shell words, split at `&&`."""
    lines, current = [], []
    for token in [*tokens, "&&"]:
        if token == "&&":
            if current[:1] == ["caseloop"]:
                lines.append(current)
            current = []
        else:
            current.append(token)
    return lines


def readme_commands(text: str) -> list[tuple[str, ...]]:
    """The `caseloop` command lines of the README, as words: in bash blocks (comments dropped) and in inline
    code; usage brackets (`[--lang en]`) and `...` are read as the options they stand for."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            lines += _command_lines(shlex.split(line, comments=True))
    for code in re.findall(r"`(caseloop [^`]+)`", text):
        lines += _command_lines(shlex.split(code.replace("[", " ").replace("]", " ").replace("...", " ")))
    return sorted({tuple(line) for line in lines})


COMMANDS = readme_commands(README)


def test_the_readme_quotes_the_trainer_first_steps():
    assert ("caseloop", "author", "new", "m09", "--title", "德日市场售后", "--title-en",
            "After-sales in Germany and Japan", "--from-cases", "C-0006,C-0200") in COMMANDS
    assert len(COMMANDS) > 40


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_a_readme_command_line_parses(words):
    argv = [PLACEHOLDERS.get(word, word) for word in words[1:]]
    if all(COMMAND_NAME.match(word) for word in argv):  # the name of a command, as prose mentions it
        argv.append("--help")
    try:
        parser().parse_args(argv)
    except SystemExit as exit_:
        if exit_.code != 0 or "--help" not in argv:
            pytest.fail(f"README: `{shlex.join(words)}` is not accepted by caseloop (exit {exit_.code})")
