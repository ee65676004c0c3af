"""Each reply exercise's case knows its rules: what a reply to that buyer must do, must not do and must state
right (`reply:` in cases/C-*.yaml), written in the shared concept lexicon (caseloop/checks/concepts.yaml).

The case's own reply meets its rules; hand-written replies show each kind of rule firing (an FBA buyer offered
the seller's own refund, a wrong number of days), negated mentions not counting, numbers read in every
language, and schema errors named with the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from caseloop.cases import check_case, read_sources
from caseloop.cases.schema import yaml_loader
from caseloop.checks.caserules import reply_rules
from caseloop.checks.concepts import concept_match, lexicon
from conftest import REPO

CASES = REPO / "cases"
LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "nl")
REPLY_EXERCISE_CASES = ["C-0001", "C-0006", "C-0007", "C-0008", "C-0010", "C-0014", "C-0015", "C-0016", "C-0018",
                        "C-0021", "C-0024", "C-0025", "C-0026", "C-0027", "C-0038", "C-0040", "C-0042", "C-0101",
                        "C-0102", "C-0104", "C-0200", "C-0201", "C-0202", "C-0301", "C-0302"]


def load(case_id: str) -> dict:
    return yaml.load((CASES / f"{case_id}.yaml").read_text(encoding="utf-8"), Loader=yaml_loader())


def cases_with_rules() -> list[str]:
    return sorted(path.stem for path in CASES.glob("C-*.yaml") if "reply" in load(path.stem))


def ids(rules) -> set[str]:
    return {rule.id for rule in rules}


def wrong_ids(found) -> set[str]:
    return {rule.id for rule, _ in found}


def test_every_reply_exercise_case_has_rules():
    assert set(REPLY_EXERCISE_CASES) <= set(cases_with_rules())


@pytest.mark.parametrize("case_id", cases_with_rules())
def test_the_cases_own_reply_meets_its_rules(case_id):
    case = load(case_id)
    rules = reply_rules(case)
    reply, language = case["reply_template"], case["language"]
    assert rules.must, case_id
    assert rules.missing(reply, language) == []
    assert rules.wrong(reply, language) == []
    assert rules.false_facts(reply, language) == []
    assert rules.on_topic(reply), f"{case_id}: none of {rules.topic} in its own reply"


def test_a_case_without_a_reply_block_has_no_rules():
    assert reply_rules(load("C-0002")) is None


# -- each kind of rule, on replies a trainee could write ------------------------------------------------

def test_offering_an_fba_buyer_the_sellers_own_refund_is_wrong():
    rules = reply_rules(load("C-0038"))
    seller = "Hi Tobias, sorry about that. No problem, I will refund you directly today. Best regards"
    assert wrong_ids(rules.wrong(seller, "en")) == {"seller_refunds_fba_order"}
    assert {"amazon_issues_the_refund", "point_to_amazon_cs"} <= ids(rules.missing(seller, "en"))
    amazon = ("Hi Tobias, as this order was fulfilled by Amazon, Amazon issues the refund and we cannot refund it "
              "ourselves. Your return reached their warehouse 9 days ago; please give Amazon Customer Service that "
              "date.")
    assert rules.wrong(amazon, "en") == []
    assert rules.missing(amazon, "en") == []


def test_asking_a_buyer_past_the_delivery_date_to_wait_is_wrong_and_misses_the_remedy():
    rules = reply_rules(load("C-0001"))
    reply = "Dear Jordan, parcels are often delayed. Please wait a few more days, or contact USPS if you are worried."
    found = rules.wrong(reply, "en")
    assert wrong_ids(found) == {"asks_buyer_to_wait"}
    assert "wait a few more days" in found[0][1]
    assert ids(rules.missing(reply, "en")) == {"offer_refund_or_replacement", "say_what_tracking_shows"}


@pytest.mark.parametrize(("case_id", "reply", "wrong"), [
    ("C-0006", "Sehr geehrter Herr Becker, bitte nennen Sie uns den Grund für Ihren Widerruf.", {"asks_reason"}),
    ("C-0026", "Bonjour Mme Martin, pourriez-vous nous indiquer la raison du retour ?", {"asks_reason"}),
    ("C-0007", "Dear Emily, if you remove your feedback we will send you a gift card.", {"incentive_for_feedback"}),
    ("C-0010", "Dear Tanya, have you checked with your neighbours? Otherwise please contact the carrier.",
     {"doubts_the_buyer", "makes_her_wait_or_chase"}),
    ("C-0015", "Dear Karen, colours may vary depending on your screen; the return postage is at your own expense.",
     {"blames_screen", "buyer_pays"}),
    ("C-0040", "Sehr geehrter Herr Wagner, wir können Ihre Daten leider nicht löschen.", {"keeps_personal_data"}),
    ("C-0200", "高橋様 申し訳ございませんが、返品はお受けできません。", {"refuses_return"}),
    # the refund timing the course taught before (14 days from the goods' return) is wrong: Directive 2011/83/EU art.
    # 13(1) counts 14 days from the withdrawal notice, and Amazon wants the refund 2 business days after the return
    ("C-0006", "Sobald die Ware eingegangen ist, erstatten wir Ihnen den Kaufpreis, spätestens innerhalb von 14 Tagen.",
     {"refund_14_days_after_receipt"}),
    ("C-0006", "Innerhalb von 14 Tagen nach Eingang der Ware erstatten wir Ihnen den vollen Betrag.",
     {"refund_14_days_after_receipt"}),
    ("C-0026", "Dès réception de la lampe, nous vous rembourserons le prix, au plus tard sous 14 jours.",
     {"refund_14_days_after_receipt"}),
    # cases for situations the curriculum lacked: cross-border low-price returns, the UK right to reject, FBA in Spain
    ("C-0400", "Bitte senden Sie die Handyhülle an unsere Adresse in China zurück.", {"sends_her_abroad"}),
    ("C-0401", "We can only offer a repair first; please send the kettle back.", {"insists_on_repair"}),
    ("C-0402", "Envíela a nuestra dirección en Madrid y le devolveremos el dinero.", {"gives_seller_address"}),
    ("C-0011", "Merci de nous renvoyer le vase cassé avant que nous puissions vous rembourser.",
     {"asks_for_the_broken_vase"}),
    ("C-0039", "お手数ですが、中国の当店倉庫までご返送ください。", {"gives_seller_address"}),
    ("C-0034", "Are you sure you did not pick it up already?", {"doubts_him"}),
    ("C-0013", "Bitte schicken Sie die Powerbank auf eigene Kosten an uns zurück.", {"buyer_pays_postage"}),
    ("C-0202", "Dear Connor, I'll refund you in full and you can keep the speaker, but please don't leave a 1-star "
     "review.", {"gives_in_to_the_threat", "mentions_the_review"}),
    ("C-0201", "Dear Rachel, we will pay you $300 for your time and stress.", {"compensation_beyond_order"}),
    ("C-0301", "Estimada Sra. García: envíenos más fotos y devuélvanos la jarra rota.", {"asks_for_more"}),
    ("C-0302", "Buongiorno, deve rivolgersi al produttore: la riparazione è a pagamento.",
     {"sends_him_to_the_manufacturer", "charges_for_the_remedy"}),
    # Dutch buyers on Amazon.nl
    ("C-0540", "Helaas kunnen wij gedragen kleding niet terugnemen, omdat de jas al gepast is.",
     {"refuses_tried_on_coat"}),
    ("C-0540", "Omdat de jas gepast is, houden wij 15 % van het aankoopbedrag in als behandelkosten.", {"deducts_fee"}),
    ("C-0541", "Wilt u contact opnemen met PostNL? Zij zijn verantwoordelijk voor de schade.", {"sends_him_to_postnl"}),
    ("C-0541", "Kunt u ons nog een paar extra foto's van de verpakking sturen?", {"asks_for_more_photos"}),
    ("C-0542", "Wilt u nog een paar dagen geduld hebben? Heeft u al bij de buren gevraagd?",
     {"asks_her_to_wait_or_chase_postnl", "doubts_her"}),
    ("C-0543", "Helaas is de garantie van twee jaar verlopen; u kunt het beste contact opnemen met de fabrikant.",
     {"says_guarantee_expired", "sends_him_to_the_manufacturer"}),
    ("C-0543", "De reparatiekosten zijn voor uw rekening.", {"charges_for_the_remedy"}),
])
def test_a_reply_that_must_not_be_sent_breaks_the_cases_wrong_rules(case_id, reply, wrong):
    case = load(case_id)
    assert wrong_ids(reply_rules(case).wrong(reply, case["language"])) == wrong


def test_the_same_act_named_in_a_negation_breaks_no_rule():
    """The C-0302 reply itself says "Non deve rivolgersi al produttore"; these say the right thing the same way."""
    for case_id, reply in [
        ("C-0001", "Dear Jordan, you do not need to wait any longer or contact USPS: I will refund you in full today."),
        ("C-0010", "Dear Tanya, I have opened a claim with the carrier myself, so you don't need to contact them."),
        ("C-0006", "Sehr geehrter Herr Becker, einen Grund müssen Sie nicht nennen."),
        ("C-0038", "Hi Tobias, we can't refund you directly: the refund can only be issued by Amazon."),
        ("C-0301", "Estimada Sra. García: no necesita devolvernos el aparato dañado."),
        ("C-0541", "Geachte heer Bakker, u hoeft geen contact op te nemen met PostNL: dat doen wij."),
        ("C-0543", "Geachte heer Smit, ook al is de garantie van de fabrikant verlopen, u heeft recht op een "
                   "deugdelijk product."),
    ]:
        case = load(case_id)
        assert reply_rules(case).wrong(reply, case["language"]) == [], case_id


@pytest.mark.parametrize(("concept", "language", "text", "matches"), [
    ("send_buyer_to_carrier", "en", "Please contact USPS for more information.", True),
    ("send_buyer_to_carrier", "en", "Thanks for writing. Contact the carrier and file a claim.", True),
    ("send_buyer_to_carrier", "en", "We have contacted the carrier.", False),
    ("send_buyer_to_carrier", "en", "We will contact the carrier today.", False),
    ("send_buyer_to_carrier", "en", "Please do not contact the courier, we handle it.", False),
    ("send_buyer_to_carrier", "de", "Bitte wenden Sie sich an DHL.", True),
    ("send_buyer_to_carrier", "de", "Wir haben DHL kontaktiert.", False),
    ("send_buyer_to_carrier", "fr", "Vous n'avez pas besoin de contacter le transporteur.", False),
    ("send_buyer_to_carrier", "es", "Póngase en contacto con Correos.", True),
    ("send_buyer_to_carrier", "it", "Non deve contattare il corriere.", False),
    ("send_buyer_to_carrier", "ja", "配送業者にお問い合わせください。", True),
    ("send_buyer_to_carrier", "ja", "配送業者に問い合わせいたしました。", False),
    ("send_buyer_to_carrier", "nl", "Neemt u contact op met PostNL.", True),
    ("send_buyer_to_carrier", "nl", "U kunt het beste contact opnemen met de bezorger.", True),
    ("send_buyer_to_carrier", "nl", "Wij hebben contact opgenomen met PostNL.", False),
    ("send_buyer_to_carrier", "nl", "Wij nemen voor u contact op met PostNL.", False),
    ("send_buyer_to_carrier", "nl", "U hoeft geen contact op te nemen met PostNL.", False),
    ("ask_to_wait", "en", "If it hasn't arrived by Friday, let me know.", True),
    ("ask_to_wait", "en", "Please allow 3 to 5 business days for the refund to appear on your card.", False),
    ("ask_to_wait", "en", "Thank you for your patience.", False),
    ("ask_to_wait", "de", "Bitte haben Sie noch etwas Geduld.", True),
    ("ask_to_wait", "fr", "Merci de patienter encore quelques jours.", True),
    ("ask_to_wait", "es", "No tiene que esperar más.", False),
    ("ask_to_wait", "it", "La preghiamo di attendere ancora qualche giorno.", True),
    ("ask_to_wait", "ja", "お待たせして申し訳ございません。", False),
    ("ask_to_wait", "nl", "Wilt u nog een paar dagen geduld hebben?", True),
    ("ask_to_wait", "nl", "U hoeft niet langer te wachten.", False),
    ("refund", "en", "You'll get your money back today.", True),
    ("refund", "en", "We cannot refund this order.", False),
    ("refund", "de", "Rückerstattung des vollen Betrags noch heute.", True),
    ("refund", "de", "Eine Erstattung ist leider nicht möglich.", False),
    ("refund", "fr", "Nous ne pouvons pas vous rembourser.", False),
    ("refund", "es", "Le reembolsaremos el importe.", True),
    ("refund", "it", "Non possiamo rimborsarla.", False),
    ("refund", "ja", "全額返金いたします。", True),
    ("refund", "ja", "返金はいたしかねます。", False),
    ("refund", "nl", "Wij betalen u het volledige bedrag vandaag terug.", True),
    ("refund", "nl", "U ontvangt de terugbetaling binnen twee werkdagen.", True),
    ("refund", "nl", "Wij kunnen het bedrag helaas niet terugbetalen.", False),
    ("refund", "nl", "Een terugbetaling is helaas niet mogelijk.", False),
    ("ask_reason_for_withdrawal", "en", "You don't need to give a reason for the return.", False),
    ("ask_reason_for_withdrawal", "de", "Sie können ohne Angabe von Gründen zurücktreten.", False),
    ("ask_reason_for_withdrawal", "ja", "返品理由は問いません。", False),
    ("ask_reason_for_withdrawal", "nl", "Kunt u ons laten weten waarom u het artikel wilt retourneren?", True),
    ("ask_reason_for_withdrawal", "nl", "U hoeft ons geen reden te geven.", False),
    ("no_reason_needed", "nl", "U kunt zonder opgave van redenen herroepen.", True),
    ("buyer_pays_return", "fr", "Les frais de retour ne sont pas à votre charge.", False),
    ("buyer_pays_return", "it", "Le spese di reso sono a Suo carico.", True),
    ("buyer_pays_return", "ja", "お客様のご負担はございません。", False),
    ("buyer_pays_return", "nl", "De retourkosten zijn voor uw eigen rekening.", True),
    ("buyer_pays_return", "nl", "De retourkosten zijn niet voor uw rekening.", False),
    ("no_cost_to_buyer", "nl", "U ontvangt van ons een gratis retourlabel.", True),
    ("no_cost_to_buyer", "fr", "Vous n'aurez aucun frais.", True),
    ("no_cost_to_buyer", "ja", "送料は当店負担です。", True),
    ("keep_personal_data", "en", "We cannot delete your invoice, the law requires it.", False),
    ("keep_personal_data", "en", "We will keep your personal data for marketing.", True),
    ("accept_return", "de", "Leider können Sie nicht mehr zurücktreten.", False),
    ("accept_return", "es", "Puede devolver la cafetera sin problema.", True),
    ("accept_return", "ja", "返品は受け付けておりません。", False),
    ("accept_return", "nl", "U kunt de lamp uiteraard binnen 30 dagen retourneren.", True),
    ("accept_return", "nl", "U kunt de lamp helaas niet meer retourneren.", False),
    ("keep_item", "nl", "U hoeft de beschadigde lamp niet terug te sturen.", True),
    ("send_buyer_to_manufacturer", "nl", "Wendt u zich tot de fabrikant.", True),
    ("send_buyer_to_manufacturer", "nl", "U hoeft zich niet tot de fabrikant te wenden.", False),
    ("keep_item", "en", "Please keep the original packaging for the return.", False),
    ("voucher", "en", "We cannot offer a gift card.", False),
])
def test_a_concept_matches_the_act_and_not_its_negation_or_a_neutral_mention(concept, language, text, matches):
    assert bool(concept_match(concept, text, language)) is matches


def test_concept_match_returns_the_matched_text():
    assert concept_match("return_label", "I have attached a prepaid return label.", "en") == "prepaid return label"


@pytest.mark.parametrize(("case_id", "reply", "fact", "stated"), [
    ("C-0006", "Sehr geehrter Herr Becker, Sie können innerhalb von 30 Tagen widerrufen.", "withdrawal_period",
     "30 Tagen"),
    ("C-0026", "Bonjour Mme Martin, vous disposez de trente jours pour vous rétracter.", "withdrawal_period",
     "trente jours"),
    ("C-0200", "高橋様 返品の商品が届きましたら、5営業日以内にご返金いたします。", "refund_after_receipt", "5営業日"),
    # on Amazon.co.jp the seller's policy must match Amazon's 30 days; the statutory 8 days is not the window
    ("C-0200", "5日前にお届けした商品ですので、8日以内の返品を承ります。", "return_window", "8日"),
    ("C-0006", "Sobald der Wasserkocher bei uns eingegangen ist, erstatten wir Ihnen den Betrag in 5 Werktagen.",
     "refund_after_receipt", "5 Werktagen"),
    ("C-0024", "Dear Doug, I will refund the remaining $45 when the bowl is back.", "remaining_amount", "$45"),
    ("C-0014", "Dear Sophie, once it reaches us I will refund you within 5 business days.", "refund_after_receipt",
     "5 business days"),
    ("C-0302", "Appena riceviamo il montalatte, Le spediamo quello nuovo entro 5 giorni lavorativi.", "ships_within",
     "5 giorni lavorativi"),
])
def test_a_wrong_number_is_a_false_fact(case_id, reply, fact, stated):
    case = load(case_id)
    found = reply_rules(case).false_facts(reply, case["language"])
    assert [(f.id, text) for f, text in found] == [(fact, stated)]


@pytest.mark.parametrize(("case_id", "reply"), [
    ("C-0006", "Sie haben den Wasserkocher vor zehn Tagen erhalten und können innerhalb von vierzehn Tagen "
     "widerrufen."),
    ("C-0006", "Die 14-tägige Widerrufsfrist läuft noch."),
    ("C-0026", "Vous l'avez reçue il y a 10 jours : vous êtes dans le délai de rétractation de 14 jours."),
    ("C-0200", "5日前にお届けした商品ですので、30日以内の返品を承ります。"),
    ("C-0006", "Sobald der Wasserkocher bei uns eingegangen ist, erstatten wir Ihnen innerhalb von 2 Werktagen den "
     "vollen Betrag."),
    ("C-0024", "The refund was partial because the bowl was missing; the remaining 44.99 USD follows its return."),
    ("C-0014", "Once it reaches us I will refund you within two working days."),
])
def test_a_right_number_or_elapsed_time_is_no_false_fact(case_id, reply):
    case = load(case_id)
    assert reply_rules(case).false_facts(reply, case["language"]) == []


def rules_with_fact(value: float, unit: str, about: str = "refund") -> dict:
    fact = {"id": "the_fact", "zh": "数字", "en": "the number", "about": about, "value": value, "unit": unit}
    return {"id": "C-9999", "reply": {"must": [{"id": "r", "zh": "退款", "en": "refund", "any": ["refund"]}],
                                      "facts": [fact], "topic": ["kettle"]}}


@pytest.mark.parametrize(("language", "unit", "value", "right", "wrong"), [
    ("en", "days", 14, "We refund you within fourteen days.", "We refund you within 30 days."),
    ("de", "days", 14, "Wir erstatten innerhalb von vierzehn Tagen.", "Wir erstatten innerhalb von 30 Tagen."),
    ("fr", "days", 14, "Nous remboursons sous quatorze jours.", "Nous remboursons sous 30 jours."),
    ("es", "days", 14, "Le reembolsamos en catorce días.", "Le reembolsamos en 30 días."),
    ("it", "days", 14, "La rimborsiamo entro quattordici giorni.", "La rimborsiamo entro 30 giorni."),
    ("ja", "days", 14, "十四日以内に返金いたします。", "30日以内に返金いたします。"),
    ("en", "hours", 24, "We refund within 24 hours.", "We refund within 48h."),
    ("de", "hours", 24, "Wir erstatten binnen 24 Stunden.", "Wir erstatten binnen 48 Stunden."),
    ("fr", "hours", 24, "Remboursement sous 24 heures.", "Remboursement sous 48 heures."),
    ("es", "hours", 24, "Reembolso en 24 horas.", "Reembolso en 72 horas."),
    ("it", "hours", 24, "Rimborso entro 24 ore.", "Rimborso entro 48 ore."),
    ("ja", "hours", 24, "24時間以内に返金いたします。", "48時間以内に返金いたします。"),
    ("en", "business_days", 2, "We refund within two working days.", "We refund within 5 business days."),
    ("de", "business_days", 2, "Wir erstatten innerhalb von zwei Werktagen.", "Wir erstatten in 3 bis 5 Werktagen."),
    ("fr", "business_days", 2, "Remboursement sous 2 jours ouvrés.", "Remboursement sous 5 jours ouvrés."),
    ("es", "business_days", 2, "Reembolso en 2 días hábiles.", "Reembolso en 5 días hábiles."),
    ("it", "business_days", 2, "Rimborso entro 2 giorni lavorativi.", "Rimborso entro 5 giorni lavorativi."),
    ("ja", "business_days", 2, "2営業日以内に返金いたします。", "3〜5営業日以内に返金いたします。"),
    ("nl", "days", 14, "Wij betalen u binnen veertien dagen terug.", "Wij betalen u binnen 30 dagen terug."),
    ("nl", "hours", 24, "Wij betalen binnen 24 uur terug.", "Wij betalen binnen 48 uur terug."),
    ("nl", "business_days", 2, "Terugbetaling binnen twee werkdagen.", "Terugbetaling binnen 3 tot 5 werkdagen."),
    ("nl", "percent", 100, "Wij betalen 100 procent terug.", "Wij betalen 50 % terug."),
    ("nl", "money", 44.99, "Wij betalen u € 44,99 terug.", "U krijgt 45,00 euro terugbetaald."),
    ("en", "percent", 100, "We refund 100% of the price.", "We refund 50 percent of the price."),
    ("de", "percent", 100, "Wir erstatten 100 Prozent.", "Wir erstatten 50 %."),
    ("en", "money", 44.99, "We refund $44.99.", "We refund 45 USD."),
    ("de", "money", 44.99, "Wir erstatten 44,99 €.", "Wir erstatten 45,00 EUR."),
    ("fr", "money", 44.99, "Nous remboursons 44,99 euros.", "Nous remboursons 40 €."),
    ("en", "money", 20, "We refund £20.", "We refund £25."),
    ("ja", "money", 4500, "4,500円を返金いたします。", "¥5,000を返金いたします。"),
])
def test_numbers_are_read_with_their_unit_in_every_language(language, unit, value, right, wrong):
    rules = reply_rules(rules_with_fact(value, unit))
    assert rules.false_facts(right, language) == []
    assert [fact.id for fact, _ in rules.false_facts(wrong, language)] == ["the_fact"]


def test_a_number_in_another_unit_or_sentence_is_not_the_fact():
    rules = reply_rules(rules_with_fact(2, "business_days"))
    assert rules.false_facts("We refund within 24 hours. It then takes 3 to 5 days to reach your card.", "en") == []


def test_topic_words_count_with_a_short_ending():
    rules = reply_rules(load("C-0001"))
    assert rules.on_topic("Your EARBUDS are on their way.") == ["earbuds"]
    assert rules.on_topic("Thank you for your message.") == []


# -- the lexicon and its errors -------------------------------------------------------------------------

def test_every_concept_has_names_and_compiled_patterns_in_every_language():
    for concept_id, concept in lexicon().items():
        assert concept.zh.strip() and concept.en.strip(), concept_id
        assert set(concept.patterns) == set(LANGUAGES), concept_id
        for language in LANGUAGES:
            concept.regex(language)


def test_an_unknown_concept_or_language_is_a_value_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown concept 'refnd'; known concepts: .*refund"):
        concept_match("refnd", "refund", "en")
    with pytest.raises(ValueError, match="no patterns for language 'zh'; it has de, en, es, fr, it, ja, nl"):
        concept_match("refund", "退款", "zh")
    broken = rules_with_fact(14, "days")
    broken["reply"]["must"][0]["any"] = ["refnd"]
    with pytest.raises(ValueError, match="C-9999 reply.must.r: unknown concept 'refnd'"):
        reply_rules(broken)


def problems(case_id: str, edit, language: str | None = None) -> list[str]:
    """The schema problems of a repository case after `edit` changes its parsed reply block."""
    case = load(case_id)
    edit(case["reply"])
    if language:
        case["language"] = language
    sources, _ = read_sources(CASES)
    return [str(problem) for problem in check_case(case, Path(f"cases/{case_id}.yaml"), sources)]


@pytest.mark.parametrize(("edit", "language", "words"), [
    (lambda reply: reply.update(musts=reply.pop("must")), None,
     ["reply.musts: 未知字段 / unknown field: ", "fix: rename it to 'must'", "reply.must: ", "the field is missing"]),
    (lambda reply: reply["must"][0].pop("zh"), None,
     ["reply.must[1].zh: ", "the field is missing",
      "fix: add zh: 学员看到的中文说明 / the Chinese text the trainee sees"]),
    (lambda reply: reply["must"][0].update(any=["refnd"]), None,
     ["names the unknown concept 'refnd'; fix: did you mean 'refund'?"]),
    (lambda reply: reply["wrong"][0].update(any=["re:(unclosed"]), None,
     ["reply.wrong[1] (asks_buyer_to_wait): 're:(unclosed' is not a valid regular expression"]),
    (lambda reply: reply.update(facts=[{"id": "f", "zh": "天数", "en": "days", "about": "withdrawal", "value": "14",
                                        "unit": "days"}]), None,
     ["reply.facts[1] (f) has value '14', not a number"]),
    (lambda reply: reply.update(facts=[{"id": "f", "zh": "天数", "en": "days", "about": "withdrawal", "value": 14,
                                        "unit": "weeks"}]), None,
     ["reply.facts[1].unit: ", "'weeks' is not allowed"]),
    (lambda reply: reply.update(facts=[{"id": "f", "zh": "日期", "en": "day", "about": "withdrawal",
                                        "value": "next Friday", "unit": "date"}]), None,
     ["reply.facts[1] (f) has value 'next Friday', not the latest day a reply may name, as YYYY-MM-DD"]),
    (lambda reply: reply["must"].append(dict(reply["must"][0])), None,
     ["the id 'offer_refund_or_replacement' is used twice"]),
    (lambda reply: reply.update(topic=["Earbuds"]), None, ["has capital letters"]),
    (lambda reply: reply["must"][0].update(color="red"), None, ["reply.must[1].color: ", "not a field here"]),
    (lambda reply: None, "pl", ["the concept 'refund' has no patterns in 'pl'"]),
])
def test_a_broken_reply_block_is_named_with_its_field_and_fix(edit, language, words):
    found = "\n".join(problems("C-0001", edit, language))
    assert "cases/C-0001.yaml: reply" in found
    for word in words:
        assert word in found


def test_the_repository_reply_blocks_pass_the_schema():
    sources, _ = read_sources(CASES)
    for case_id in cases_with_rules():
        assert check_case(load(case_id), CASES / f"{case_id}.yaml", sources) == [], case_id
