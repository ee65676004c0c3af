"""The case library on disk: the repository's cases are valid and complete, broken files are reported precisely,
new drafts and review decisions are written safely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from caseloop.cases import MARKETS, PROBLEM_TYPES, SOURCES_FILE, Library, read_library
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
    assert len(approved) >= 40
    assert set(approved["problem_type"]) == set(PROBLEM_TYPES)
    assert {"US", "UK", "DE", "FR", "JP"} <= set(approved["market"]) <= set(MARKETS)
    assert {"de", "ja"} <= set(approved["language"])
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


def test_new_draft_from_a_ticket_is_scrubbed_valid_and_numbered(tmp_path, capsys):
    course = _library_with(tmp_path, {"C-0002.yaml": GOOD})
    ticket = tmp_path / "ticket.txt"
    ticket.write_text("Order 305-1234567-7654321: the shelf has no screws!!\nThanks,\nJonas Keller\n")
    assert main(["--course", str(course), "cases", "new", "--type", "wrong_item_missing_parts", "--market", "DE",
                 "--from-ticket", str(ticket)]) == 0
    out = capsys.readouterr().out
    draft = course / "cases" / "C-0003.yaml"
    assert str(draft) in out and "'Jonas Keller' -> [name 1]" in out
    case = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert case["order_id"] == "305-0000000-0000001" and case["language"] == "de"
    assert "Jonas" not in case["buyer_message"] and "the shelf has no screws" in case["buyer_message"]
    assert case["review"]["state"] == "draft"
    assert main(["--course", str(course), "cases", "validate"]) == 0


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
