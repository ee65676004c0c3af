"""The lead's answers as pure functions, on the known cohort of lead_cohort.py: readiness, one gate
away, the at-risk rules, red-line alerts, progress, the competency breakdown, learning paths that
avoid assessments and flagged items, the lead's ratings, and percentages rounded half up.

Every expected value is worked out by hand from the rows lead_cohort.py builds (see its docstring).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import lead_cohort
from caseloop.analysis.certify import one_gate_away, readiness
from caseloop.checks.reasons import failure_reason, failure_reasons
from caseloop.course import CourseError
from caseloop.report.tables import read_ratings
from caseloop.shares import percent


@pytest.fixture(scope="module")
def curriculum(repo_course):
    return repo_course.curriculum()


@pytest.fixture(scope="module")
def tables(curriculum):
    return lead_cohort.tables(curriculum)


@pytest.mark.parametrize(("share", "shown"), [(0.125, "13%"), (0.145, "15%"), (0.005, "1%"), (0.115, "12%"),
                                              (1 / 17, "6%"), (2 / 3, "67%"), (0.0, "0%"), (1.0, "100%"),
                                              (float("nan"), "—"), (None, "—")])
def test_percentages_round_half_up(share, shown):
    # 12.5 -> 13 and 14.5 -> 15 (Python's format gives 12 % and 14 %); 11.5 -> 12; 1/17 = 5.88 -> 6
    assert percent(share) == shown


def test_readiness_counts_each_level_and_permission(tables):
    # ada is Intermediate (so Junior too), dee Junior; ben, cao, eve and fay are not certified
    rows = {(r.kind, r.id): (r.trainees, r.who) for r in tables.readiness.itertuples()}
    assert rows["level", "junior"] == (2, "ada;dee") and rows["permission", "routine_replies"] == (2, "ada;dee")
    assert rows["level", "intermediate"] == (1, "ada") and rows["permission", "independent_refunds"] == (1, "ada")
    assert rows["level", "senior"] == (0, "") and rows["permission", "disputes"] == (0, "")
    assert rows["none", ""] == (4, "ben;cao;eve;fay")


def test_one_gate_away_names_the_gate_and_why(tables):
    close = tables.one_gate.set_index("trainee")
    assert dict(close["gate"]) == {"ada": "mentor_signoff", "ben": "baseline", "cao": "rules_passed",
                                   "dee": "simulated_cases", "eve": "rules_passed"}
    assert close.at["ada", "next_level"] == "senior" and close.at["ben", "next_level"] == "junior"
    assert close.at["ada", "reason_en"] == "1 item in m07 awaits a mentor's grade"
    # cao: m01 1 of 17 points = 5.88 % -> 6 %
    assert close.at["cao", "reason_en"] == "m01 at 6%, needs 80%" and close.at["cao", "reason_zh"] == \
        "m01 得分 6%，需要 ≥ 80%"
    assert "fay" not in close.index, "fay misses two gates of Junior"


def test_readiness_and_one_gate_on_hand_built_levels(curriculum):
    levels = pd.DataFrame([("a", "senior", "", ""), ("b", "", "junior", "baseline;rules_passed"),
                           ("c", "junior", "intermediate", "simulated_cases")],
                          columns=["trainee", "level", "next_level", "missing"])
    gates = pd.DataFrame([("c", "simulated_cases", "3 个", "3 of 10 cases solved in m07")],
                         columns=["trainee", "gate", "reason_zh", "reason_en"])
    counts = readiness(levels, curriculum).set_index(["kind", "id"])["trainees"]
    assert counts["level", "junior"] == 2 and counts["level", "senior"] == 1 and counts["none", ""] == 1
    assert list(one_gate_away(levels, gates)[["trainee", "gate"]].itertuples(index=False, name=None)) == \
        [("c", "simulated_cases")]


def test_at_risk_rules_work_from_the_first_week(tables):
    warned = tables.warnings
    kinds = warned.groupby("trainee")["kind"].agg(lambda k: sorted(k)).to_dict()
    assert "ada" not in kinds, "ada is on track"
    assert kinds["ben"] == ["missed_deadline"]  # m00 (due day 0) never submitted; last work day 15: 5 days idle
    assert kinds["cao"] == ["low_result"] * 3
    assert kinds["dee"] == ["red_line"]
    assert kinds["eve"] == ["inactive", "missed_deadline", "missed_deadline"]
    assert kinds["fay"] == ["inactive", *["missed_deadline"] * 3]
    reasons = warned.groupby("trainee")["reason_en"].agg(list).to_dict()
    # cao: m00 0 / 2; m01 1 / 17 = 6 %; m02 1 / 4 = 25 %, all below the curriculum's low_result 50 %
    assert reasons["cao"] == ["m00 at 0% (0 / 2 points), below 50%", "m01 at 6% (1 / 17 points), below 50%",
                              "m02 at 25% (1 / 4 points), below 50%"]
    # the cohort runs from 2026-03-02 (day 0) to day 20; m01 is due on day 7, m02 on day 14
    assert "m01 was due 2026-03-09, no graded submission" in reasons["eve"]
    assert "no graded submission for 20 days (last 2026-03-02)" in reasons["eve"]
    assert "no graded submission yet, 20 days into the cohort" in reasons["fay"]
    assert reasons["dee"] == ["m01: 1 reply (C-0004) breaks red lines: links or websites outside Amazon; contains "
                              "an e-mail address; asks for a positive review or feedback"]


def test_red_lines_warn_once_per_module_and_alert_per_reply(curriculum):
    from caseloop.report import cohort_tables

    grades = lead_cohort.grades()
    extra = grades[(grades["trainee"] == "dee") & (grades["cell"] == "p1")].assign(
        cell="p9", case="C-0009", failures="blame;shouting")
    tables = cohort_tables(pd.concat([grades, extra], ignore_index=True), curriculum)
    dee = tables.warnings[(tables.warnings["trainee"] == "dee") & (tables.warnings["kind"] == "red_line")]
    assert list(dee["reason_en"]) == ["m01: 2 replies (C-0004, C-0009) break red lines: links or websites outside "
                                      "Amazon; contains an e-mail address; asks for a positive review or feedback; "
                                      "blames the buyer; capitals or repeated exclamation marks read as shouting"]
    assert list(tables.alerts["case"]) == ["C-0004", "C-0009"] and set(tables.alerts["excerpt"]) == {""}


def test_red_line_alert_quotes_the_reply(tables):
    alert = tables.alerts.set_index("trainee").loc["dee"]
    assert (alert["module"], alert["case"], alert["codes"]) == ("m01", "C-0004", "link;email;review_request")
    assert "help@shop-example.com" in alert["excerpt"] and alert["excerpt"].startswith("…")
    assert "含电子邮箱地址" in alert["reason_zh"] and "email" not in alert["reason_en"].split()


def test_progress_counts_modules_done_of_modules_due(tables):
    progress = tables.progress.set_index("trainee")
    assert progress.loc["ada", ["done", "due", "done_of_due", "missed"]].tolist() == [4, 3, 3, ""]
    assert progress.loc["ben", ["done", "done_of_due", "missed"]].tolist() == [2, 2, "m00"]
    assert progress.loc["eve", ["done", "done_of_due", "missed"]].tolist() == [1, 1, "m01;m02"]
    assert progress.loc["fay", ["done", "due", "missed"]].tolist() == [0, 3, "m00;m01;m02"]


def test_competency_breakdown_counts_levels_items_and_last_evidence(tables):
    table = tables.breakdown.set_index("competency")
    # COM mastery (decaying average, w 0.65): ada 1, ben 3/5 = 0.6, cao 0, dee m00 1 then 2/5:
    # 0.65 * 0.4 + 0.35 * 1 = 0.61, eve 0 -> mean 2.21 / 5 = 0.442
    assert table.at["COM", "mean"] == pytest.approx(0.442)
    assert table.loc["COM", ["beginning", "developing", "proficient", "mastered"]].tolist() == [2, 2, 0, 1]
    # COM is graded on m00 b2 and m01 reply (m07's sign still waits for a mentor): 2 items, thin below 3
    assert table.at["COM", "items"] == 2 and table.at["COM", "thin"]
    # DIA: m01 p2, m02 k2 and m07 s0-s9 = 12 items, one of them (p2) flagged
    assert table.at["DIA", "items"] == 12 and table.at["DIA", "flagged"] == 1 and not table.at["DIA", "thin"]
    assert table.at["DIA", "last_evidence"] == lead_cohort.START + pd.Timedelta(days=20)
    assert "m01 · 题 2（诊断）下一步最合适的做法是？" in table.at["DIA", "feeds"].split(";")
    assert table.at["XCC", "trainees"] == 0 and pd.isna(table.at["XCC", "mean"])


def test_learning_paths_avoid_assessments_and_flagged_items(tables):
    path = tables.path
    assert not set(path["module"]) & {"m00", "m07", "m00post"}, "assessments are never recommended"
    assert "p2" not in set(path["cell"]), "the backlog flagged m01/p2"
    eve = path[path["trainee"] == "eve"]
    # eve's only weak result is COM (m00 b2 0 / 1): m00 is the baseline, so the module to take is m01
    assert list(eve["reason_en"]) == ["Communication and reply writing 0%: take module m01"]
    assert (path["trainee"] == "ada").sum() == 0


def test_flagged_items_are_named_on_gates_and_mastery(tables):
    gates = tables.gates.set_index(["trainee", "gate"])["flagged"]
    assert gates["ben", "rules_passed"] == 1 and gates["ben", "baseline"] == 0
    assert gates["ada", "policy_proficient"] == 0, "the flagged DIA item does not feed POL"
    mastery = tables.mastery.set_index(["trainee", "competency"])["flagged"]
    assert mastery["ben", "DIA"] == 1 and mastery["ben", "POL"] == 0 and mastery["ada", "DIA"] == 1


def test_failure_codes_read_as_reasons():
    assert failure_reason("email") == ("含电子邮箱地址", "contains an e-mail address")
    assert failure_reason("case_missing:refund_offer") == ("没有做到本案要求：refund offer",
                                                          "misses what this case needs: refund offer")
    assert failure_reasons("greeting;time;greeting")[1] == "missing: opens with a greeting; missing: commits to a " \
                                                          "time (e.g. within 2 business days)"
    assert failure_reason("some_new_code") == ("some new code", "some new code")


def test_lead_ratings_file_is_read_and_bad_rows_are_named(repo_course, curriculum, tmp_path):
    course = repo_course.copy_to(tmp_path / "course")
    assert read_ratings(course, curriculum) is None
    path = course.reports_dir / "ratings.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("trainee,competency,level,note,rated_by,rated_on\ncao,COM,developing,coached,Lead Wang,"
                    "2026-03-19\n", encoding="utf-8")
    assert read_ratings(course, curriculum).iloc[0].tolist() == ["cao", "COM", "developing", "coached", "Lead Wang",
                                                                 "2026-03-19"]
    for row, message in (("cao,COMS,developing,,,", ":2: competency: .*unknown competency 'COMS'"),
                         ("cao,COM,expert,,,", ":2: level: .*unknown level 'expert'"),
                         ("cao,COM,developing,,,19.3.", ":2: rated_on: "),
                         (",COM,developing,,,", ":2: trainee: ")):
        path.write_text(f"trainee,competency,level,note,rated_by,rated_on\n{row}\n", encoding="utf-8")
        with pytest.raises(CourseError, match=message) as err:
            read_ratings(course, curriculum)
        assert str(path) in str(err.value)


@pytest.mark.parametrize(("lang", "header"), [("zh", "COM 沟通与回复写作"),
                                             ("en", "COM Communication and reply writing")])
def test_cohort_workbook_opens_on_the_competency_grid(tables, curriculum, tmp_path, lang, header):
    from openpyxl import load_workbook

    from caseloop.report import export_tables

    book = load_workbook(export_tables(tables, tmp_path, curriculum, lang)["xlsx"])
    grid = book.worksheets[0]
    assert grid.title == {"zh": "学员×能力", "en": "Trainee x competency"}[lang]
    assert grid.freeze_panes == "B2" and grid.auto_filter.ref == "A1:J7"  # trainee, 6 competencies, level, 2
    headers = [cell.value for cell in grid[1]]
    assert headers[3] == header and headers[0] == {"zh": "学员", "en": "Trainee"}[lang]
    rows = {row[0].value: row for row in grid.iter_rows(min_row=2)}
    # ben's COM mastery 3 / 5 = 60 %, shown as a percentage; fay has no graded work
    assert rows["ben"][3].value == pytest.approx(0.6) and rows["ben"][3].number_format == "0%"
    assert rows["fay"][3].value is None and rows["ada"][7].value == {"zh": "中级客服", "en": "Intermediate agent"}[lang]
    assert [rows["eve"][8].value, rows["eve"][9].value] == [1, 3]
    assert {"mastery", "warnings", "alerts", "breakdown", "readiness"} <= set(book.sheetnames[1:])


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_heatmap_has_a_key_values_on_hover_and_a_colour_blind_safe_scale():
    from caseloop.report.charts import CELL_TOOLTIPS, NO_VALUE, VIRIDIS, heatmap

    svg = heatmap(["a", "b"], ["POL"], {("a", "POL"): 0.125}, legend="Mastery", empty="no data")
    assert "<title>a · POL: 13%</title>" in svg and "<title>b · POL: —</title>" in svg
    # 12.5 % is nearer 10 % than 20 % on the tenths scale; b has no value
    assert [m for m in re.findall(r'<rect class="cell"[^>]*fill="(#\w+)"', svg)] == [VIRIDIS[1], NO_VALUE]
    assert svg.count("<title>0%</title>") == 1 and "no data" in svg and "Mastery" in svg
    # a sequential scale: every step lighter than the last, so order reads without telling red from green
    assert all(_luminance(a) < _luminance(b) for a, b in zip(VIRIDIS, VIRIDIS[1:], strict=False))
    many = [f"t{i}" for i in range(CELL_TOOLTIPS + 1)]
    assert 'class="cells"' in heatmap(many, ["POL"], {}) and 'class="cell"' not in heatmap(many, ["POL"], {})


def test_histogram_has_axes_a_labelled_threshold_and_says_when_empty():
    from caseloop.report.charts import distribution

    svg = distribution([0.05, 0.72, 0.75, 0.99], marker=0.7, marker_label="Proficient", y_label="trainees")
    assert 'class="y-axis"' in svg and ">2</text>" in svg, "the y axis tops at the tallest bar (2 in 70-80 %)"
    assert "<title>70%–80%: 2</title>" in svg and "Proficient 70%" in svg and ">trainees<" in svg
    empty = distribution([], empty="no data")
    assert "no data" in empty and "data-count" not in empty


@pytest.mark.parametrize(("change", "shown"), [(0.125, "+13"), (-0.125, "−13"), (0.0, "+0"), (-0.004, "+0"),
                                               (0.3, "+30")])
def test_gains_read_as_signed_percentage_points_rounded_half_away_from_zero(change, shown):
    from caseloop.shares import percentage_points

    assert percentage_points(change) == shown


def test_trend_rule_still_warns_beside_the_first_week_rules(curriculum):
    from caseloop.report import cohort_tables

    # gus submits m01 four times a day apart; COM (the reply) at 4/5, then 3/5, 3/5, 2/5: the last three
    # below risk_below 70 % -> a run of 3, the last at 40 %
    rows = [lead_cohort.grade_row("gus", "m01", "reply", score, day=n) | {"attempt": n + 1}
            for n, score in enumerate((4, 3, 3, 2))]
    tables = cohort_tables(pd.DataFrame(rows), curriculum)
    trend = tables.warnings[tables.warnings["kind"] == "trend"].set_index("competency")
    assert trend.at["COM", "reason_en"] == "Communication and reply writing: 3 results in a row below 70% (last 40%)"
    assert trend.at["EMO", "reason_zh"] == "情绪与压力处理 连续 3 次低于 70%（最近 40%）"


def test_a_bad_due_day_names_the_file_and_module(repo_course, tmp_path):
    from caseloop.curriculum import load_curriculum
    from conftest import assert_bad_file_is_named

    text = repo_course.curriculum_path.read_text(encoding="utf-8")
    assert "    due_day: 7\n" in text
    assert_bad_file_is_named(load_curriculum, tmp_path / "curriculum.yaml", text.replace("    due_day: 7\n",
                                                                                         "    due_day: next week\n"),
                             r"modules\[2\]\.due_day: .*expected a whole number, found 'next week'")


def test_every_rule_status_and_method_has_words_in_both_languages():
    from caseloop.analysis.mastery import METHODS
    from caseloop.analysis.risk import RULES
    from caseloop.course import journal
    from caseloop.report import wording

    assert set(wording.WARNINGS) == set(RULES), "each at-risk rule is named on the pages"
    statuses = journal.FINAL | {journal.FAILED}
    assert statuses <= set(wording.STATUSES), sorted(statuses - set(wording.STATUSES))
    assert all(zh and en for (zh, en), _ in wording.STATUSES.values())
    assert set(wording.METHODS) == set(METHODS)
