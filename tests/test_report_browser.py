"""A real headless browser (Debian's chromium through playwright) renders the reports with their charts.

Screenshots go to test-artifacts/. Without chromium the tests skip, unless CASELOOP_REQUIRE_BROWSER=1
(set in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the playwright package is not installed (pip install -e '.[test]')"
    if missing is None and not CHROMIUM.is_file():
        missing = f"{CHROMIUM} not found (apt-get install -y chromium)"
    if missing:
        if os.environ.get("CASELOOP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here but {missing}")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield chromium
        chromium.close()


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
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "trainee-report.png"), full_page=True)
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
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cohort-report.png"), full_page=True)
    assert not blocked, f"the report fetched something from outside: {blocked}"
    page.close()

