"""Platform-policy numbers (reply hours, return windows, claim deadlines ...) with their sources.

Checks and test cells read them through `policy(key)`, so a number changes in one place
(policy.yaml beside this file) and every number carries the help page or article it comes from.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def policy_table() -> dict[str, dict[str, Any]]:
    text = resources.files("caseloop.checks").joinpath("policy.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def policy(key: str) -> Any:
    """The value of one platform-policy number from the package's policy file (with its source)."""
    table = policy_table()
    if key not in table:
        known = ", ".join(sorted(table))
        raise KeyError(f"unknown policy key {key!r}; known keys: {known}")
    return table[key]["value"]


def policy_entry(key: str) -> dict[str, Any]:
    """The whole policy entry (value, unit, rule, source, uncertain) for feedback and lint."""
    policy(key)
    return dict(policy_table()[key])
