"""The demo's own cohort page and a trainee page, read in chromium in en and zh: the lead's answers hold on the
simulated trainees whose story is known (the one who broke Amazon's red lines, the one who dropped out, the
levels the cohort reached)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from caseloop.cli import main
from caseloop.course import Course
from test_report_browser import open_report

WORDS = {"en": {"email": "contains an e-mail address", "not_certified": "Not certified yet"},
         "zh": {"email": "含电子邮箱地址", "not_certified": "尚未认证"}}


@pytest.fixture(scope="module")
def demo_pages(programme_run, tmp_path_factory) -> dict[str, Path]:
    """lang -> the folder of the demo's reports: its own English ones, and the same course reported in Chinese."""
    workspace = programme_run["workspace"]
    zh = tmp_path_factory.mktemp("demo-zh")
    assert main(["--course", str(workspace), "report", "--lang", "zh", "--out", str(zh)]) == 0
    return {"en": workspace / "reports", "zh": zh}


@pytest.fixture(scope="module")
def story(programme_run) -> dict[str, object]:
    reports = programme_run["workspace"] / "reports"
    cohorts = pd.read_csv(reports / "cohorts.csv", keep_default_na=False)
    levels = pd.read_csv(reports / "levels.csv", keep_default_na=False)
    (red_line,) = cohorts.loc[cohorts["profile"] == "red_line", "trainee"]
    (dropout,) = cohorts.loc[cohorts["profile"] == "dropout", "trainee"]
    order = [level.id for level in Course.at(programme_run["workspace"]).curriculum().certification]
    reached = Counter(levels["level"])
    # a trainee holds their level and every level below it, with its permissions
    holds = {level: sum(reached[higher] for higher in order[i:]) for i, level in enumerate(order)}
    return {"red_line": red_line, "dropout": dropout, "levels": {**holds, "": reached[""]}}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_demo_cohort_page_answers_a_lead(browser, demo_pages, story, lang):
    page, blocked = open_report(browser, demo_pages[lang] / "cohort.html")
    assert not blocked
    for level, count in story["levels"].items():
        row = page.locator(f'#readiness tr[data-kind="level"][data-level="{level}"]' if level
                           else '#readiness tr[data-level=""]')
        assert row.count() == 1, level
        assert row.locator("td.num").inner_text().strip() == str(count), level
    assert WORDS[lang]["not_certified"] in page.locator("#readiness").inner_text()
    alerts = page.locator(f'#alerts tr[data-trainee="{story["red_line"]}"]')
    assert alerts.count() >= 1
    assert any(WORDS[lang]["email"] in alerts.nth(i).inner_text()
               and "lena.wu.store@gmail.com" in alerts.nth(i).locator("blockquote").inner_text()
               for i in range(alerts.count())), "the red-line trainee's alert quotes the e-mail address they wrote"
    assert page.locator(f'#at-risk tr[data-risk="{story["dropout"]}"]').count() == 1
    page.locator("#at-risk thead th").first.click()  # sorting by trainee keeps every row
    assert page.locator(f'#at-risk tr[data-risk="{story["dropout"]}"]').count() == 1
    assert "nan" not in page.locator("body").inner_text().split()
    page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_red_line_trainee_page_names_the_red_line(browser, demo_pages, story, lang):
    page, blocked = open_report(browser, demo_pages[lang] / "trainees" / f"{story['red_line']}.html")
    assert not blocked
    body = page.locator("body").inner_text()
    assert WORDS[lang]["email"] in body and "lena.wu.store@gmail.com" in body
    assert "email;" not in body and "nan" not in body.split()
    page.close()
