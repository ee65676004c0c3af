"""The reply grader's language layer: detection (py3langid, offline) measured on tests/data/languages.yaml,
and the register (formal or informal address) of a reply."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
import yaml

from caseloop.checks.languages import detect_language, register

MESSAGES: dict[str, list[str]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "languages.yaml").read_text(encoding="utf-8"))
LABELLED = [(language, text) for language, texts in MESSAGES.items() for text in texts]


def test_the_measurement_set_has_ten_messages_in_each_of_eleven_languages():
    assert sorted(MESSAGES) == sorted(["en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "ja", "zh"])
    assert all(len(texts) == 10 for texts in MESSAGES.values())


def test_detection_is_right_on_at_least_95_percent_of_the_set():
    wrong = [(language, detect_language(text), text) for language, text in LABELLED
             if detect_language(text) != language]
    assert len(wrong) <= 0.05 * len(LABELLED), wrong


def test_every_reply_in_the_wrong_language_is_flagged():
    # The grader flags a reply whose detected language is not the buyer's: every (written, expected) pair
    # of different languages must come out as a detected language other than the expected one.
    missed = [(written, expected, text) for written, text in LABELLED for expected in MESSAGES
              if expected != written and detect_language(text) in (None, expected)]
    assert not missed, missed[:5]


@pytest.mark.parametrize("text", ["OK", "Danke", "Thank you.", "谢谢", "12345", "302-1234567-1234567",
                                  "B07XYZ1234 ASIN", "😀😀😀😀😀😀😀😀😀😀", "", "   "])
def test_short_texts_numbers_and_ids_are_undecided(text):
    assert detect_language(text) is None


def test_kana_make_japanese_and_han_alone_chinese():
    assert detect_language("ご迷惑をおかけしました。") == "ja"
    assert detect_language("東京都の倉庫から発送済み。") == "ja"  # mostly kanji, one kana
    assert detect_language("已经退款了，请查收。") == "zh"
    assert detect_language("您好，亲，退款已处理。") == "zh"


def test_candidates_restrict_the_answer():
    german = "Guten Tag, vielen Dank für Ihre Nachricht. Wir erstatten Ihnen den Betrag heute."
    assert detect_language(german, candidates=["de", "en"]) == "de"
    assert detect_language(german, candidates=["en", "fr"]) is None
    assert detect_language("お問い合わせありがとうございます。", candidates=["zh"]) is None
    assert detect_language("非常抱歉，我们会退款。", candidates=["ja", "zh"]) == "zh"
    assert detect_language(german, candidates=[]) is None


def test_names_and_foreign_product_words_do_not_change_the_language():
    assert detect_language("Hi Jordan, thanks for waiting. Your Kopfhörer replacement ships today.") == "en"
    assert detect_language("Hallo Jordan, danke für Ihre Geduld. Der Ersatz kommt morgen.") == "de"
    assert detect_language("Ihre Bestellung 302-1234567-1234567 wurde erstattet.") == "de"


def test_detection_takes_well_under_a_millisecond_a_message():
    detect_language(LABELLED[0][1])  # loads the model
    times = []
    for _, text in LABELLED:
        start = time.perf_counter()
        detect_language(text)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.001  # measured about 40 us


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("de", "Sehr geehrte Frau Becker, vielen Dank für Ihre Nachricht. Wir senden Ihnen heute ein neues Gerät.",
     "formal"),
    ("de", "Hallo Anna, danke für deine Nachricht! Wir schicken dir heute ein neues Gerät.", "informal"),
    ("de", "Hallo Anna,\nDu bekommst morgen ein neues Gerät.", "informal"),
    ("de", "Sehr geehrte Frau Becker,\nSie erhalten morgen ein neues Gerät.", "formal"),  # after the salutation
    ("de", "Sie wurde gestern verschickt. Ihr Zustand ist gut.", None),  # sentence-initial: she, its
    ("de", "Die Kopfhörer sind da, wir haben sie gestern verschickt.", None),
    ("de", "Wir senden Ihnen heute ein neues Gerät, damit du nicht warten musst.", None),
    ("de", "SIE ERHALTEN MORGEN EIN NEUES GERÄT.", None),
    ("fr", "Bonjour Madame, nous vous remercions pour votre message.", "formal"),
    ("fr", "Salut Léa, merci pour ton message, on t'envoie un nouveau chargeur.", "informal"),
    ("fr", "Nous t’avons remboursé hier.", "informal"),
    ("fr", "Merci pour votre message, on te rembourse.", None),
    ("fr", "Le colis est arrivé hier.", None),
    ("es", "Estimado cliente, le enviamos hoy un cargador nuevo. Gracias por su paciencia.", "formal"),
    ("es", "Usted recibirá el reembolso mañana.", "formal"),
    ("es", "Hola Ana, te enviamos hoy un cargador nuevo. Gracias por tu paciencia.", "informal"),
    ("es", "Hola Ana, te escribimos porque el transportista perdió su camión.", "informal"),
    ("es", "Usted recibirá tu pedido mañana.", None),
    ("it", "Gentile signora Rossi, La ringraziamo per il Suo messaggio. Le invieremo un nuovo caricabatterie.",
     "formal"),
    ("it", "Gentile signora Rossi,\nLa ringraziamo per la pazienza.", "formal"),
    ("it", "Possiamo inviarLe un nuovo caricabatterie.", "formal"),
    ("it", "Ciao Marco, grazie per il tuo messaggio. Ti mandiamo subito un nuovo caricabatterie.", "informal"),
    ("it", "La scatola era vuota. Le cuffie non funzionano.", None),  # sentence-initial: the articles
    ("it", "Grazie per il Suo messaggio, ti mandiamo un nuovo caricabatterie.", None),
    ("ja", "お問い合わせありがとうございます。交換品を明日発送いたします。", "formal"),
    ("ja", "ご不便をおかけして申し訳ございません", "formal"),
    ("ja", "確認しましたが、在庫がありませんでした。", "formal"),
    ("ja", "連絡ありがとう！明日新しいのを送るよ。ちょっと待っててね。", "informal"),
    ("ja", "それは困るじゃない。", "informal"),
    ("ja", "今日発送したんだ。", "informal"),
    ("ja", "明日発送します。待っててね。", None),
    ("ja", "返金済み。", None),
    ("en", "Dear Sir, we thank you for your message.", None),
    ("en", "Hey mate, cheers for the message!", None),
    ("nl", "Bedankt voor uw bericht.", "formal"),
    ("nl", "Geachte mevrouw Jansen, wij sturen u vandaag een nieuwe lamp.", "formal"),
    ("nl", "Hoi Sanne, bedankt voor je bericht! We sturen jou vandaag een nieuwe lamp.", "informal"),
    ("nl", "Beste Sanne,\nJij krijgt morgen een nieuwe lamp.", "informal"),
    ("nl", "Wij sturen u vandaag een nieuwe lamp, dan hoef je niet te wachten.", None),  # mixed
    ("nl", "Het pakket is gisteren verstuurd.", None),
])
def test_register(language, text, expected):
    assert register(text, language) == expected
