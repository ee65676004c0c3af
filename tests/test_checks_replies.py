"""A suite of written replies: good ones in four languages, each red line, each missing element.

Every case states the score and the failure code it must get, and that the feedback says what was
wrong in both languages.
"""

from __future__ import annotations

import pytest

from caseloop import checks
from test_checks import GOOD_REPLY as ENGLISH

GERMAN = """Sehr geehrter Herr Becker,
vielen Dank für Ihre Nachricht. Es tut uns leid, dass Sie den Wasserkocher zurückgeben möchten, und wir
verstehen Ihr Anliegen. Sie müssen keinen Grund nennen: Ihr Widerruf ist innerhalb von 14 Tagen möglich.
Wir senden Ihnen heute ein Rücksendeetikett und erstatten den vollen Betrag innerhalb von 14 Tagen nach
Eingang der Ware.
Mit freundlichen Grüßen
Ihr Kundenservice"""

FRENCH = """Bonjour Mme Martin,
Merci pour votre message, et nous sommes désolés que la robe ne vous convienne pas. Nous comprenons votre
déception. Nous vous envoyons aujourd'hui une étiquette de retour, et le remboursement sera effectué sous
14 jours après réception du colis.
Cordialement,
Le service client"""

JAPANESE = """高橋様
このたびはご不便をおかけし、誠に申し訳ございません。ご注文の商品について、本日中に交換品をお送りいたします。
3営業日以内にお届けの予定です。今後ともよろしくお願いいたします。"""


@pytest.mark.parametrize(("text", "name", "language", "words"), [
    (ENGLISH, "Jordan", "en", 40), (GERMAN, "Herr Becker", "de", 40), (FRENCH, "Mme Martin", "fr", 30),
    (JAPANESE, "高橋", "ja", 20),
])
def test_good_replies_in_the_buyers_language_earn_full_marks(text, name, language, words):
    score = checks.reply(text, points=3, buyer_name=name, language=language, min_words=words)
    assert score.failed == [] and score.points == 3, score.failed


@pytest.mark.parametrize(("addition", "code", "zh", "en"), [
    (" Visit https://my-shop.example.com for more.", "link", "链接", "links outside Amazon"),
    (" Write to help@shop.example.", "email", "邮箱", "e-mail"),
    (" Call us on +1 415 555 0100.", "phone", "电话", "phone"),
    (" Please leave us a 5-star review!", "review_request", "好评", "positive review"),
    (" We will send you a gift card if you update your feedback.", "review_incentive", "好处", "incentive"),
    (" Use coupon code SAVE10 on your next order.", "marketing", "营销", "marketing"),
    (" We can also refund you by PayPal.", "off_amazon_payment", "亚马逊之外", "outside Amazon"),
    (" If you cancel the A-to-z claim we will add a bonus.", "conditional_claim", "撤销索赔", "withdrawing a claim"),
    (" We will remove the negative feedback for you.", "removal_promise", "删除评价", "remove a review"),
    (" You should have read the description.", "blame", "指责", "blames"),
    (" 😊", "emoji", "表情", "emojis"),
    (" 请尽快处理", "chinese_left", "中文", "Chinese"),
    (" THIS IS NOT OUR FAULT AT ALL", "shouting", "吼叫", "shouting"),
])
def test_each_red_line_zeroes_the_reply_and_says_why(addition, code, zh, en, capsys):
    score = checks.reply(ENGLISH + addition, points=3, buyer_name="Jordan")
    assert code in score.failed and score.points == 0
    out = capsys.readouterr().out
    assert zh in out and en in out and "得分 / Score: 0 / 3" in out


def test_a_german_buyer_needs_a_german_reply(capsys):
    score = checks.reply(ENGLISH.replace("Jordan", "Herr Becker"), points=3, buyer_name="Herr Becker", language="de")
    assert "wrong_language" in score.failed and score.points == 0
    out = capsys.readouterr().out
    assert "written in English" in out and "German" in out and "德语" in out


def test_a_chinese_draft_to_an_english_buyer_is_wrong_twice():
    draft = "您好，非常抱歉您的耳机没有按时送到。我们今天会为您全额退款，请您放心。祝好"
    score = checks.reply(draft, points=3, buyer_name="Jordan", min_words=5)
    assert {"chinese_left", "wrong_language"} <= set(score.failed) and score.points == 0


@pytest.mark.parametrize("language", ["de", "fr", "ja"])
def test_language_detection_is_offline_and_right(language):
    text = {"de": GERMAN, "fr": FRENCH, "ja": JAPANESE}[language]
    assert checks.detect_language(text) == language
    assert checks.detect_language(ENGLISH) == "en"
    assert checks.detect_language("OK") is None


def test_a_promise_this_case_forbids_is_a_red_line(capsys):
    score = checks.reply(ENGLISH, points=3, buyer_name="Jordan", forbid=(r"refund your\s+order in full",))
    assert score.failed == ["policy_promise"] and score.points == 0
    assert "refund your order in full" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "language", "remove", "code"), [
    (ENGLISH, "en", "Dear Jordan,\n", "greeting"),
    (ENGLISH, "en", "Thank you for contacting us, and ", "empathy"),
    (ENGLISH, "en", "I am very sorry ", "apology"),
    (ENGLISH, "en", "I checked the tracking: the parcel has not moved for 8 days, so it is most likely lost. I can "
                    "refund your\norder in full today, or send a replacement by expedited shipping.", "action"),
    (ENGLISH, "en", " today", "time"),
    (ENGLISH, "en", "\nKind regards,", "closing"),
    (GERMAN, "de", "Es tut uns leid, dass Sie den Wasserkocher zurückgeben möchten, und wir\nverstehen Ihr "
                   "Anliegen. ", "apology"),
    (GERMAN, "de", "Mit freundlichen Grüßen\n", "closing"),
    (FRENCH, "fr", "Cordialement,\n", "closing"),
    (JAPANESE, "ja", "誠に申し訳ございません。", "apology"),
])
def test_each_missing_element_costs_its_share_and_says_why(text, language, remove, code, capsys):
    assert remove in text
    rubric = ("greeting", "apology", "action", "closing") if language != "en" else checks.DEFAULT_RUBRIC
    replacement = " I will look into it today. " if code == "action" else " "
    score = checks.reply(text.replace(remove, replacement), points=3, language=language, require=rubric, min_words=10)
    assert score.failed == [code]
    assert score.points == pytest.approx(3 - 3 / len(rubric), abs=0.01)
    out = capsys.readouterr().out
    assert "✗ 缺少" in out and "missing:" in out


def test_restating_the_problem_is_configurable_per_exercise():
    keys = (r"earbud", r"not arriv|did not arrive")
    assert checks.reply(ENGLISH, points=3, buyer_name="Jordan", problem=keys).points == 3
    vague = ENGLISH.replace("your earbuds did not arrive in time for the birthday", "of this")
    score = checks.reply(vague, points=7, buyer_name="Jordan", problem=keys)
    assert score.failed == ["restate"] and score.points == 6


def test_a_rubric_of_the_trainers_choice():
    score = checks.reply(ENGLISH.replace("Kind regards,", ""), points=2, buyer_name="Jordan",
                         require=("greeting", "action"))
    assert score.points == 2
    with pytest.raises(ValueError, match="unknown rubric element"):
        checks.reply(ENGLISH, points=1, require=("greting",))


def test_length_bounds_halve_the_score():
    long_reply = ENGLISH.replace("Kind regards,", "I will keep you updated every day. " * 40 + "\nKind regards,")
    score = checks.reply(long_reply, points=3, buyer_name="Jordan")
    assert "too_long" in score.failed and score.points == 1.5
    assert "too_short" in checks.reply(ENGLISH, points=3, buyer_name="Jordan", min_words=200).failed
