"""Writing into human-edited YAML: the round-trip helper gives back every library file byte for byte, a review
decision changes only the review lines, and a revision-flag merge only adds or replaces flags."""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from caseloop import yamlfile
from caseloop.cases import SOURCES_FILE, draft_case, render_case
from caseloop.cli import main
from caseloop.course import Course, CourseError
from caseloop.revise import Thresholds, merge_revision_flags
from caseloop.revise.writeback import flag_cases
from conftest import REPO

CASES = REPO / "cases"
LIBRARY_FILES = sorted(CASES.glob("*.yaml"))
GOOD = (CASES / "C-0002.yaml").read_text(encoding="utf-8")
FLAG = {"date": "2026-03-01", "module": "m01", "cell": "c0002_choice", "flag": "too_easy", "statistic": 0.97}


def _changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines removed, lines added) between two texts, from a line diff."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)):
        (removed if line.startswith("- ") else added if line.startswith("+ ") else []).append(line[2:])
    return removed, added


def _course(tmp_path: Path, files: dict[str, str]) -> Path:
    """A course whose cases/ holds the source register and the given case files."""
    folder = tmp_path / "cases"
    folder.mkdir()
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    shutil.copy(CASES / SOURCES_FILE, folder / SOURCES_FILE)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_library_includes_the_source_register():
    assert CASES / SOURCES_FILE in LIBRARY_FILES and len(LIBRARY_FILES) > 40


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda path: path.name)
def test_load_and_save_gives_back_every_library_file_byte_for_byte(tmp_path, path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    yamlfile.save(copy, yamlfile.load(copy))
    assert copy.read_bytes() == path.read_bytes()
    assert not list(tmp_path.glob(".*.partial"))


@pytest.mark.parametrize("text", [
    "key:\n- first\n- second\nnested:\n    inner: 1\n",  # sequences at the key's column, mappings four in
    "key:\n    - first\n    - second\n",  # dashes four in
    "---\nkey: value\n...\n",  # document markers
    "# above the marker\n\n---\n# below it\nkey: value\n",  # comments around the start marker
    "\ufeffkey: value\n",  # byte-order mark
    "key: value",  # no final newline
    "# heading\n\nkey: 'single'  # why\nother: \"double\"\nflow: {a: 1, b: [x, y]}\nlong: " + "word " * 60 + "end\n",
], ids=["offset-0", "offset-4", "markers", "header", "bom", "no-newline", "comments-quotes-flow-width"])
def test_the_file_keeps_its_own_layout(text):
    assert yamlfile.loads(text).dumps() == text


@pytest.mark.parametrize(("text", "appended"), [
    ("a:\n  - x  # about x\n# about b\nb: 1\n", "a:\n  - x  # about x\n  - {n: 1}\n# about b\nb: 1\n"),
    ("a:\n  - x\n\n# about b\nb: 1\n", "a:\n  - x\n  - {n: 1}\n\n# about b\nb: 1\n"),
    ("a:\n  - k: 1\n    t: |\n      block\n# about b\nb: 1\n",
     "a:\n  - k: 1\n    t: |\n      block\n  - {n: 1}\n# about b\nb: 1\n"),
    ("a:\n  - x\n# end of file\n", "a:\n  - x\n  - {n: 1}\n# end of file\n"),
], ids=["end-of-line", "blank-line", "block-scalar", "end-of-file"])
def test_lines_after_a_sequence_stay_after_it_when_an_item_is_appended(text, appended):
    document = yamlfile.loads(text)
    yamlfile.append(document.data["a"], yamlfile.flow({"n": 1}))
    assert document.dumps() == appended


def test_a_new_case_round_trips_unchanged():
    ticket = ('Order 305-1234567-7654321: "the shelf" has no screws: none! # not a comment\n'
              "  indented line, 50% off? {braces} [brackets] — ünïcödé 日本語\nThanks,\nJonas Keller\n")
    drafts = [draft_case("C-0001", "damaged", "UK").case,
              draft_case("C-0002", "wrong_item_missing_parts", "DE", "Shelf: no screws", ticket, ["Jonas"]).case]
    for case in drafts + [yaml.safe_load(path.read_text(encoding="utf-8")) for path in LIBRARY_FILES
                          if path.name != SOURCES_FILE]:
        text = render_case(case)
        assert yamlfile.loads(text).dumps() == text, case["id"]


HAND_EDITED = GOOD.replace(
    "review: {state: approved, reviewer: lead-trainer, date: 2026-02-28}\n",
    "# reviewed every quarter\nreview:\n  state: approved   # after the March audit\n  reviewer: lead-trainer\n"
    "  date: 2026-02-28\n# end of case\n").replace("\n  - ", "\n- ")
"""C-0002 as a trainer might keep it: dashes at the key's column, a block review entry, comments around it."""


@pytest.mark.parametrize(("text", "removed", "added"), [
    (GOOD, ["review: {state: approved, reviewer: lead-trainer, date: 2026-02-28}\n"],
     ["review: {{state: archived, reviewer: qa-lead, date: {today}}}\n"]),
    (HAND_EDITED,
     ["  state: approved   # after the March audit\n", "  reviewer: lead-trainer\n", "  date: 2026-02-28\n"],
     ["  state: archived   # after the March audit\n", "  reviewer: qa-lead\n", "  date: {today}\n"]),
], ids=["flow", "hand-edited"])
def test_a_review_through_the_cli_changes_only_the_review_lines(tmp_path, text, removed, added):
    assert "\n- Apologise" in HAND_EDITED and yamlfile.loads(HAND_EDITED).dumps() == HAND_EDITED
    course = _course(tmp_path, {"C-0002.yaml": text})
    assert main(["--course", str(course), "cases", "review", "C-0002", "--archive", "--reviewer", "qa-lead"]) == 0
    after = (course / "cases" / "C-0002.yaml").read_text(encoding="utf-8")
    today = dt.date.today()
    assert _changed_lines(text, after) == (removed, [line.format(today=today.isoformat()) for line in added])
    assert yaml.safe_load(after)["review"] == {"state": "archived", "reviewer": "qa-lead", "date": today}


def test_a_review_of_a_file_that_is_not_yaml_names_it_and_changes_nothing(tmp_path, capsys):
    broken = GOOD.replace("market: UK", "market: [UK")
    course = _course(tmp_path, {"C-0002.yaml": broken})
    assert main(["--course", str(course), "cases", "review", "C-0002", "--draft", "--reviewer", "qa"]) == 2
    assert "C-0002.yaml: not valid YAML" in capsys.readouterr().err
    assert (course / "cases" / "C-0002.yaml").read_text(encoding="utf-8") == broken


def _worst(case: str, *flags: tuple[str, str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A backlog table with one entry per (cell, flag, value) for `case`, and the cell statistics behind it."""
    table = pd.DataFrame([{"impact": 2.0, "case": case, "module": "m01", "cell": cell, "flag": flag, "value": value}
                          for cell, flag, value in flags])
    stats = pd.DataFrame([{"level": "cell", "module": "m01", "cell": cell, "through": pd.Timestamp("2026-03-01")}
                          for cell, _, _ in flags])
    return table, stats


@pytest.mark.parametrize("path", [CASES / "C-0001.yaml", CASES / "C-0002.yaml", CASES / "C-0043.yaml"],
                         ids=lambda path: path.name)
def test_a_flag_merge_into_a_library_case_only_adds_the_flags(tmp_path, path):
    course = Course.at(_course(tmp_path, {path.name: path.read_text(encoding="utf-8")}))
    table, stats = _worst(path.stem, ("c1", "too_easy", 0.97), ("c2", "weak_discrimination", 0.05))
    assert flag_cases(course, table, stats, Thresholds()) == [course.cases_dir / path.name]
    after = (course.cases_dir / path.name).read_text(encoding="utf-8")
    original = path.read_text(encoding="utf-8")
    assert after == original + (
        "revision_flags:\n"
        "  - {date: 2026-03-01, module: m01, cell: c1, flag: too_easy, statistic: 0.97}\n"
        "  - {date: 2026-03-01, module: m01, cell: c2, flag: weak_discrimination, statistic: 0.05}\n")
    assert flag_cases(course, table, stats, Thresholds()) == []


def test_a_flag_merge_replaces_its_own_flag_and_keeps_the_rest_of_the_file():
    pilot = ("revision_flags:\n"
             "  # first flagged after the pilot cohort\n"
             "  - date: 2026-01-10\n"
             "    module: m01\n"
             "    cell: c0002_choice\n"
             "    flag: too_easy\n"
             "    statistic: 0.9\n"
             "  - {date: 2026-01-10, module: m01, cell: c9, flag: too_hard, statistic: 0.12}  # pilot\n")
    text = GOOD.replace("review:", pilot + "\n# reviewed every quarter\nreview:")
    merged = merge_revision_flags(text, [FLAG, {**FLAG, "cell": "c3", "flag": "weak_discrimination"}])
    removed, added = _changed_lines(text, merged)
    assert removed == ["  - date: 2026-01-10\n", "    statistic: 0.9\n"]
    assert added == ["  - date: 2026-03-01\n", "    statistic: 0.97\n",
                     "  - {date: 2026-03-01, module: m01, cell: c3, flag: weak_discrimination, statistic: 0.97}\n"]
    assert "statistic: 0.12}  # pilot\n  - {date: 2026-03-01, module: m01, cell: c3, " in merged
    assert "statistic: 0.97}\n\n# reviewed every quarter\nreview: {state: approved," in merged
    assert merge_revision_flags(merged, [FLAG]) == merged


def test_a_flag_for_a_case_file_that_is_not_yaml_names_it_and_writes_no_case(tmp_path):
    broken = GOOD.replace("market: UK", "market: [UK").replace("C-0002", "C-0003")
    course = Course.at(_course(tmp_path, {"C-0001.yaml": (CASES / "C-0001.yaml").read_text(encoding="utf-8"),
                                          "C-0003.yaml": broken}))
    before = {path: path.read_bytes() for path in course.cases_dir.iterdir()}
    table, stats = _worst("C-0001", ("c1", "too_easy", 0.97))
    table = pd.concat([table, table.assign(case="C-0003")], ignore_index=True)
    with pytest.raises(CourseError, match=r"C-0003.yaml: not valid YAML \(line 7: expected ',' or ']', but got ':'\)"):
        flag_cases(course, table, stats, Thresholds())
    assert {path: path.read_bytes() for path in course.cases_dir.iterdir()} == before
