"""A real headless browser (Debian's chromium through playwright) renders the reports with their charts.

Screenshots go to test-artifacts/; the browser fixture (and when it skips) is in conftest.py.
"""

from __future__ import annotations

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


def test_trainee_report_renders_its_radar_chart(browser, demo_run):
    page, blocked = open_report(browser, demo_run["trainee reports"] / "trainee03.html")
    radar = page.locator("svg.radar")
    box = radar.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200
    shape = page.locator("svg.radar polygon.radar-shape").bounding_box()
    assert shape and shape["width"] > 10 and shape["height"] > 10, "the trainee's mastery polygon is drawn"
    assert page.locator("#mastery-table tr[data-competency]").count() == 6
    assert page.locator("#gates tr[data-gate]").count() == 5
    shot(page, "trainee-report", full_page=True)
    assert not blocked, f"the report fetched something from outside: {blocked}"
    page.close()


def test_cohort_report_renders_heatmap_and_distributions(browser, demo_run):
    page, blocked = open_report(browser, demo_run["cohort report"])
    heatmap = page.locator("#heatmap svg.heatmap")
    assert heatmap.bounding_box()["height"] > 32 * 20, "one heatmap row per trainee"
    cells = page.locator("#heatmap svg path.cells")
    assert cells.count() >= 3, "cells coloured by mastery, more than one colour in this cohort"
    assert sum(cells.nth(i).bounding_box()["width"] for i in range(cells.count())) > 6 * 30
    distributions = page.locator("#distributions svg.distribution")
    assert distributions.count() == 6
    assert all(distributions.nth(i).bounding_box()["width"] > 100 for i in range(6))
    assert page.locator("#competency-table tr[data-trainee]").count() == 32
    shot(page, "cohort-report", full_page=True)
    assert not blocked, f"the report fetched something from outside: {blocked}"
    page.close()

