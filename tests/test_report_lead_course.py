"""`caseloop report` on the demo course reads the lead's files: reports/ratings.csv (shown as the
lead's rating), reports/revision-backlog.csv (flagged items never recommended) and the reply texts
of the autograded notebooks (red-line excerpts); a bad ratings file stops the run, named."""

from __future__ import annotations

import pandas as pd

from caseloop.cli import main

RATING = "trainee01,COM,developing,shadowed a live shift; tone still stiff,Lead Wang,2026-03-19\n"
HEADER = "trainee,competency,level,note,rated_by,rated_on\n"


def test_report_shows_the_leads_rating_and_skips_flagged_items(demo_course, tmp_path, capsys):
    ratings = demo_course.reports_dir / "ratings.csv"
    ratings.write_text(HEADER + RATING, encoding="utf-8")
    try:
        assert main(["--course", str(demo_course.root), "report", "--lang", "en", "--out", str(tmp_path)]) == 0
        page = (tmp_path / "trainees" / "trainee01.html").read_text(encoding="utf-8")
        assert 'data-rating="developing"' in page and "shadowed a live shift; tone still stiff" in page
        assert "Lead Wang · 2026-03-19" in page
        cohort = (tmp_path / "cohort.html").read_text(encoding="utf-8")
        assert 'class="rating" title="lead rating: Developing · shadowed a live shift' in cohort
        ratings.write_text(HEADER + RATING.replace(",COM,", ",COMMS,"), encoding="utf-8")
        assert main(["--course", str(demo_course.root), "report", "--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert f"{ratings}:2: competency: " in err and "unknown competency 'COMMS'" in err
        ratings.write_text(HEADER + RATING.replace("2026-03-19", "19.3.2026"), encoding="utf-8")
        assert main(["--course", str(demo_course.root), "report", "--out", str(tmp_path)]) == 2
        assert f"{ratings}:2: rated_on: " in capsys.readouterr().err
    finally:
        ratings.unlink()
    backlog = pd.read_csv(demo_course.reports_dir / "revision-backlog.csv", dtype=str, keep_default_na=False)
    flagged = set(zip(backlog["module"], backlog["cell"], strict=True)) - {(m, "") for m in backlog["module"]}
    assert flagged, "the demo's backlog flags items"
    path = pd.read_csv(tmp_path / "path.csv", dtype=str, keep_default_na=False)
    assert not flagged & set(zip(path["module"], path["cell"], strict=True)), "no flagged item is recommended"
    assert not set(path["module"]) & {"m00", "m07", "m00post"}


def test_lead_notebook_formats_numbers_and_explains_empty_tables(demo_course, tmp_path):
    import re

    assert main(["--course", str(demo_course.root), "report", "notebook", "--lang", "en", "--out",
                 str(tmp_path)]) == 0
    html = (tmp_path / "lead.html").read_text(encoding="utf-8")
    tables = re.findall(r"<table.*?</table>", html, re.S)
    assert len(tables) >= 8
    for table in tables:
        assert re.search(r"<tbody>\s*<tr", table), "an empty table is replaced by a line saying why"
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
        assert not [c for c in cells if re.fullmatch(r"\d\.\d{3,}", c.strip())], "shares read as percentages"
        assert not [c for c in cells if re.search(r"\d{2}:\d{2}:\d{2}\+00:00", c)], "dates read as YYYY-MM-DD"
    assert re.search(r"<td[^>]*>\d{1,3}%</td>", html) and "grades up to" in html
