"""Every `caseloop ...` command line the README quotes is one the command accepts, options and all."""

from __future__ import annotations

import re
import shlex

import pytest

from caseloop.cli import parser
from conftest import readme_commands

# Placeholders the README writes where a reader puts a name of their own.
PLACEHOLDERS = {"TASK": "validate", "N": "2"}  # the words the README uses for a value to fill in
COMMAND_NAME = re.compile(r"^[a-z]+$")


COMMANDS = readme_commands()


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
