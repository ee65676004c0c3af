"""Platform-policy numbers (reply hours, return windows, claim deadlines ...) with their sources.

Checks and test cells read them through `policy(key)`, so a number changes in one place
(policy.yaml beside this file) and every number carries the help page or article it comes from, the
markets it holds for (`policy_markets`) and the day it was last checked (`stale_policy_entries`).
"""

from __future__ import annotations

from datetime import date
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


def policy_markets(key: str) -> set[str] | None:
    """The markets an entry holds for (market codes as in case files), or None when it holds for all."""
    markets = policy_entry(key).get("markets", "all")
    return None if markets == "all" else {str(m) for m in markets}


def stale_policy_entries(today: date | None = None, max_age_days: int = 365) -> list[tuple[str, date | None]]:
    """(key, checked) of every entry last compared with its source more than `max_age_days` ago, or never."""
    today = today or date.today()
    stale = []
    for key, entry in policy_table().items():
        checked = entry.get("checked")
        if isinstance(checked, str):
            checked = date.fromisoformat(checked)
        if not isinstance(checked, date) or (today - checked).days > max_age_days:
            stale.append((key, checked))
    return stale
