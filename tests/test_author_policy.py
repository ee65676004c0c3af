"""`caseloop author lint` and the policy file: every entry says its markets and when it was last checked;
lint warns about stale entries and about numbers taught for a market their entry does not hold for."""

from __future__ import annotations

import datetime

import nbformat

from caseloop import author, checks
from caseloop.checks.policy import policy_markets, policy_table, stale_policy_entries
from caseloop.cli import main
from caseloop.course import Course


def test_every_policy_entry_says_its_markets_and_when_it_was_checked(repo_course):
    known = {case["market"] for case in _cases(repo_course).values()}
    for key, entry in policy_table().items():
        assert isinstance(entry.get("checked"), datetime.date), key
        markets = policy_markets(key)
        assert markets is None or (markets and markets <= known | {"ES", "IT", "CA"}), (key, markets)
    assert policy_markets("japan.refund_to_card_business_days_max") == {"JP"}
    assert "JP" not in policy_markets("returns.refund_to_card_business_days_max")
    assert policy_markets("messaging.first_response_hours") is None


def test_lint_warns_about_entries_checked_more_than_a_year_ago(repo_course, capsys):
    newest = max(entry["checked"] for entry in policy_table().values())
    assert stale_policy_entries(newest) == []
    later = newest + datetime.timedelta(days=366)
    stale = dict(stale_policy_entries(later))
    oldest = min(entry["checked"] for entry in policy_table().values())
    assert set(stale) == {k for k, e in policy_table().items() if (later - e["checked"]).days > 365}
    assert "eu.withdrawal_refund_days" in stale and stale_policy_entries(oldest) == []
    warnings = author.lint(repo_course, ["m01"], today=later)
    assert warnings and all(w.warning and w.path.name == "policy.yaml" for w in warnings)
    assert any("eu.withdrawal_refund_days was last checked" in str(w) and "warning:" in str(w) for w in warnings)
    assert author.lint(repo_course, ["m01"], today=newest) == []


def test_lint_warns_when_a_module_teaches_a_number_for_a_market_the_entry_does_not_cover(repo_course, tmp_path, capsys):
    course = repo_course.copy_to(tmp_path / "course")
    case = course.cases_dir / "C-0006.yaml"
    case.write_text(case.read_text(encoding="utf-8").replace("market: DE", "market: JP"), encoding="utf-8")
    found = author.lint(course, ["m05"])
    warnings = [w for w in found if w.warning]
    assert [w.cell for w in warnings] == ["c0006_refund_days"], found
    assert "eu.withdrawal_refund_days" in warnings[0].message and "(JP)" in warnings[0].message
    assert not [p for p in found if not p.warning]
    assert main(["--course", str(course.root), "author", "lint", "m05"]) == 0  # a warning does not fail lint
    out = capsys.readouterr().out
    assert "warning: checks.policy('eu.withdrawal_refund_days') is taught for case C-0006 (JP)" in out
    assert "1 warning(s)" in out
    assert author.lint(repo_course, ["m05"]) == []


def test_lint_refuses_a_policy_key_that_does_not_exist(repo_course, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    path = next((course.source_dir / "m05").glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "c0006_refund_days")
    cell.source = cell.source.replace("eu.withdrawal_refund_days", "eu.refund_days")
    nbformat.write(nb, path)
    problems = [p for p in author.lint(course, ["m05"]) if not p.warning]
    assert [(p.cell, "names no entry of policy.yaml" in p.message) for p in problems] == [("c0006_refund_days", True)]
    assert checks.policy("eu.withdrawal_refund_days") == 14


def _cases(course: Course) -> dict:
    from caseloop.checks import casefile

    return casefile.library(course.cases_dir).cases
