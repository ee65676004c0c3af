"""A real headless browser (Debian's chromium through playwright) renders the reports with their charts.

Screenshots go to test-artifacts/; the browser fixture (and when it skips) is in conftest.py.
"""

from __future__ import annotations

import math
from pathlib import Path

from conftest import shot


def open_report(browser, path: Path, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    blocked = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (blocked.append(route.request.url), route.abort()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, blocked


def radar_vertices(box: dict, size: float, shares: list[float]) -> list[tuple[float, float]]:
    """Where the radar's vertices must appear on screen, from its box, its square viewBox's size and the shares.

    The chart's layout: centre in the middle of the viewBox, the 100 % ring at radius size / 2 - 70, the
    first spoke up and the others clockwise; the viewBox is scaled to fit the box and centred in it.
    """
    scale = min(box["width"], box["height"]) / size
    left = box["x"] + (box["width"] - size * scale) / 2
    top = box["y"] + (box["height"] - size * scale) / 2
    radius = size / 2 - 70
    vertices = []
    for i, share in enumerate(shares):
        angle = math.radians(360 * i / len(shares))
        vertices.append((left + scale * (size / 2 + radius * share * math.sin(angle)),
                         top + scale * (size / 2 - radius * share * math.cos(angle))))
    return vertices


def rendered_vertices(page) -> list[tuple[float, float]]:
    """The centres of the radar's vertex markers as the browser laid them out, in page pixels."""
    markers = page.locator("svg.radar circle")
    boxes = [markers.nth(i).bounding_box() for i in range(markers.count())]
    return [(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2) for b in boxes]


def test_trainee_report_renders_its_radar_chart(browser, demo_run):
    page, blocked = open_report(browser, demo_run["trainee reports"] / "trainee03.html")
    radar = page.locator("svg.radar")
    box = radar.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200
    shape = page.locator("svg.radar polygon.radar-shape").bounding_box()
    assert shape and shape["width"] > 10 and shape["height"] > 10, "the trainee's mastery polygon is drawn"
    rows = page.locator("#mastery-table tr[data-competency]")
    assert rows.count() == 6
    shares = [float(rows.nth(i).get_attribute("data-mastery") or 0) for i in range(6)]
    size = float(radar.get_attribute("viewBox").split()[2])
    wanted = radar_vertices(box, size, shares)
    for (x, y), (want_x, want_y) in zip(rendered_vertices(page), wanted, strict=True):
        assert abs(x - want_x) < 1.5 and abs(y - want_y) < 1.5, "each vertex at its mastery share of the radius"
    xs, ys = [x for x, _ in wanted], [y for _, y in wanted]
    # the polygon's box holds its vertices and passes them by no more than its stroke's mitred corners:
    # half the stroke width (1 unit) times SVG's default miter limit (4), in page pixels
    corner = 4 * min(box["width"], box["height"]) / size
    margins = [min(xs) - shape["x"], min(ys) - shape["y"], shape["x"] + shape["width"] - max(xs),
               shape["y"] + shape["height"] - max(ys)]
    assert all(-0.5 <= margin <= corner + 0.5 for margin in margins), "the mastery polygon joins the vertices"
    assert page.locator("#gates tr[data-gate]").count() == 5
    shot(page, "trainee-report", full_page=True)
    assert not blocked, f"the report fetched something from outside: {blocked}"
    page.close()


def test_cohort_report_renders_heatmap_and_distributions(browser, demo_run):
    page, blocked = open_report(browser, demo_run["cohort report"])
    heatmap = page.locator("#heatmap svg.heatmap")
    assert heatmap.bounding_box()["height"] > 32 * 20, "one heatmap row per trainee"
    cells = page.locator("#heatmap svg rect.cell")
    assert cells.count() == 32 * 6, "one cell per trainee and competency"
    colours = set(cells.evaluate_all("cells => cells.map(cell => cell.getAttribute('fill'))"))
    assert len(colours) >= 3, "cells coloured by mastery, more than one colour in this cohort"
    assert sum(cells.nth(i).bounding_box()["width"] for i in range(6)) > 6 * 30
    distributions = page.locator("#distributions svg.distribution")
    assert distributions.count() == 6
    assert all(distributions.nth(i).bounding_box()["width"] > 100 for i in range(6))
    assert page.locator("#competency-table tr[data-trainee]").count() == 32
    shot(page, "cohort-report", full_page=True)
    assert not blocked, f"the report fetched something from outside: {blocked}"
    page.close()

