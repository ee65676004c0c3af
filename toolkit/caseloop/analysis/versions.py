"""A module followed across its versions: the rows of a later release counted as the module itself.

A new version of a module (a curriculum entry with `version_of`, made by `caseloop author new --copy-of`)
is its own nbgrader assignment, so the earlier one keeps its submissions and grades. Reports, gates and
progress speak of the module: these pure functions put each version's rows under the module's id, keep
the assignment in a `release` column, and number a trainee's attempts at a cell across versions by
submission time. `caseloop.analysis.mastery.latest_attempts` then keeps, per trainee and module, only the
release submitted last, so a cell the new version dropped no longer counts.
"""

from __future__ import annotations

import pandas as pd

from caseloop.framework import Curriculum

ATTEMPT_KEY = ["trainee", "module", "notebook", "cell"]


def version_map(curriculum: Curriculum) -> dict[str, str]:
    """Every version's id -> the id of the module it revises."""
    return {version: module.id for module in curriculum.modules for version in module.versions}


def follow_versions(grades: pd.DataFrame, curriculum: Curriculum) -> pd.DataFrame:
    """The grade table with versions' rows under their module (`release` keeps the assignment) and attempts
    numbered across versions by time; the table itself when no trainee submitted a version."""
    followed = _under_modules(grades, curriculum)
    if followed is None:
        return grades
    followed = followed.sort_values([*ATTEMPT_KEY, "submitted_at"], kind="stable", ignore_index=True)
    followed["attempt"] = followed.groupby(ATTEMPT_KEY, sort=False).cumcount() + 1
    return followed


def latest_release_rows(frame: pd.DataFrame, curriculum: Curriculum, key: list[str]) -> pd.DataFrame:
    """FRAME (items, batch statuses, backlog cells, reply texts: anything with a `module` column) with versions'
    rows under their module and, per KEY, only the row of the latest release (the curriculum's version order)."""
    followed = _under_modules(frame, curriculum)
    if followed is None:
        return frame
    order = {name: rank for module in curriculum.modules for rank, name in enumerate(module.releases)}
    followed = followed.assign(rank=followed["release"].map(order).fillna(-1))
    followed = followed.sort_values("rank", kind="stable").drop_duplicates(key, keep="last")
    return followed.sort_index().drop(columns="rank").reset_index(drop=True)


def _under_modules(frame: pd.DataFrame, curriculum: Curriculum) -> pd.DataFrame | None:
    """FRAME with each version's rows under its module and the assignment in `release`; None when no row is of a
    version, so that a course without versions is read as it is."""
    versions = version_map(curriculum)
    release = frame["module"].astype(str)
    if frame.empty or not release.isin(list(versions)).any():
        return None
    return frame.assign(module=release.map(versions).fillna(release), release=release)
