"""Decision checks on answers trainees really write, each with the value a person reads in it."""

from __future__ import annotations

from datetime import date

import pytest

from caseloop import checks
from caseloop.checks.decisions import parse_date, parse_number, picked_option


@pytest.mark.parametrize("answer", ["Damaged in transit", "Because the parcel was lost", "Carrier's fault"])
def test_a_word_starting_with_an_option_letter_is_not_a_choice(answer):
    assert picked_option(answer) is None
    assert checks.choice(answer, correct="B").failed == ["not_an_option"]


def test_the_answer_key_may_be_written_in_lower_case():
    assert checks.choice("B", correct="b").points == 1
    assert checks.choice("c) refund", correct="c").points == 1


@pytest.mark.parametrize(("answer", "value"), [
    ("The refund is 45.98.", 45.98), ("Refund 1,045.98, then close the case.", 1045.98), ("-12.50", -12.5),
    ("+3", 3), ("€ 12,5", 12.5),
])
def test_numbers_in_a_sentence(answer, value):
    assert parse_number(answer) == pytest.approx(value)


def test_an_answer_eight_cents_off_is_wrong():
    assert checks.number("45.90", expected=45.98).failed == ["number"]
    assert checks.number("45.98", expected=45.98).points == 1


@pytest.mark.parametrize(("written", "meant"), [
    ("03/19/2026", [date(2026, 3, 19)]),          # only the US reading is a date
    ("19/03/2026", [date(2026, 3, 19)]),          # only the day-first reading is a date
    ("03/04/2026", [date(2026, 3, 4), date(2026, 4, 3)]),
    ("2026-3-9", [date(2026, 3, 9)]),
])
def test_slashed_and_dashed_dates_keep_every_valid_reading(written, meant):
    readings, ambiguous = parse_date(written)
    assert readings == meant and ambiguous == (len(meant) > 1)
    assert checks.date(written, meant[-1]).points == 1


def test_one_cent_off_is_within_a_one_cent_tolerance_either_way():
    from caseloop import checks

    assert checks.number("45.99", expected=45.98, points=1).points == 1
    assert checks.number("45.97", expected=45.98, points=1).points == 1
    assert checks.number("46.00", expected=45.98, points=1).points == 0
