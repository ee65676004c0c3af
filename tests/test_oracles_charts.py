"""The radar chart's geometry recomputed from its viewBox and the shares it was given.

The chart's layout: centre in the middle of the square viewBox, the 100 % ring at radius size / 2 - 70 (the
70-unit margin holds the axis labels), the first spoke pointing up and the others clockwise at equal angles.
Every point below is computed from that and the shares alone, then looked up in the SVG as drawn.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree

import pytest

from caseloop.report.charts import radar

SVG = "{http://www.w3.org/2000/svg}"
LABEL_MARGIN = 70
SHARES = [("POL", 0.9), ("PRD", 0.25), ("COM", 1.0), ("DIA", 0.6), ("EMO", 0.0), ("XCC", 0.45)]


def expected_point(size: float, index: int, n: int, share: float) -> tuple[float, float]:
    radius = size / 2 - LABEL_MARGIN
    angle = math.radians(360 * index / n)  # clockwise from 12 o'clock; SVG's y axis points down
    return size / 2 + radius * share * math.sin(angle), size / 2 - radius * share * math.cos(angle)


def points(attribute: str) -> list[tuple[float, float]]:
    return [tuple(float(v) for v in pair.split(",")) for pair in attribute.split()]


def parsed(svg: str) -> tuple[ElementTree.Element, float]:
    root = ElementTree.fromstring(svg)
    x, y, width, height = (float(v) for v in root.get("viewBox").split())
    assert (x, y) == (0, 0) and width == height
    return root, width


@pytest.mark.parametrize("size", [360, 500])
def test_vertices_sit_at_their_share_of_the_radius(size):
    root, width = parsed(radar(SHARES, size=size))
    assert width == size
    expected = [expected_point(width, i, len(SHARES), share) for i, (_, share) in enumerate(SHARES)]
    shape = root.find(f"{SVG}polygon[@class='radar-shape']")
    for drawn, wanted in zip(points(shape.get("points")), expected, strict=True):
        assert drawn == pytest.approx(wanted, abs=0.06)
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")]
    assert len(circles) == len(SHARES)
    for drawn, wanted in zip(circles, expected, strict=True):
        assert drawn == pytest.approx(wanted, abs=0.06)


def test_rings_at_the_thresholds_and_the_full_ring():
    rings = (0.5, 0.7, 0.85)
    root, width = parsed(radar(SHARES, rings=rings))
    outlines = [p for p in root.iter(f"{SVG}polygon") if p.get("class") != "radar-shape"]
    assert len(outlines) == len(rings) + 1
    labels = [label.text for label in root.iter(f"{SVG}text") if label.get("class") == "ring-label"]
    assert labels == ["50%", "70%", "85%"], "each threshold ring is labelled with its share"
    for outline, ring in zip(outlines, (*rings, 1.0), strict=True):
        wanted = [expected_point(width, i, len(SHARES), ring) for i in range(len(SHARES))]
        for drawn, corner in zip(points(outline.get("points")), wanted, strict=True):
            assert drawn == pytest.approx(corner, abs=0.06)


def test_spokes_reach_the_full_ring_and_labels_stay_inside_the_chart():
    root, width = parsed(radar(SHARES))
    spokes = list(root.iter(f"{SVG}line"))
    for i, spoke in enumerate(spokes):
        assert (float(spoke.get("x1")), float(spoke.get("y1"))) == (width / 2, width / 2)
        end = (float(spoke.get("x2")), float(spoke.get("y2")))
        assert end == pytest.approx(expected_point(width, i, len(SHARES), 1.0), abs=0.06)
    labels = [label for label in root.iter(f"{SVG}text") if label.get("class") != "ring-label"]
    assert [label.text.split()[0] for label in labels] == [code for code, _ in SHARES]
    assert [label.text.split()[1] for label in labels] == ["90%", "25%", "100%", "60%", "0%", "45%"]
    for label in labels:
        assert 0 < float(label.get("x")) < width and 0 < float(label.get("y")) < width
