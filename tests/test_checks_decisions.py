"""Decision checks beyond choice and number: dates and deadlines, short text, policy entries."""

from __future__ import annotations

import pytest

from caseloop import checks
from caseloop.checks.policy import policy_table


@pytest.mark.parametrize("written", ["2026-03-19", "2026/3/19", "2026年3月19日", "19.03.2026", "19. März 2026",
                                     "March 19, 2026", "19 March 2026", "Thu 19 Mar 2026", "19/03/2026"])
def test_date_accepts_common_formats(written, capsys):
    score = checks.date(written, "2026-03-19", points=2)
    assert score.points == 2
    assert "日期正确" in capsys.readouterr().out


def test_ambiguous_and_wrong_dates(capsys):
    ambiguous = checks.date("03/04/2026", "2026-04-03")
    assert ambiguous.points == 1 and "ambiguous_date" in [f.code for f in ambiguous.findings]
    wrong = checks.date("2026-03-20", "2026-03-19")
    assert wrong.failed == ["date"] and wrong.points == 0
    assert "recount the deadline" in capsys.readouterr().out
    assert checks.date("next week", "2026-03-19").failed == ["not_a_date"]
    assert checks.date("", "2026-03-19").failed == ["blank"]
    assert checks.date("2026-03-18", "2026-03-19", tolerance_days=1).points == 1


def test_deadlines_come_from_policy_numbers():
    delivered = "2026-03-02"
    assert checks.add_days(delivered, checks.policy("returns.window_days")) == "2026-04-01"
    # returned on Friday 2026-03-13: refund due 2 business days later, on Tuesday
    assert checks.add_days("2026-03-13", checks.policy("returns.refund_business_days"), business=True) == "2026-03-17"
    assert checks.date("17.03.2026", checks.add_days("2026-03-13", 2, business=True)).points == 1


def test_every_policy_entry_has_a_value_unit_rule_and_source():
    table = policy_table()
    for key in table:
        entry = checks.policy_entry(key)
        assert {"value", "unit", "rule", "source"} <= set(entry), key
        assert isinstance(entry["value"], int | float), key
    for key, value in {"sop.first_response_hours": 24, "sop.solution_hours": 48, "sop.close_hours": 72,
                       "gdpr.response_months": 1, "japan.statutory_return_days": 8, "eu.withdrawal_days": 14,
                       "a_to_z.claim_deadline_days": 90}.items():
        assert checks.policy(key) == value
    assert checks.policy_entry("returns.late_fee_percent")["uncertain"] is True  # read only through a mirror
    assert "uncertain" not in checks.policy_entry("a_to_z.seller_response_hours")  # A4 states the 48 hours


def test_short_text_earns_a_share_per_key_point():
    score = checks.text("FBA order: Amazon handles the return", points=2, keywords=("fba", "amazon", "refund"))
    assert score.points == pytest.approx(1.33) and score.failed == ["keyword:refund"]
    assert checks.text("Amazon", points=1, keywords=("fba", "amazon"), minimum=1).points == 1


def test_choice_takes_options_as_listed_in_metadata():
    assert checks.choice("E", correct="E", options=["A", "B", "C", "D", "E"]).points == 1
    assert checks.choice("E", correct="B", options=["A", "B", "C", "D"]).failed == ["not_an_option"]
