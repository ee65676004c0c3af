"""The case-statistics bars recomputed from the case files themselves and checked against the SVG as drawn.

The oracle reads the approved cases with plain PyYAML and counts them per value and outcome (no caseloop
statistics code); each bar must start where the others start, be as long as its share of the approved
cases says relative to the longest bar, and be split into its outcomes in proportion. The oracle is
itself checked: the same SVG with one bar drawn a third as long must fail it.
"""

from __future__ import annotations

import copy
import re
import shutil
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import pytest
import yaml

from caseloop.cases.labels import MARKETS, OUTCOMES, PROBLEM_TYPES, ROOT_CAUSES, SOURCES_FILE
from caseloop.cli import main
from caseloop.report.charts import bars
from conftest import REPO

SVG = "{http://www.w3.org/2000/svg}"
DIMENSIONS = {"problem_type": PROBLEM_TYPES, "product_line": None, "market": MARKETS,
              "root_cause_category": ROOT_CAUSES, "outcome": OUTCOMES}
TOLERANCE = 0.2  # user units: positions are written with one decimal


def approved_cases(folder: Path) -> list[dict]:
    cases = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("C-*.yaml"))]
    return [case for case in cases if case["review"]["state"] == "approved"]


def expected_rows(cases: list[dict], dimension: str) -> dict[str, tuple[float, Counter]]:
    """label -> (share of the approved cases, cases per outcome label), from the case files alone."""
    labels = DIMENSIONS[dimension]
    rows: dict[str, tuple[float, Counter]] = {}
    for value, count in Counter(case[dimension] for case in cases).items():
        label = " / ".join(labels[value]) if labels else value
        outcomes = Counter(" ".join(OUTCOMES[case["outcome"]]) for case in cases if case[dimension] == value)
        rows[label] = (count / len(cases), outcomes)
    return rows


def drawn_rows(svg: str) -> list[tuple[str, str, list[ElementTree.Element]]]:
    """(label, total written at the bar's end, segments) per row, top to bottom, as the SVG draws them.

    A row is a right-aligned label, the segments (rects with a tooltip) beside it and the text on the
    label's line after them; the legend's rects have no tooltip and its texts are on a line of their own.
    """
    root = ElementTree.fromstring(svg)
    texts = list(root.iter(f"{SVG}text"))
    labels = sorted((float(t.get("y")), t.text) for t in texts if t.get("text-anchor") == "end")
    totals = {float(t.get("y")): t.text for t in texts if t.get("text-anchor") is None}
    segments: dict[float, list[ElementTree.Element]] = {}
    for rect in root.iter(f"{SVG}rect"):
        if rect.find(f"{SVG}title") is not None:
            segments.setdefault(float(rect.get("y")), []).append(rect)
    assert len(labels) == len(segments), "one bar per label"
    return [(label, totals[label_y], sorted(segments[y], key=lambda r: float(r.get("x"))))
            for (label_y, label), y in zip(labels, sorted(segments), strict=True)]


def check_bars(svg: str, expected: dict[str, tuple[float, Counter]], approved: int) -> None:
    rows = drawn_rows(svg)
    assert sorted(label for label, _, _ in rows) == sorted(expected)
    lengths = {label: sum(float(r.get("width")) for r in rects) for label, _, rects in rows}
    longest = max(expected, key=lambda label: expected[label][0])
    scale = lengths[longest] / expected[longest][0]
    assert lengths[longest] >= 0.4 * float(ElementTree.fromstring(svg).get("viewBox").split()[2])
    start = float(rows[0][2][0].get("x"))
    for label, total, rects in rows:
        share, outcomes = expected[label]
        assert lengths[label] == pytest.approx(scale * share, abs=TOLERANCE), label
        assert int(total) == round(share * approved), label
        x = start
        for rect in rects:
            assert float(rect.get("x")) == pytest.approx(x, abs=TOLERANCE), f"{label}: segments touch"
            name, count = rect.findtext(f"{SVG}title").rsplit(": ", 1)
            assert int(count) == outcomes[name], (label, name)
            assert float(rect.get("width")) == pytest.approx(lengths[label] * outcomes[name] / sum(outcomes.values()),
                                                             abs=TOLERANCE), (label, name)
            x += float(rect.get("width"))
        assert sum(int(r.findtext(f"{SVG}title").rsplit(": ", 1)[1]) for r in rects) == sum(outcomes.values())


def redrawn(svg: str, row: int, factor: float) -> str:
    """The same chart with row `row`'s bar drawn `factor` times as long (its segments still touching)."""
    root = copy.deepcopy(ElementTree.fromstring(svg))
    ys = sorted({float(r.get("y")) for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None})
    rects = sorted((r for r in root.iter(f"{SVG}rect") if r.get("y") is not None and float(r.get("y")) == ys[row]
                    and r.find(f"{SVG}title") is not None), key=lambda r: float(r.get("x")))
    x = float(rects[0].get("x"))
    for rect in rects:
        width = float(rect.get("width")) * factor
        rect.set("x", f"{x:.1f}")
        rect.set("width", f"{width:.1f}")
        x += width
    ElementTree.register_namespace("", SVG[1:-1])
    return ElementTree.tostring(root, encoding="unicode")


def charts_of(page: str) -> list[str]:
    charts = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(charts) == len(DIMENSIONS)
    return charts


@pytest.fixture(scope="module")
def repo_page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("stats")
    assert main(["--course", str(REPO), "cases", "stats", "--out", str(out)]) == 0
    return (out / "case-stats.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("dimension", list(DIMENSIONS))
def test_each_bar_is_as_long_as_its_share_and_split_by_outcome(repo_page, dimension):
    cases = approved_cases(REPO / "cases")
    svg = charts_of(repo_page)[list(DIMENSIONS).index(dimension)]
    check_bars(svg, expected_rows(cases, dimension), len(cases))


def test_a_bar_drawn_a_third_as_long_fails_the_oracle(repo_page):
    cases = approved_cases(REPO / "cases")
    svg = charts_of(repo_page)[0]
    expected = expected_rows(cases, "problem_type")
    for row in (0, len(expected) - 1):
        check_bars(redrawn(svg, row, 1), expected, len(cases))
        with pytest.raises(AssertionError):
            check_bars(redrawn(svg, row, 1 / 3), expected, len(cases))


def test_labels_are_escaped_in_the_chart_and_the_table(tmp_path, capsys):
    folder = tmp_path / "cases"
    shutil.copytree(REPO / "cases", folder)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    hostile = "Mugs & <Cups> \"Deluxe\" 'Set' </svg><script>alert(1)</script>"
    case = folder / "C-0002.yaml"
    text = case.read_text(encoding="utf-8")
    case.write_text(re.sub(r"(?m)^product_line: .*$", "product_line: " + yaml.safe_dump(hostile, width=10**6)
                           .removesuffix("\n...\n").strip(), text), encoding="utf-8")
    assert (folder / SOURCES_FILE).is_file() and main(["--course", str(tmp_path), "cases", "validate"]) == 0
    assert main(["--course", str(tmp_path), "cases", "stats", "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    page = (tmp_path / "out" / "case-stats.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<Cups>" not in page
    assert "<td>Mugs &amp; &lt;Cups&gt; &#34;Deluxe&#34; &#39;Set&#39; &lt;/svg&gt;&lt;script&gt;" in page
    cases = approved_cases(folder)
    svg = charts_of(page)[list(DIMENSIONS).index("product_line")]
    assert hostile in [label for label, _, _ in drawn_rows(svg)]
    check_bars(svg, expected_rows(cases, "product_line"), len(cases))


def test_series_names_and_the_title_are_escaped_too():
    svg = bars([("a<b", [1, 2]), ("c&d", [0, 3])], ["x<y", "p&q"], title='"quoted" & <tagged>')
    root = ElementTree.fromstring(svg)
    assert root.get("aria-label") == '"quoted" & <tagged>' and root.findtext(f"{SVG}title") == '"quoted" & <tagged>'
    titles = [rect.findtext(f"{SVG}title") for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert titles == ["x<y: 1", "p&q: 2", "p&q: 3"]
    assert [t.text for t in root.iter(f"{SVG}text")] == ["a<b", "3", "c&d", "3", "x<y", "p&q"]
