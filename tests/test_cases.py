"""The case library on disk: the repository's cases are valid and complete, broken files are reported precisely,
new drafts and review decisions are written safely."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from caseloop.cases import MARKETS, PROBLEM_TYPES, SOURCES_FILE, Library, read_library, render_case
from caseloop.cases.ticket import without_mail_headers
from caseloop.cli import main
from conftest import REPO

CASES = REPO / "cases"
GOOD = (CASES / "C-0002.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(CASES)


def test_repository_library_validates_through_the_cli(capsys):
    assert main(["--course", str(REPO), "cases", "validate"]) == 0
    assert "are valid" in capsys.readouterr().out


def test_library_covers_every_problem_type_and_the_required_markets(library):
    approved = library.frame[library.frame["state"] == "approved"]
    assert len(approved) >= 80
    per_type = approved["problem_type"].value_counts()
    assert set(per_type.index) == set(PROBLEM_TYPES) and per_type.min() >= 2, per_type.to_dict()
    assert {"US", "UK", "DE", "FR", "IT", "ES", "NL", "JP"} <= set(approved["market"]) <= set(MARKETS)
    assert {"de", "fr", "es", "it", "nl", "ja"} <= set(approved["language"])
    assert {"resolved", "partial", "failed"} <= set(approved["outcome"])


def test_every_case_cites_sources_from_the_register(library):
    register = yaml.safe_load((CASES / SOURCES_FILE).read_text(encoding="utf-8"))
    for case in library.cases:
        assert case["policy_sources"], case["id"]
        for citation in case["policy_sources"]:
            key, _, rest = citation.partition(" ")
            assert rest.startswith(register[key]), (case["id"], citation)


def test_the_cases_the_first_module_was_written_from_keep_their_facts(library):
    """source/m01 quotes these buyers, messages and replies; reshaping the schema must not change them."""
    notebook = (REPO / "source" / "m01" / "rules_and_returns.ipynb").read_text(encoding="utf-8")
    for number in range(1, 8):
        case = library.case(f"C-{number:04d}")
        assert case["buyer_name"] in notebook
        assert case["order_id"] in notebook
        assert case["buyer_message"].splitlines()[0].replace('"', '\\"') in notebook


def _library_with(tmp_path: Path, files: dict[str, str]) -> Path:
    """A course whose cases/ holds the source register and the given files."""
    folder = tmp_path / "cases"
    folder.mkdir()
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    shutil.copy(CASES / SOURCES_FILE, folder / SOURCES_FILE)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path


BROKEN = [
    # (what is wrong, the edit, the field named, words the message must contain)
    ("missing field", ("market: UK\n", ""), "market", "add market"),
    ("misspelt problem type", ("problem_type: damaged", "problem_type: damage"), "problem_type",
     "did you mean 'damaged'"),
    ("unknown market", ("market: UK", "market: GB"), "market", "use one of US"),
    ("impossible date", ("date: 2026-02-17", "date: 2026-02-30"), "date", "YYYY-MM-DD"),
    ("real order id", ("202-0000000-0000002", "202-4839201-7730155"), "order_id", "unscrubbed"),
    ("e-mail in the message", ("two of them are smashed", "two of them are smashed (olivia.p@example.com)"),
     "buyer_message", "caseloop cases scrub"),
    ("phone in the reply", ("Kind regards", "Call me on +44 20 7946 0958. Kind regards"), "reply_template",
     "phone"),
    ("unknown outcome", ("outcome: resolved", "outcome: solved"), "outcome", "did you mean 'resolved'"),
    ("unknown review state", ("state: approved", "state: approve"), "review", "draft, approved, archived"),
    ("approved without reviewer", ("reviewer: lead-trainer, ", ""), "review", "--reviewer NAME"),
    ("misspelt field", ("tags:", "tag:"), "tag", "rename it to 'tags'"),
    ("unknown source key", ('"Ret4 sellercentral', '"Ret99 sellercentral'), "policy_sources", "Ret99"),
    ("source cited with the wrong address", ("Ret4 sellercentral.amazon.de", "Ret4 sellercentral.amazon.fr"),
     "policy_sources", "write 'Ret4 sellercentral.amazon.de"),
    ("steps as one string", ("resolution_steps:\n", "resolution_steps: Apologise.\nold_steps:\n"),
     "resolution_steps", "expected a list"),
    ("approved but unfinished", ("core_demand: Return", "core_demand: TODO Return"), "core_demand", "TODO"),
    ("reply does not greet the buyer", ("Dear Olivia", "Dear customer"), "reply_template", "greet"),
    ("bad revision flag", ("review:", "revision_flags: [{module: m01, flag: too hard}]\nreview:"),
     "revision_flags", "caseloop revise"),
    ("YAML syntax", ("title: Ceramic mugs", "title: [Ceramic mugs"), "line", "not valid YAML"),
]


@pytest.mark.parametrize(("what", "edit", "field", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_validate_names_file_field_and_fix_and_changes_nothing(tmp_path, capsys, what, edit, field, words):
    old, new = edit
    assert old in GOOD, f"the edit for {what} no longer applies to C-0002"
    course = _library_with(tmp_path, {"C-0002.yaml": GOOD.replace(old, new, 1)})
    before = {p.name: p.read_bytes() for p in (course / "cases").iterdir()}
    assert main(["--course", str(course), "cases", "validate"]) == 2
    out = capsys.readouterr().out
    line = next((line for line in out.splitlines() if f": {field}" in line and words in line), None)
    assert line, f"{what}: no line naming {field!r} with {words!r} in:\n{out}"
    assert str(course / "cases" / "C-0002.yaml") in line and "fix:" in line
    assert {p.name: p.read_bytes() for p in (course / "cases").iterdir()} == before


def test_duplicate_ids_and_misnamed_files_are_reported(tmp_path, capsys):
    course = _library_with(tmp_path, {"C-0002.yaml": GOOD, "C-0099.yaml": GOOD})
    assert main(["--course", str(course), "cases", "validate"]) == 2
    out = capsys.readouterr().out
    assert "C-0099.yaml: id: 编号重复 / duplicate id: C-0002 is also the id of" in out
    assert "rename the file to C-0002.yaml" in out


def test_a_revision_flag_written_by_revise_is_accepted(tmp_path):
    flagged = GOOD.replace("review:", "revision_flags:\n  - {date: 2026-03-01, module: m01, cell: c0002_choice, "
                                      "flag: too easy, statistic: 0.97}\nreview:")
    files = read_library(_library_with(tmp_path, {"C-0002.yaml": flagged}) / "cases")
    assert files.problems == []
    assert next(iter(files.cases.values()))["revision_flags"][0]["flag"] == "too easy"


TICKET = """Von: Jonas Keller <jonas.keller@web.de>
Betreff: Bestellung 305-1234567-7654321 Regal ohne Schrauben
Datum: 3. März 2026 um 09:12

Hallo,

im Paket mit dem Regal waren keine Schrauben, ich kann es nicht aufbauen. Meine Frau Dr. Weber-Lindqvist
hat den Karton heute Morgen geöffnet. Bitte schicken Sie die Schrauben schnell nach.

Gruß, Jonas Keller
"""


def _hints(out: str) -> list[list[str]]:
    """The commands a caseloop command tells the user to run next, split as a shell would."""
    return [shlex.split(line) for line in out.splitlines() if line.startswith("  caseloop ")]


def test_new_draft_from_a_ticket_marks_what_it_cannot_know_and_its_hints_run_as_printed(tmp_path, capsys):
    course = _library_with(tmp_path, {"C-0002.yaml": GOOD})
    ticket = tmp_path / "ticket.txt"
    ticket.write_text(TICKET, encoding="utf-8")
    assert main(["--course", str(course), "cases", "new", "--type", "wrong_item_missing_parts", "--market", "DE",
                 "--from-ticket", str(ticket)]) == 0
    out = capsys.readouterr().out
    draft = course / "cases" / "C-0003.yaml"
    text = draft.read_text(encoding="utf-8")
    case = yaml.safe_load(text)
    assert str(draft) in out and "'Jonas Keller' -> [name 1]" in out
    assert case["order_id"] == "305-0000000-0000001" and case["language"] == "de"
    message = case["buyer_message"]
    assert message.startswith("Hallo,") and "Betreff" not in message and "Datum" not in message
    assert "im Paket mit dem Regal waren keine Schrauben" in message
    assert not re.search(r"Jonas|Keller|Weber|Lindqvist|\[name", message)
    assert "Frau Dr. " in message and message.rstrip().endswith(f"Gruß, {case['buyer_name']}")
    for name in ("date", "root_cause_category", "outcome", "fulfilment"):
        assert case[name] == "TODO", name
    assert "root_cause_category: TODO  # one of listing, packaging," in text
    assert case["review"]["state"] == "draft"

    validate, review = _hints(out)
    assert main(validate[1:]) == 2
    listing = "".join(capsys.readouterr()).splitlines()
    for name in ("date", "root_cause_category", "outcome", "fulfilment", "title", "tags"):
        line = next((line for line in listing if re.search(rf"C-0003\.yaml:(\d+:)? {name}: ", line)), None)
        assert line and "still marked TODO" in line and "fix: replace TODO with" in line, name
    good = yaml.safe_load(GOOD)
    finished = {**case, **{name: good[name] for name, value in case.items() if "TODO" in str(value)},
                "policy_sources": good["policy_sources"]}
    finished["reply_template"] = good["reply_template"].replace(good["buyer_name"], case["buyer_name"])
    draft.write_text(render_case(finished), encoding="utf-8")
    assert main(validate[1:]) == 0
    assert main(review[1:]) == 0
    assert yaml.safe_load(draft.read_text(encoding="utf-8"))["review"]["state"] == "approved"


@pytest.mark.parametrize("header", ["From: Tom <t@x.com>", "Subject: Order", "Von: Jens", "Betreff: Kaputt",
                                    "De : Claire", "Objet : Colis", "Asunto: Pedido", "Oggetto: Ordine",
                                    "件名: 届きません", "差出人: 山田", "Gesendet: Montag, 2. März 2026"])
def test_mail_headers_are_not_the_buyers_words(header):
    assert without_mail_headers(f"{header}\nDate: today\n\nHello,\nSubject: my words\n") == \
        "Hello,\nSubject: my words\n"


def test_review_refuses_to_approve_an_unfinished_draft(tmp_path, capsys):
    course = _library_with(tmp_path, {})
    assert main(["--course", str(course), "cases", "new", "--type", "damaged", "--market", "UK"]) == 0
    draft = course / "cases" / "C-0001.yaml"
    before = draft.read_bytes()
    assert main(["--course", str(course), "cases", "review", "C-0001", "--approve", "--reviewer", "lead"]) == 2
    err = capsys.readouterr().err
    assert "cannot be marked approved; the file is unchanged" in err and "TODO" in err and "policy_sources" in err
    assert draft.read_bytes() == before


def test_review_changes_only_the_review_entry(tmp_path):
    course = _library_with(tmp_path, {"C-0002.yaml": GOOD})
    assert main(["--course", str(course), "cases", "review", "C-0002", "--archive", "--reviewer", "qa-lead"]) == 0
    text = (course / "cases" / "C-0002.yaml").read_text(encoding="utf-8")
    changed = [(old, new) for old, new in zip(GOOD.splitlines(), text.splitlines(), strict=True) if old != new]
    assert len(changed) == 1 and changed[0][1].startswith("review: {state: archived, reviewer: qa-lead, date: ")
    assert "# scrubbed" in text
    assert main(["--course", str(course), "cases", "review", "C-0404", "--approve", "--reviewer", "x"]) == 2


def test_the_commands_a_failing_case_command_suggests_run_as_printed(tmp_path, capsys, monkeypatch):
    (tmp_path / "course").mkdir()
    course = _library_with(tmp_path / "course", {"C-0002.yaml": GOOD.replace("state: approved", "state: draft"),
                                                 "C-0011.yaml": "id: C-0011\ntitle: [unfinished\n"})
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # a hint must not depend on the folder it is run from
    failing = [(["cases", "search", "broken mugs"], 0, "C-0011.yaml"),
               (["cases", "review", "C-0404", "--approve", "--reviewer", "lead"], 2, "C-0002")]
    for command, status, shown in failing:
        assert main(["--course", str(course), *command]) == status
        captured = capsys.readouterr()
        suggested = re.findall(r"`(caseloop [^`]+)`", captured.err)
        assert suggested, captured.err
        for line in suggested:
            assert main(shlex.split(line)[1:]) in (0, 1, 2), line  # validate exits 2 when it lists problems
            assert shown in "".join(capsys.readouterr()), line


def test_a_case_still_marked_todo_is_named_as_unfinished_not_as_missing(tmp_path, capsys):
    course = _library_with(tmp_path, {"C-0002.yaml": GOOD.replace("outcome: resolved", "outcome: TODO")})
    assert main(["--course", str(course), "cases", "similar", "C-0002"]) == 2
    err = capsys.readouterr().err
    assert "C-0002 is left out" in err and "outcome: 未完成 / unfinished: still marked TODO" in err
    assert main(shlex.split(re.search(r"`(caseloop [^`]+)`", err)[1])[1:]) == 2
