"""Written replies judged against their case: what could not be sent, what misses the remedy, how well it is written.

Replies here are written for these tests (not taken from the labelled corpus in benchmarks/data/replies/,
which measures agreement with a reviewer). Every test states the level or failure code a reply must
get and that the feedback says why in zh and en.
"""

from __future__ import annotations

import json
import time

import pytest

from caseloop import checks
from caseloop.nbgrader_ext.review import unsure_reasons

JORDAN = """Hi Jordan,

I'm so sorry your earbuds didn't make it for the birthday; that is really disappointing. USPS hasn't scanned
the parcel for 8 days now, so I'm treating it as lost. I can refund your order in full today or send a new pair
by expedited shipping, whichever you prefer. Just reply here and I'll take care of it within 24 hours.

Best regards,
Mia"""

BECKER = """Guten Tag Herr Becker,

vielen Dank für Ihre Nachricht. Selbstverständlich können Sie den Kauf ohne Angabe von Gründen widerrufen, Sie
sind noch innerhalb der 14-tägigen Widerrufsfrist. Das Rücksendeetikett schicke ich Ihnen heute. Sobald der
Wasserkocher bei uns angekommen ist, erstatten wir Ihnen den vollen Kaufpreis samt Versandkosten.

Mit freundlichen Grüßen
Anna Keller"""

JANSEN = """Geachte mevrouw Jansen,

Hartelijk dank voor uw bericht, en het spijt ons echt dat de lamp met een gebroken kap bij u is aangekomen. Wij
sturen u vandaag kosteloos een nieuwe lamp, die uiterlijk vrijdag bij u wordt bezorgd. De beschadigde lamp hoeft
u niet terug te sturen. Heeft u liever uw geld terug, laat het ons dan weten: dan betalen wij u het volledige
bedrag binnen twee werkdagen terug.

Met vriendelijke groet,
Sanne de Boer"""


def _dutch(text: str, points: float = 3) -> checks.Score:
    return checks.reply(text, points, buyer_name="mevrouw Jansen", language="nl")


def _score(text: str, case: str, points: float = 3, **kwargs) -> checks.Score:
    return checks.reply(text, points, case=case, **kwargs)


def test_a_good_reply_in_its_own_words_earns_full_marks(capsys):
    score = _score(JORDAN, "C-0001")
    assert score.points == 3 and score.level == 4, score.failed
    out = capsys.readouterr().out
    assert "level: excellent (4/4)" in out and "评级" in out


def test_a_good_german_reply_earns_full_marks():
    score = _score(BECKER, "C-0006")
    assert score.points == 3, score.failed


def test_a_good_dutch_reply_earns_full_marks():
    score = _dutch(JANSEN)
    assert score.points == 3 and score.level == 4, score.failed


def test_a_good_dutch_reply_to_its_case_earns_full_marks_and_the_wrong_remedy_nothing():
    visser = ("Geachte mevrouw Visser,\n\nDank u wel voor uw bericht, wat vervelend dat de jas niet goed past. "
              "Natuurlijk mag u de jas terugsturen: u zit nog binnen de bedenktijd van 14 dagen. Als wij de jas hebben "
              "ontvangen, krijgt u de aankoopprijs en de verzendkosten binnen twee werkdagen van ons terug.\n\n"
              "Met vriendelijke groet,\nLisa")
    score = _score(visser, "C-0540")
    assert score.points == 3, score.failed
    refused = visser.replace("Natuurlijk mag u de jas terugsturen", "Helaas kunnen wij gepaste kleding niet "
                             "terugnemen")
    assert "case_wrong:refuses_tried_on_coat" in _score(refused, "C-0540").failed
    thirty = visser.replace("bedenktijd van 14 dagen", "bedenktijd van 30 dagen")
    assert _score(thirty, "C-0540").failed == ["false_fact:withdrawal_period"]


def test_the_informal_je_to_a_dutch_buyer_costs_the_register():
    informal = (JANSEN.replace("Geachte", "Hoi").replace("uw bericht", "je bericht").replace("bij u", "bij je")
                .replace("sturen u", "sturen je").replace("hoeft\nu", "hoef\nje").replace("Heeft u liever uw",
                                                                                           "Heb je liever je")
                .replace("betalen wij u", "betalen wij je"))
    assert " u " not in informal.replace("\n", " ")
    score = _dutch(informal)
    assert "register" in score.failed and score.level == 1, score.failed


@pytest.mark.parametrize(("addition", "code"), [
    (" Bel ons gerust als u vragen heeft.", "phone"),
    (" U kunt ons ook bellen op 020 123 4567.", "phone"),
    (" Mail ons gerust voor een snellere afhandeling.", "off_platform_contact"),
    (" Wilt u, als alles goed is, een positieve recensie achterlaten?", "review_request"),
    (" Laat gerust een recensie achter, dat helpt ons enorm.", "review_request"),
    (" Zou u uw beoordeling willen aanpassen nu het is opgelost?", "review_request"),
    (" Als dank krijgt u een cadeaubon voor een aangepaste beoordeling.", "review_incentive"),
    (" Het bedrag maken wij over via een bankoverschrijving.", "off_amazon_payment"),
    (" Kijk ook eens in onze webshop op www.lampenwinkel.nl.", "link"),
    (" Schrijf ons op service@lampenwinkel.nl.", "email"),
    (" Met onze kortingscode krijgt u 10 % op uw volgende bestelling.", "marketing"),
    (" Let de volgende keer beter op bij het uitpakken.", "blame"),
    (" Zou u ons willen beoordelen op Amazon?", "review_request"),
    (" Vergeet niet ons vijf sterren te geven.", "review_request"),
    (" Stuur ons gerust een mailtje.", "off_platform_contact"),
])
def test_each_dutch_red_line_zeroes_the_reply(addition, code):
    score = _dutch(JANSEN.replace("Met vriendelijke groet", addition.strip() + "\n\nMet vriendelijke groet"))
    assert code in score.failed and score.points == 0, score.failed


def test_harmless_dutch_mentions_are_not_red_lines():
    from caseloop.checks.redlines import red_lines

    for text in ("Bedankt voor uw feedback; wij laten u morgen weten wat PostNL zegt.",
                 "Uw bestelling 403-1234567-1234567 is op 02-12-2026 verzonden met PostNL.",
                 "De terugbetaling van € 39,95 staat binnen 3 tot 5 werkdagen op uw rekening.",
                 "Wij hebben PostNL gebeld en een onderzoek gestart.",
                 "Uw feedback geven wij door aan ons team; wij schrijven u morgen.",
                 "Bedankt voor uw beoordeling van de lamp.",
                 "U kunt het retourlabel downloaden via uw bestellingen op amazon.nl."):
        assert red_lines(text, "nl") == [], text


def test_a_dutch_misspelling_is_found():
    score = _dutch(JANSEN.replace("kosteloos", "kosteloz"))
    assert "spelling" in score.failed and score.level == 3, score.failed
    assert "kosteloz" in " ".join(score.unsure)


@pytest.mark.parametrize(("addition", "code"), [
    (" Visit https://my-shop.example.com for more.", "link"),
    (" Or see our website for the full story.", "link"),
    (" Write to help@shop.example.", "email"),
    (" Write to support [at] soundshop [dot] com if that is easier.", "email"),
    (" You can also reach me at mia at soundshop dot com.", "email"),
    (" Or write to m i a @ s h o p . c o m.", "email"),
    (" Call us on +1 415 555 0100.", "phone"),
    (" Or call us on 020 7946 0958, we are there until six.", "phone"),
    (" If it is quicker, just give us a call.", "phone"),
    (" Message us on WhatsApp if you like.", "off_platform_contact"),
    (" Find us on Instagram @soundshop_official.", "off_platform_contact"),
    (" Please leave us a 5-star review!", "review_request"),
    (" If you're happy with this, a few kind words in your feedback would mean a lot to our small team.",
     "review_request"),
    (" Would you consider updating your rating once it's sorted?", "review_request"),
    (" Once the refund is through, please let other shoppers know we made it right.", "review_request"),
    (" We will send you a gift card if you update your feedback.", "review_incentive"),
    (" As a thank-you for a review we'll add a free case to your next parcel.", "review_incentive"),
    (" Use coupon code SAVE10 on your next order.", "marketing"),
    (" We can also refund you by PayPal.", "off_amazon_payment"),
    (" Send me your IBAN and I'll transfer it straight away.", "off_amazon_payment"),
    (" If you cancel the A-to-z claim we will add a bonus.", "conditional_claim"),
    (" We will remove the negative feedback for you.", "removal_promise"),
    (" You should have read the description.", "blame"),
    (" Please handle our products more carefully next time.", "blame"),
    (" 😊", "emoji"),
    (" 请尽快处理", "chinese_left"),
    (" THIS IS NOT OUR FAULT AT ALL", "shouting"),
    (" Thanks, [Agent name]", "placeholder"),
])
def test_each_red_line_zeroes_the_reply_and_says_why(addition, code, capsys):
    text = JORDAN.replace("\n\nBest regards", addition + "\n\nBest regards")
    score = _score(text, "C-0001")
    assert code in score.failed and score.points == 0, score.failed
    out = capsys.readouterr().out
    assert "得分 / Score: 0 / 3" in out and "cannot be sent (0/4)" in out


@pytest.mark.parametrize(("language", "case", "text", "code"), [
    ("de", "C-0006", "Über eine positive Bewertung würden wir uns sehr freuen.", "review_request"),
    ("de", "C-0006", "Rufen Sie uns gern unter 030 1234567 an.", "phone"),
    ("de", "C-0006", "Den Betrag überweisen wir Ihnen per Überweisung auf Ihr Konto.", "off_amazon_payment"),
    ("fr", "C-0026", "Un petit avis positif nous aiderait beaucoup.", "review_request"),
    ("fr", "C-0026", "Appelez-nous au 01 23 45 67 89.", "phone"),
    ("es", "C-0301", "Le agradeceríamos mucho una valoración positiva.", "review_request"),
    ("es", "C-0301", "Llámenos al 612 345 678.", "phone"),
    ("es", "C-0301", "Le devolvemos el dinero por Bizum.", "off_amazon_payment"),
    ("it", "C-0302", "Ci farebbe piacere una recensione positiva.", "review_request"),
    ("it", "C-0302", "Le rimborsiamo l'importo con un bonifico.", "off_amazon_payment"),
    ("ja", "C-0200", "レビューで応援していただけると嬉しいです。", "review_request"),
    ("ja", "C-0200", "お電話でもご連絡ください。", "phone"),
    ("nl", "C-0541", "Een positieve recensie zouden wij zeer waarderen.", "review_request"),
    ("nl", "C-0541", "Bel ons gerust op 020 123 4567.", "phone"),
    ("nl", "C-0541", "Het bedrag maken wij via Tikkie aan u over.", "off_amazon_payment"),
    ("nl", "C-0543", "Schrijf naar service (apenstaartje) koffieservice punt nl.", "email"),
    ("nl", "C-0543", "Vul het formulier in op koffieservice punt nl slash reparatie.", "link"),
    ("nl", "C-0543", "Vul het formulier in op onze eigen servicepagina.", "link"),
    ("en", "C-0001", "Our form is at myshop dot com slash help.", "link"),
    ("fr", "C-0026", "Remplissez le formulaire sur maboutique point fr.", "link"),
    ("ja", "C-0009", "弊社のサポート（エル・アイ・エヌ・イー：ＩＤ　ｓｈｏｐ＿ｋａｓｈｉｔｓｕ）へお送りください。",
     "off_platform_contact"),
    ("ja", "C-0009", "ラインのＩＤはshop_kashitsuです。", "off_platform_contact"),
])
def test_red_lines_hold_in_every_reply_language(language, case, text, code):
    from caseloop.checks.redlines import red_lines

    assert code in [f.code for f in red_lines(text, language)]


def test_harmless_mentions_are_not_red_lines():
    from caseloop.checks.redlines import red_lines

    for text in ("Thank you for your feedback; I will update you tomorrow.",
                 "I read your review and you are right, the cable is too short.",
                 "Your order 111-0000000-0000001 shipped on 2026-03-09 with tracking 9400 1000 0000 0000 0000 00.",
                 "The refund of $29.99 will reach your card in 3 to 5 business days.",
                 "Ihre Bestellung 302-0000000-0000006 vom 05.02.2026 ist angekommen."):
        assert red_lines(text, "en" if "Ihre" not in text else "de") == [], text


def test_a_list_of_rubric_words_earns_nothing(capsys):
    words = ("Hi Jordan,\nsorry, frustrating, USPS, 8 days, lost, full refund, replacement, expedited, today, "
             "within 24 hours, birthday.\nKind regards,\nMia")
    score = _score(words, "C-0001")
    assert "not_prose" in score.failed and score.points == 0
    assert "list of words" in capsys.readouterr().out


def test_a_reply_to_another_case_earns_nothing(capsys):
    other = checks.casefile.library().case("C-0104")["reply_template"].replace("Ava", "Jordan")
    score = _score(other, "C-0001")
    assert "other_case" in score.failed and score.points == 0, score.failed
    assert "about another case (C-0104" in capsys.readouterr().out


def test_a_reply_to_amazon_may_greet_amazon_by_a_word_of_the_teams_name():
    from caseloop.checks import reply

    text = ("Dear Amazon,\n\nRegarding the chargeback on this order: the coffee machine was shipped on 12 November "
            "with BRT, tracked and signed for at the delivery address on 14 November. Please find the proof of "
            "delivery attached; we ask you to present it to the card issuer. We answer any question within 24 "
            "hours.\n\nBest regards,\nPaolo")
    assert "other_case" not in reply(text, 3, case="C-0510").failed
    assert "other_case" in reply(text.replace("Dear Amazon", "Dear Mr Rossi"), 3, case="C-0510").failed


def test_a_reply_greeting_another_buyer_earns_nothing():
    score = _score(JORDAN.replace("Hi Jordan", "Hi Nicole"), "C-0001")
    assert "other_case" in score.failed and score.points == 0


def test_the_wrong_language_earns_nothing(capsys):
    score = _score(JORDAN.replace("Jordan", "Herr Becker"), "C-0006")
    assert "wrong_language" in score.failed and score.points == 0
    out = capsys.readouterr().out
    assert "written in English" in out and "German" in out and "德语" in out


def test_the_informal_register_to_a_german_buyer_is_weak():
    informal = ("Hallo Herr Becker,\n\ndanke für deine Nachricht. Klar kannst du den Kauf ohne Grund widerrufen, "
                "du bist "
                "noch in der 14-tägigen Frist. Das Rücksendeetikett schicke ich dir heute, und sobald der Wasserkocher "
                "da ist, bekommst du den vollen Betrag samt Versand zurück.\n\nViele Grüße\nAnna")
    score = _score(informal, "C-0006")
    assert "register" in score.failed and score.level == 1


def test_misspellings_cost_levels_and_many_make_a_reply_weak():
    one = _score(JORDAN.replace("disappointing", "disapointing"), "C-0001")
    assert "spelling" in one.failed and one.level == 3 and "disapointing" in " ".join(one.unsure)
    many = _score(JORDAN.replace("disappointing", "disapointing").replace("scanned", "scaned")
                  .replace("prefer", "prefere"), "C-0001")
    assert many.level == 1


@pytest.mark.parametrize(("remove", "code"), [
    ("Hi Jordan,\n\n", "greeting"),
    ("I'm so sorry your earbuds didn't make it for the birthday; that is really disappointing. ", "empathy"),
    (" within 24 hours", "time"),
    ("\n\nBest regards,\nMia", "closing"),
])
def test_each_writing_gap_costs_one_level_and_says_why(remove, code, capsys):
    assert remove in JORDAN
    text = JORDAN.replace(remove, "" if code != "time" else "")
    if code == "time":
        text = text.replace(" today", "")
    score = _score(text, "C-0001")
    assert code in score.failed and score.level == 3, score.failed
    assert "missing:" in capsys.readouterr().out


def test_a_rubric_of_the_trainers_choice():
    score = _score(JORDAN.replace("\n\nBest regards,\nMia", ""), "C-0001", require=("greeting", "action"))
    assert score.points == 3
    with pytest.raises(ValueError, match="unknown rubric element"):
        checks.reply(JORDAN, points=1, require=("greting",))


def test_a_promise_this_exercise_forbids_is_a_red_line(capsys):
    score = _score(JORDAN, "C-0001", forbid=(r"refund your order in full",))
    assert "policy_promise" in score.failed and score.points == 0
    assert "refund your order in full" in capsys.readouterr().out


def test_the_grader_says_when_it_is_unsure_and_the_save_step_reads_it():
    score = _score(JORDAN.replace("disappointing", "disapointing"), "C-0001")
    assert score.unsure and json.loads(json.dumps(score._repr_json_()))["unsure"] == score.unsure
    cell = {"outputs": [{"output_type": "execute_result", "data": {"application/json": score._repr_json_()}}]}
    assert unsure_reasons(cell) == score.unsure
    assert unsure_reasons({"outputs": [{"output_type": "execute_result",
                                        "data": {"application/json": _score(JORDAN, "C-0001")._repr_json_()}}]}) == []


def test_a_check_takes_under_20_ms():
    _score(JORDAN, "C-0001")  # the first check loads the dictionaries and the language model
    started = time.perf_counter()
    for _ in range(20):
        _score(JORDAN, "C-0001")
    assert (time.perf_counter() - started) / 20 < 0.020


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Amazon Vine reviewers receive the product free from Amazon, and their reviews carry a Vine label."),
    ("it", "Le recensioni Vine sono scritte da clienti che Amazon invita e che ricevono l'articolo gratuitamente "
           "da Amazon."),
    ("de", "Vine-Tester erhalten das Produkt kostenlos von Amazon, und ihre Rezension ist als Vine gekennzeichnet."),
    ("es", "Los revisores de Vine reciben el producto gratis de Amazon y su reseña lleva la etiqueta Vine."),
])
def test_a_sentence_explaining_amazon_vine_is_no_review_incentive(language, text):
    from caseloop.checks.redlines import red_lines

    assert "review_incentive" not in [f.code for f in red_lines(text, language)], text


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Like Vine, we send you a free one if you review it."),
    ("en", "Think of it as our own Vine, a free gift card for your review."),
    ("en", "We send a free replacement to every customer who reviews us, Vine style."),
    ("en", "Vine reviewers get a free bottle from Amazon, and so do we for our reviewers."),
    ("it", "Come nel programma Vine, Le mandiamo un altro spazzolino gratis se lascia una recensione."),
    ("de", "Wie bei Vine schicken wir Ihnen ein kostenloses Produkt, wenn Sie eine Bewertung schreiben."),
    ("es", "Como en Vine, le enviamos otro altavoz gratis a cambio de una reseña."),
])
def test_an_incentive_that_names_vine_is_still_an_incentive(language, text):
    from caseloop.checks.redlines import red_lines

    assert "review_incentive" in [f.code for f in red_lines(text, language)], text


@pytest.mark.parametrize(("text", "paid"), [
    ("Durante la ricarica il power bank può surriscaldarsi; non lo usi per ricaricare il telefono.", False),
    ("Non lo metta in ricarica e non ricarichi più il Suo cellulare con questo power bank.", False),
    ("La batteria ricaricabile va portata scarica a un punto di raccolta.", False),
    ("Le facciamo una ricarica di 20 euro sulla Sua PostePay.", True),
    ("Le facciamo una ricarica di 15 euro sul Suo conto.", True),
    ("Possiamo ricaricare la Sua carta con 15 euro.", True),
    ("Le inviamo una ricarica telefonica da 10 euro come rimborso.", True),
    ("Le ricarichiamo 12 euro sul Suo cellulare.", True),
    ("Le rimborsiamo l'importo su una carta ricaricabile.", True),
])
def test_italian_ricarica_is_a_payment_only_as_a_top_up(text, paid):
    from caseloop.checks.redlines import red_lines

    assert ("off_amazon_payment" in [f.code for f in red_lines(text, "it")]) is paid, text


def test_recall_and_customs_acronyms_are_not_shouting_but_capitals_still_are():
    from caseloop.checks.redlines import red_lines

    assert red_lines("Please contact the NHS or your GP; the CPSC and OPSS list the recall, the IOSS number is on the "
                     "SMS.", "en") == []
    assert "shouting" in [f.code for f in red_lines("PLEASE DO NOT pay the IOSS charge.", "en")]


def test_ids_of_orders_and_reimbursements_are_no_contact_details():
    from caseloop.checks.redlines import red_lines

    assert red_lines("Units reimbursed: 4 (reimbursement ID 9935512280, Transaction Item IDs 7723140551 to "
                     "7723140562).", "en") == []
    assert red_lines("注文ＩＤ：503-0000000-0000009 のお荷物について確認いたしました。", "ja") == []


def test_product_codes_and_seller_terms_in_capitals_are_not_shouting():
    from caseloop.checks.redlines import red_lines

    assert red_lines("We packed SKU BED-DC-240-NAVY, FNSKU X00IT55PQ8 (reason Lost_Warehouse); the ODR impact and the "
                     "POD are on the ASIN page.", "en") == []
    assert "shouting" in [f.code for f in red_lines("We packed SKU BED-DC-240-NAVY. YOU ARE WRONG.", "en")]


@pytest.mark.parametrize(("language", "text"), [
    ("es", "El punto es que le devolvemos hoy el importe completo."),
    ("it", "Il punto è che La rimborsiamo oggi stesso."),
    ("fr", "Le point de départ du délai est la livraison."),
    ("nl", "Het punt is dat wij u vandaag terugbetalen."),
])
def test_the_word_point_in_a_sentence_is_no_spelled_out_address(language, text):
    from caseloop.checks.redlines import red_lines

    assert red_lines(text, language) == []


def test_the_agents_simplified_chinese_in_a_japanese_reply_is_left_in():
    from caseloop.checks import reply

    text = ("高橋様\n\nご連絡ありがとうございます。色味がイメージと違ったとのこと、申し訳ございません。"
            "到着から30日以内であれば返品を承ります。注文履歴から返品リクエストをお願いいたします（买家原因，退货运费买家承担）。\n\n"
            "よろしくお願いいたします。")
    assert "chinese_left" in reply(text, 3, case="C-0200").failed
    assert "chinese_left" not in reply(text.replace("（买家原因，退货运费买家承担）", ""), 3, case="C-0200").failed


def test_a_japanese_list_of_words_between_slashes_is_not_a_reply():
    from caseloop.checks import reply

    text = ("鈴木様\nお詫び／電池カバー不良／FBA／Amazon返品／注文履歴／商品の返品／返送料無料／返金／メーカー報告／"
            "よろしくお願いいたします")
    assert "not_prose" in reply(text, 3, case="C-0039").failed


@pytest.mark.parametrize("text", [
    "Wij vragen u nog even geduld te hebben; PostNL heeft het druk.",
    "Wij raden u aan zelf contact op te nemen met PostNL en een melding te doen.",
])
def test_asking_a_dutch_buyer_to_wait_or_chase_postnl_is_wrong_for_a_late_parcel(text):
    from caseloop.checks import reply

    body = (f"Beste mevrouw de Jong,\n\nHet spijt ons dat uw pakket nog niet is aangekomen. {text}\n\n"
            "Met vriendelijke groet")
    assert "case_wrong:asks_her_to_wait_or_chase_postnl" in reply(body, 3, case="C-0542").failed


@pytest.mark.parametrize(("language", "text", "incentive"), [
    ("en", "Sellers cannot contact Vine reviewers, and offering a refund or a free bottle for a better review is "
           "against Amazon's review policy.", False),
    ("en", "Offering a refund or a free product in exchange for a review is not allowed on Amazon.", False),
    ("it", "Offrire un rimborso o un prodotto gratis in cambio di una recensione è vietato da Amazon.", False),
    ("es", "Ofrecer un producto gratis a cambio de una reseña está prohibido en Amazon.", False),
    ("en", "It is against policy, so we'll send you a free bottle if you update your review.", True),
    ("en", "A free bottle for a review is not against the rules.", True),
    ("en", "Free bottles for reviews are prohibited unless you keep it quiet.", True),
    ("it", "È vietato, ma Le mandiamo un omaggio se cambia la recensione.", True),
])
def test_saying_an_incentive_is_forbidden_is_not_offering_one(language, text, incentive):
    from caseloop.checks.redlines import red_lines

    assert ("review_incentive" in [f.code for f in red_lines(text, language)]) is incentive, text


@pytest.mark.parametrize(("language", "text", "incentive"), [
    ("en", "Vine reviewers get the product free of charge from Amazon; you can tell their reviews by the Vine label.",
     False),
    ("en", "Vine reviewers get free bottles, so review ours and get one too.", True),
    ("en", "Vine reviewers get free bottles; a review from you earns the same free bottle.", True),
    ("it", "I recensori Vine ricevono gratis il prodotto da Amazon, e anche Lei può riceverne uno con una recensione.",
     True),
    ("de", "Vine-Tester erhalten das Produkt kostenlos, und Sie bekommen es auch für eine Rezension.", True),
])
def test_a_vine_sentence_that_turns_to_the_reader_is_an_incentive(language, text, incentive):
    from caseloop.checks.redlines import red_lines

    assert ("review_incentive" in [f.code for f in red_lines(text, language)]) is incentive, text
