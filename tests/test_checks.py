"""The grading vocabulary on its own: partial credit, red lines, parsing of plain-literal answers."""

from __future__ import annotations

import pytest

from caseloop import checks

GOOD_REPLY = """Dear Jordan,
Thank you for contacting us, and I am very sorry your earbuds did not arrive in time for the birthday.
I checked the tracking: the parcel has not moved for 8 days, so it is most likely lost. I can refund your
order in full today, or send a replacement by expedited shipping. Please tell me which you prefer.
Kind regards,
Customer Service"""


def test_good_reply_earns_full_points(capsys):
    score = checks.reply(GOOD_REPLY, points=3, buyer_name="Jordan")
    assert score.points == 3 and score.failed == []
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize(("remove", "code"), [
    ("Dear Jordan,\n", "greeting"),
    ("Thank you for contacting us, and I am very sorry ", "empathy"),
    ("\nKind regards,", "closing"),
    (" today", "time"),
])
def test_each_missing_element_costs_a_level(remove, code, capsys):
    score = checks.reply(GOOD_REPLY.replace(remove, " "), points=3, buyer_name="Jordan")
    assert code in score.failed and score.level == 3
    assert score.points == pytest.approx(2.25)
    assert "✗" in capsys.readouterr().out


def test_greeting_must_use_the_buyers_name():
    assert "greeting" in checks.reply(GOOD_REPLY.replace("Jordan", "Customer"), points=3, buyer_name="Jordan").failed


@pytest.mark.parametrize(("addition", "code"), [
    (" Visit https://my-shop.example.com for more.", "link"),
    (" Write to help@shop.example.", "email"),
    (" Call us on +1 415 555 0100.", "phone"),
    (" Please leave us a 5-star review!", "review_request"),
    (" We will send you a gift card if you update your feedback.", "review_incentive"),
    (" You should have read the description.", "blame"),
    (" 😊", "emoji"),
    (" 请尽快处理", "chinese_left"),
    (" THIS IS NOT OUR FAULT AT ALL", "shouting"),
])
def test_red_lines_zero_the_reply(addition, code):
    score = checks.reply(GOOD_REPLY + addition, points=3, buyer_name="Jordan")
    assert code in score.failed
    assert score.points == 0


def test_amazon_links_and_order_ids_are_not_red_lines():
    text = GOOD_REPLY + " Your order 112-1234567-1234567 is listed at https://www.amazon.com/gp/your-orders."
    assert checks.reply(text, points=3, buyer_name="Jordan").points == 3


@pytest.mark.parametrize("link", ["https://www.amazon.com/dp/B0ABCDEF12", "amazon.co.uk/stores/SoundShop/page/123",
                                  "www.amazon.de/s?k=wasserkocher"])
def test_amazon_links_the_order_does_not_need_are_red_lines(link):
    # messaging rules allow links only where the order needs them (order, returns, help), not product pages
    score = checks.reply(GOOD_REPLY + f" You may also like our other models: {link}", points=3, buyer_name="Jordan")
    assert "link" in score.failed and score.points == 0
    for needed in ("https://www.amazon.com/gp/your-orders", "amazon.fr/returns",
                   "amazon.de/gp/help/customer/display.html?nodeId=201819160"):
        assert checks.reply(GOOD_REPLY + f" The details are at {needed}.", points=3, buyer_name="Jordan").points == 3


def test_blank_and_stub_answers_score_zero():
    for blank in (None, "", "\n\n", "\n### BEGIN SOLUTION\n### END SOLUTION\n"):
        assert checks.reply(blank, points=3).failed == ["blank"]
        assert checks.choice(blank, correct="B").points == 0


def test_too_short_reply_costs_a_level():
    score = checks.reply("Dear Jordan,\nI am sorry about this. I have refunded you today.\nRegards", points=2,
                         buyer_name="Jordan", require=("greeting", "apology"))
    assert score.failed == ["too_short"] and score.points == 1.5


@pytest.mark.parametrize("answer", ["B", "b", " B) refund now", "(B)", "\nB\n"])
def test_choice_accepts_the_ways_people_write_a_letter(answer):
    assert checks.choice(answer, correct="B").points == 1


def test_choice_rejects_non_options_with_a_reason():
    score = checks.choice("refund", correct="B")
    assert score.points == 0 and score.failed == ["not_an_option"]
    assert checks.choice("C", correct="B").failed == ["choice"]


@pytest.mark.parametrize(("answer", "value"), [
    ("45.98", 45.98), ("$45.98", 45.98), ("45,98 €", 45.98), ("1,045.98", 1045.98), ("1.045,98", 1045.98),
    ("48 hours", 48), ("14", 14), ("1,000", 1000),
])
def test_number_parsing(answer, value):
    assert checks.number(answer, expected=value, points=2).points == 2


def test_number_outside_tolerance_and_not_a_number():
    assert checks.number("39.99", expected=45.98).failed == ["number"]
    assert checks.number("about fifty", expected=45.98).failed == ["not_a_number"]


def test_score_text_is_what_nbgrader_reads_as_partial_credit():
    score = checks.reply(GOOD_REPLY.replace("Dear Jordan,\n", ""), points=3, buyer_name="Jordan")
    assert repr(score) == "2.25"
    assert score._repr_json_()["failed"] == ["greeting"] and score._repr_json_()["level"] == 3


def test_policy_numbers_come_from_the_data_file():
    assert checks.policy("a_to_z.seller_response_hours") == 48
    assert checks.policy("eu.withdrawal_days") == 14
    with pytest.raises(KeyError, match="known keys"):
        checks.policy("no.such.rule")
