"""Scrubbing a real ticket: every planted personal datum goes, everything else stays, twice changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from caseloop.cases import draft_case, scrub
from caseloop.cases.scrub import PLACEHOLDER
from caseloop.cli import main

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "scrub" / "tickets.yaml").read_text(encoding="utf-8"))

TICKET = """From: Sarah Johnson <sarah.j1987@gmail.com>
Subject: order 112-4839201-7730155 NEVER ARRIVED!!

Hi,
my name is Sarah Johnson and I ordered the desk lamp on 2026-03-02 for $45.98. Tracking number
1Z999AA10123456784 says delivered but its not here. Ship to 742 Evergreen Terrace, Springfield, IL 62704.
Call me at (415) 555-0132 or +44 20 7946 0958 before 5pm. My husband Mr. Dawson asked the neighbours too.
USPS label 9400111899223345678901 is on the photo.
Sarah
Thanks,
Sarah Johnson
"""

PLANTED = {
    "name": ["Sarah Johnson", "Sarah", "Dawson"],
    "email": ["sarah.j1987@gmail.com"],
    "order_id": ["4839201-7730155"],
    "tracking": ["1Z999AA10123456784", "9400111899223345678901"],
    "address": ["742 Evergreen Terrace", "IL 62704"],
    "phone": ["555-0132", "7946 0958"],
}
KEPT = ["NEVER ARRIVED!!", "ordered the desk lamp on 2026-03-02 for $45.98", "says delivered but its not here",
        "before 5pm", "asked the neighbours too", "is on the photo.", "Thanks,", "112-0000000-0000001"]


def test_every_planted_datum_is_removed_and_the_rest_kept():
    text, replacements = scrub(TICKET)
    for kind, values in PLANTED.items():
        for value in values:
            assert value not in text, f"{kind} {value!r} survived"
        assert any(r.kind == kind for r in replacements), kind
    for phrase in KEPT:
        assert phrase in text, f"{phrase!r} was damaged"


def test_same_datum_gets_the_same_placeholder():
    text, replacements = scrub(TICKET)
    assert {r.replacement for r in replacements if r.original in ("Sarah Johnson", "Sarah")} == {"[name 1]"}
    assert text.count("[name 1]") == 4 and "Mr. [name 2]" in text


def test_scrubbing_twice_changes_nothing():
    once, _ = scrub(TICKET)
    twice, replacements = scrub(once)
    assert twice == once and replacements == []


@pytest.mark.parametrize(("kind", "line", "datum"), [
    ("name", "Bonjour, je m'appelle Claire Fontaine.", "Claire Fontaine"),
    ("name", "Liebe Grüße\nHerr Albrecht", "Albrecht"),
    ("name", "届け先の山本様が不在でした。", "山本"),
    ("name", "Name: Olu Adebayo", "Olu Adebayo"),
    ("name", "my wife Sarah was home all day", "Sarah"),
    ("name", "meine Nachbarin Frau Dr. Müller-Lüdenscheidt hat", "Müller-Lüdenscheidt"),
    ("name", "Bitte um Rückruf.\n\nGruß, Jens Müller", "Jens Müller"),
    ("name", "お世話になっております。山田太郎と申します。", "山田太郎"),
    ("email", "write to john dot smith at gmail dot com please", "john dot smith at gmail dot com"),
    ("email", "write to me at k.o'neil+amz@mail.example.co.uk", "k.o'neil+amz@mail.example.co.uk"),
    ("phone", "Tel. 030 12345678", "030 12345678"),
    ("phone", "電話 03-1234-5678 まで", "03-1234-5678"),
    ("address", "Lieferadresse: Hauptstraße 12, 10115 Berlin", "Hauptstraße 12"),
    ("address", "au 12 rue de la Paix, 75002 Paris", "12 rue de la Paix"),
    ("address", "〒150-0001 東京都渋谷区神宮前1-2-3", "東京都渋谷区神宮前1-2-3"),
    ("address", "Flat 3, 22 Baker Street, London NW1 6XE", "22 Baker Street"),
    ("order_id", "Bestellung 302-1234567-1234567 kam nicht", "302-1234567-1234567"),
    ("tracking", "Sendungsnummer: 00340434161094042557", "00340434161094042557"),
    ("tracking", "tracking TBA301234567890 shows nothing", "TBA301234567890"),
    ("tracking", "Royal Mail ref AB123456789GB", "AB123456789GB"),
    ("name", "Mijn buurvrouw Petra heeft het pakket aangenomen.", "Petra"),
    ("name", "Goedemiddag, mijn naam is Anouk de Wit.", "Anouk de Wit"),
    ("name", "Met vriendelijke groet,\nJan Pietersen", "Jan Pietersen"),
    ("name", "Het pakket is afgegeven bij mevrouw Smits op nummer 14.", "Smits"),
    ("tracking", "track & trace 3SABCD1234567 staat stil", "3SABCD1234567"),
])
def test_each_kind_in_several_languages(kind, line, datum):
    text, replacements = scrub(line)
    assert datum not in text
    assert kind in {r.kind for r in replacements}
    assert scrub(text) == (text, [])


def test_a_title_stays_before_the_placeholder():
    assert scrub("Frau Dr. Müller-Lüdenscheidt hat angerufen")[0] == "Frau Dr. [name 1] hat angerufen"


def test_ordinary_numbers_and_words_are_not_personal_data():
    plain = ("Refund of 1,045.98 EUR on 09.03.2026, order 111-0000000-0000007 (already scrubbed), 14 days, "
             "Dear Seller, Hi there, Mit freundlichen Grüßen, お客様, Met vriendelijke groet")
    assert scrub(plain) == (plain, [])


def test_names_the_patterns_cannot_know_can_be_given():
    text, _ = scrub("the parcel was left with Okonkwo next door", names=["Okonkwo"])
    assert "Okonkwo" not in text


def test_cli_shows_a_table_of_replacements_and_writes_atomically(tmp_path, capsys):
    ticket, out = tmp_path / "ticket.txt", tmp_path / "clean.txt"
    ticket.write_text(TICKET, encoding="utf-8")
    assert main(["cases", "scrub", str(ticket), "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "'sarah.j1987@gmail.com' -> [email 1]" in table and "line 2" in table
    assert out.read_text(encoding="utf-8") == scrub(TICKET)[0]
    assert ticket.read_text(encoding="utf-8") == TICKET, "the ticket itself is never modified"
    assert main(["cases", "scrub", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: cannot read the ticket" in capsys.readouterr().err


def test_the_readme_gives_the_corpus_as_it_is():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    replaced = sum(len(scrub(ticket["text"])[1]) for ticket in CORPUS)
    for figure in (f"{len(CORPUS)} raw buyer e-mails", f"{sum(len(t['identifiers']) for t in CORPUS)} planted",
                   f"(0 of {replaced})", f"all {sum(len(t['keep']) for t in CORPUS)} phrases"):
        assert figure in " ".join(readme.split()), figure


def test_the_corpus_has_thirty_tickets_in_every_buyer_language():
    languages = [ticket["id"].split("-")[0] for ticket in CORPUS]
    assert len(CORPUS) >= 30 and set(languages) == {"en", "de", "fr", "es", "it", "ja"}
    for ticket in CORPUS:
        for value in ticket["identifiers"] + ticket["keep"]:
            assert value in ticket["text"], f"{ticket['id']}: the label {value!r} is not in the text"


@pytest.mark.parametrize("ticket", CORPUS, ids=[ticket["id"] for ticket in CORPUS])
def test_corpus_ticket_loses_every_identifier_and_keeps_the_rest(ticket):
    text, replacements = scrub(ticket["text"])
    survived = [value for value in ticket["identifiers"] if value in text]
    assert not survived, f"personal data left in:\n{text}"
    damaged = [value for value in ticket["keep"] if value not in text]
    assert not damaged, f"ordinary text removed:\n{text}"
    over = [r.original for r in replacements
            if not any(value in r.original or r.original in value for value in ticket["identifiers"])]
    assert not over, "replaced what is not personal data"
    assert not re.search(r"[A-Za-zÀ-ÿ]\[(?:name|email|phone|address|tracking) \d+\]|\][A-Za-zÀ-ÿ]", text), text
    assert scrub(text) == (text, [])


def test_a_cjk_name_with_and_without_its_space_is_one_datum():
    text, _ = scrub("差出人: 山田 太郎 <t@docomo.ne.jp>\n\nお世話になっております。山田太郎と申します。")
    assert text.count("[name 1]") == 2 and "[name 2]" not in text


MARKET_OF = {"en": "US", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "ja": "JP"}


@pytest.mark.parametrize("ticket", CORPUS, ids=[ticket["id"] for ticket in CORPUS])
def test_a_draft_from_a_corpus_ticket_reads_as_the_buyer_wrote_it(ticket):
    language = ticket["id"].split("-")[0]
    case = draft_case("C-0001", "item_not_received", MARKET_OF[language], ticket=ticket["text"]).case
    message = case["buyer_message"]
    assert case["language"] == language
    assert not [m[0] for m in PLACEHOLDER.finditer(message) if m[1] == "name"], message
    assert not [value for value in ticket["identifiers"] if value in message], message
    assert not re.search(r"^(?:From|Subject|Von|Betreff|De|Objet|Asunto|Da|Oggetto|差出人|件名) ?[:：]", message, re.M)
    if ticket["identifiers"] and "[name" in scrub(ticket["text"])[0]:
        assert case["buyer_name"].split()[-1] in message, (case["buyer_name"], message)
    else:
        assert case["buyer_name"].startswith("TODO")
