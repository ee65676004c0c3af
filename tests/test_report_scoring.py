"""Scoring, mastery methods, gates, levels, learning paths, risk, gain and KPIs on hand-built grade tables.

Each expected number below is worked out by hand in the comments, from the rows the test builds.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest

from caseloop.analysis.certify import certification, gate_results
from caseloop.analysis.kpi import assign_phase, before_after, kpi_vs_mastery, read_kpis
from caseloop.analysis.learning_path import learning_path
from caseloop.analysis.mastery import at_risk, competency_results, latest_attempts, mastery_table, pre_post_gain
from caseloop.cli import main
from caseloop.compile import GRADE_COLUMNS
from caseloop.course import CourseError
from caseloop.curriculum import Curriculum, load_curriculum
from caseloop.report import cohort_tables

CURRICULUM = """
levels:
  beginning: {zh: 入门, en: Beginning}
  developing: {zh: 发展中, en: Developing, min: 0.5}
  proficient: {zh: 熟练, en: Proficient, min: 0.7}
competencies:
  - {code: POL, zh: 平台规则, en: Platform rules, thresholds: {proficient: 0.8}}
  - {code: COM, zh: 沟通, en: Communication}
modules:
  - {id: m00, zh: 基线, en: Baseline}
  - {id: m01, zh: 规则, en: Rules}
  - {id: m03, zh: 政策进阶, en: Policy advanced}
  - {id: m07, zh: 模拟案例, en: Simulated cases}
  - {id: m08, zh: 后测, en: Post-test}
mastery: {method: decaying_average, weight: 0.65, n: 2, at_level: proficient, min_items: 3,
          risk_attempts: 3, risk_below: 0.7}
assessment: {baseline: m00, post_test: m08}
permissions:
  replies: {zh: 回复, en: Replies}
  refunds: {zh: 退款, en: Refunds}
  disputes: {zh: 纠纷, en: Disputes}
gates:
  - {id: baseline, zh: 基线, en: Baseline, module_done: m00}
  - {id: rules, zh: 规则, en: Rules, module_score: {module: m01, min: 0.8}}
  - {id: policy, zh: 规则熟练, en: Policy proficient, competency_level: {competency: POL, level: proficient}}
  - {id: cases, zh: 案例, en: Cases, cases_solved: {module: m07, count: 10}}
  - {id: mentor, zh: 导师, en: Mentor, mentor_signoff: {module: m08, min: 0.8}}
certification:
  - {level: junior, zh: 初级, en: Junior, gates: [baseline, rules], permissions: [replies]}
  - {level: intermediate, zh: 中级, en: Intermediate, gates: [policy, cases], permissions: [refunds]}
  - {level: senior, zh: 高级, en: Senior, gates: [mentor], permissions: [disputes]}
targets:
  - {id: pol, zh: 规则 80%, en: Rules 80 %, competency: POL, mastery: 0.8, within_days: 14}
"""


@pytest.fixture(scope="module")
def curriculum(tmp_path_factory) -> Curriculum:
    path = tmp_path_factory.mktemp("curriculum") / "curriculum.yaml"
    path.write_text(CURRICULUM, encoding="utf-8")
    return load_curriculum(path)


def row(trainee, module, cell, competency, score, max_score=1.0, attempt=1, day=0, case=None, manual=None,
        needs_manual=False, failures=""):
    return {"trainee": trainee, "module": module, "notebook": "nb", "cell": cell, "competency": competency,
            "case": case or f"C-{cell}", "score": score, "max_score": max_score, "auto_score": score,
            "manual_score": manual, "needs_manual_grade": needs_manual, "comment": "",
            "failures": failures or ("" if score >= max_score else "x"),
            "submitted_at": pd.Timestamp("2026-03-02") + pd.Timedelta(days=day), "attempt": attempt}


def table(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(GRADE_COLUMNS))


# t1 submits m01 three times. Cells: c1 (POL, 1 pt), c2 (POL;COM, 1 pt).
# POL results: (0.5 + 0) / 2 = 0.25, (1 + 0) / 2 = 0.5, (1 + 1) / 2 = 1.0. COM results: 0, 0, 1.
HISTORY = [row("t1", "m01", "c1", "POL", s1, attempt=a, day=a) for a, s1 in ((1, 0.5), (2, 1.0), (3, 1.0))] + \
          [row("t1", "m01", "c2", "POL;COM", s2, attempt=a, day=a) for a, s2 in ((1, 0.0), (2, 0.0), (3, 1.0))]

# method -> (POL mastery, COM mastery), worked by hand:
# average: (0.25 + 0.5 + 1) / 3 = 0.583333; COM 1/3
# latest: 1.0; highest: 1.0
# decaying_average (w = 0.65): 0.25 -> 0.65*0.5 + 0.35*0.25 = 0.4125 -> 0.65*1 + 0.35*0.4125 = 0.794375;
#   COM: 0 -> 0 -> 0.65
# n_mastery (n = 2, at proficient: POL 0.8, COM 0.7): one result at mastery each -> none
EXPECTED_MASTERY = {
    "average": (0.583333, 1 / 3), "latest": (1.0, 1.0), "highest": (1.0, 1.0),
    "decaying_average": (0.794375, 0.65), "n_mastery": (None, None),
}


@pytest.mark.parametrize("method", list(EXPECTED_MASTERY))
def test_mastery_methods_match_hand_computation(curriculum, method):
    grades = table(HISTORY)
    result = mastery_table(grades, curriculum, replace(curriculum.mastery, method=method)).set_index("competency")
    pol, com = EXPECTED_MASTERY[method]
    for code, expected in (("POL", pol), ("COM", com)):
        if expected is None:
            assert pd.isna(result.at[code, "mastery"]) and result.at[code, "level"] == "beginning"
        else:
            assert result.at[code, "mastery"] == pytest.approx(expected, abs=1e-6), (method, code)
    # raw score rests on the latest attempt only: c1 = 1, c2 = 1 -> 2 / 2; three results, two items (thin)
    assert result.at["POL", "share"] == 1.0 and result.at["POL", "items"] == 2 and result.at["POL", "results"] == 3
    assert result.at["POL", "thin"] and result.at["COM", "items"] == 1


def test_n_mastery_counts_results_at_the_bar(curriculum):
    # one more POL result at 1.0 gives two results >= 0.8: mastery = mean(1.0, 1.0)
    grades = table(HISTORY + [row("t1", "m01", "c1", "POL", 1.0, attempt=4, day=4),
                              row("t1", "m01", "c2", "POL;COM", 1.0, attempt=4, day=4)])
    result = mastery_table(grades, curriculum, replace(curriculum.mastery, method="n_mastery"))
    pol = result.set_index("competency").loc["POL"]
    assert pol["mastery"] == 1.0 and pol["level"] == "proficient"


def test_decaying_average_weight_is_configurable(curriculum):
    # w = 0.5: 0.25 -> 0.375 -> 0.6875
    result = mastery_table(table(HISTORY), curriculum, replace(curriculum.mastery, weight=0.5))
    assert result.set_index("competency").at["POL", "mastery"] == pytest.approx(0.6875)


def certification_cohort() -> pd.DataFrame:
    rows = []
    # ana: everything: baseline, m01 90 %, POL results 1.0 and 1.0, ten m07 cases solved, mentor 0.9 on m08
    rows += [row("ana", "m00", "b1", "POL", 0.3, day=0)]
    rows += [row("ana", "m01", f"r{i}", "POL", s, day=1) for i, s in enumerate([1, 1, 1, 1, 1, 1, 1, 1, 1, 0])]
    rows += [row("ana", "m07", f"s{i}", "COM", 1.0, day=2) for i in range(10)]
    rows += [row("ana", "m08", "p1", "POL", 0.9, manual=0.9, day=3)]
    # bo: baseline, m01 at 70 %
    rows += [row("bo", "m00", "b1", "POL", 0.5, day=0)]
    rows += [row("bo", "m01", f"r{i}", "POL", 1.0 if i < 7 else 0.0, day=1) for i in range(10)]
    # cy: m01 100 %, never did the baseline
    rows += [row("cy", "m01", f"r{i}", "POL", 1.0, day=1) for i in range(10)]
    # di: baseline, m01 80 %, 4 of 10 m07 cases solved (case s9 half right), m08 reply awaiting the mentor
    rows += [row("di", "m00", "b1", "POL", 1.0, day=0)]
    rows += [row("di", "m01", f"r{i}", "POL", 1.0 if i < 8 else 0.0, day=1) for i in range(10)]
    rows += [row("di", "m07", f"s{i}", "COM", 1.0 if i < 4 else 0.0, day=2) for i in range(9)]
    rows += [row("di", "m07", "s9", "COM", 0.5, day=2)]
    rows += [row("di", "m08", "p1", "POL", 0.0, needs_manual=True, day=3)]
    return table(rows)


def test_gates_levels_and_reasons(curriculum):
    grades = certification_cohort()
    mastery = mastery_table(grades, curriculum)
    gates = gate_results(latest_attempts(grades), mastery, curriculum)
    met = gates.set_index(["trainee", "gate"])
    levels = certification(gates, curriculum, ["ana", "bo", "cy", "di"]).set_index("trainee")
    # ana: POL results m00 0.3, m01 0.9, m08 0.9 -> decaying 0.3 -> 0.69 -> 0.8265 >= 0.8 proficient
    assert levels.loc["ana", "level"] == "senior"
    assert levels.loc["ana", "permissions"] == "replies;refunds;disputes"
    assert met.loc[("ana", "rules"), "value"] == pytest.approx(0.9)
    assert met.loc[("ana", "cases"), "value"] == 10
    # bo: m01 at 70 % -> nothing
    assert levels.loc["bo", "level"] == "" and levels.loc["bo", "next_level"] == "junior"
    assert levels.loc["bo", "missing"] == "rules"
    assert levels.loc["bo", "missing_en"] == "m01 at 70%, needs 80%"
    assert levels.loc["bo", "missing_zh"] == "m01 得分 70%，需要 ≥ 80%"
    # cy: no baseline
    assert levels.loc["cy", "missing_en"] == "m00 not submitted yet"
    # di: junior; POL results 1.0 -> 0.8 -> 0.0 : 1 -> 0.65*0.8+0.35 = 0.87 -> 0.3045: not proficient, 4 cases
    assert levels.loc["di", "level"] == "junior" and levels.loc["di", "permissions"] == "replies"
    assert levels.loc["di", "missing"] == "policy;cases"
    assert "4 of 10 cases solved in m07" in levels.loc["di", "missing_en"]
    assert met.loc[("di", "mentor"), "reason_en"] == "1 item in m08 awaits a mentor's grade"
    assert met.loc[("ana", "mentor"), "met"]


# method -> (ana level, di level); ana's POL results 0.3, 0.9, 0.9 and di's 1.0, 0.8, 0.0 by hand:
# average: ana 0.7 (not >= 0.8) -> junior; di 0.6 -> junior
# latest: ana 0.9 -> senior; di 0.0 -> junior
# highest: ana 0.9 -> senior; di 1.0 -> proficient, but 4 cases -> junior
# decaying_average: ana 0.8265 -> senior; di 0.3045 -> junior
# n_mastery (n = 2 at 0.8): ana 0.9, 0.9 -> 0.9 senior; di 1.0, 0.8 -> 0.9 proficient, cases -> junior
EXPECTED_LEVELS = {"average": ("junior", "junior"), "latest": ("senior", "junior"), "highest": ("senior", "junior"),
                   "decaying_average": ("senior", "junior"), "n_mastery": ("senior", "junior")}
EXPECTED_DI_POLICY = {"average": False, "latest": False, "highest": True, "decaying_average": False,
                      "n_mastery": True}


@pytest.mark.parametrize("method", list(EXPECTED_LEVELS))
def test_levels_for_every_mastery_method(curriculum, method):
    chosen = replace(curriculum.mastery, method=method)
    grades = certification_cohort()
    gates = gate_results(latest_attempts(grades), mastery_table(grades, curriculum, chosen), curriculum)
    levels = certification(gates, curriculum, ["ana", "di"]).set_index("trainee")["level"]
    assert (levels["ana"], levels["di"]) == EXPECTED_LEVELS[method]
    assert gates.set_index(["trainee", "gate"]).loc[("di", "policy"), "met"] == EXPECTED_DI_POLICY[method]


def path_grades() -> pd.DataFrame:
    # t1: POL weak (c1 0/1 with failures "blame", c2 0.5/2), COM strong; m01 only.
    return table([row("t1", "m01", "c1", "POL", 0.0, failures="blame"),
                  row("t1", "m01", "c2", "POL", 1.0, max_score=2.0, failures="number"),
                  row("t1", "m01", "c3", "COM", 1.0)])


ITEMS = pd.DataFrame([
    {"module": "m01", "notebook": "nb", "cell": "c1", "competency": "POL", "case": "C-c1", "points": 1.0},
    {"module": "m01", "notebook": "nb", "cell": "c2", "competency": "POL", "case": "C-c2", "points": 2.0},
    {"module": "m01", "notebook": "nb", "cell": "c3", "competency": "COM", "case": "C-c3", "points": 1.0},
    {"module": "m03", "notebook": "nb", "cell": "d1", "competency": "POL;COM", "case": "C-d1", "points": 3.0},
])


@pytest.mark.parametrize("method", list(EXPECTED_MASTERY))
def test_learning_path_redo_failed_cases_then_the_module_that_trains_it(curriculum, method):
    grades = path_grades()
    mastery = mastery_table(grades, curriculum, replace(curriculum.mastery, method=method))
    path = learning_path(mastery, latest_attempts(grades), ITEMS, curriculum)
    # POL 1 / 3 = 33 % under every method (one result): c1 (share 0) before c2 (share 0.5), then m03 not done yet.
    # n_mastery: COM's single result at 100 % is not yet two results at the bar, so m03 is pushed for COM too.
    expected = [(1, "case", "C-c1", "m01", "POL"), (2, "case", "C-c2", "m01", "POL"), (3, "module", "", "m03", "POL")]
    if method == "n_mastery":
        expected.append((4, "module", "", "m03", "COM"))
    assert list(zip(path["step"], path["kind"], path["case"], path["module"], path["competency"], strict=True)) \
        == expected
    assert path["reason_en"].iloc[0] == "Platform rules 33%: redo case C-c1 (m01 · c1), failed checks: blames the buyer"
    assert path["reason_zh"].iloc[2] == "平台规则 33%：学习模块 m03"


def test_learning_path_revisits_a_done_module_and_skips_mastered(curriculum):
    grades = path_grades()
    items = ITEMS[ITEMS["module"] == "m01"]
    path = learning_path(mastery_table(grades, curriculum), latest_attempts(grades), items, curriculum)
    assert path["reason_en"].iloc[-1] == "Platform rules 33%: revisit module m01"
    assert set(path["competency"]) == {"POL"}, "COM at 100 % is not on the path"


def test_three_results_in_a_row_below_the_bar_is_at_risk(curriculum):
    shares = {"t1": [0.9, 0.5, 0.6, 0.4], "t2": [0.5, 0.6, 0.9], "t3": [0.2, 0.3]}
    grades = table([row(t, "m01", "c1", "POL", s, attempt=i + 1, day=i)
                    for t, values in shares.items() for i, s in enumerate(values)])
    risk = at_risk(competency_results(grades), curriculum.mastery)
    assert list(risk["trainee"]) == ["t1"] and risk["run"].iloc[0] == 3 and risk["last_share"].iloc[0] == 0.4


def test_pre_post_gain_is_paired():
    grades = table([row("t1", "m00", "b", "POL", 0.4), row("t1", "m08", "p", "POL", 0.9, day=5),
                    row("t2", "m00", "b", "POL", 0.6), row("t2", "m08", "p", "POL", 0.7, day=5),
                    row("t3", "m00", "b", "POL", 0.1)])
    pairs, summary = pre_post_gain(latest_attempts(grades), "m00", "m08")
    assert sorted(pairs["trainee"]) == ["t1", "t2"]
    pol = summary.set_index("competency").loc["POL"]
    assert pol["n"] == 2 and pol["pre"] == pytest.approx(0.5) and pol["post"] == pytest.approx(0.8)
    assert pol["gain"] == pytest.approx(0.3) and pol["gain_sd"] == pytest.approx(0.282843, abs=1e-6)


def test_targets_and_trend(curriculum):
    # cohort A (March): POL 1.0 and 0.6 -> mean 0.8, met. Cohort B (May): POL 0.5 -> missed after 14 days
    grades = table([row("a1", "m01", "c1", "POL", 1.0, day=0), row("a2", "m01", "c1", "POL", 0.6, day=1),
                    row("b1", "m01", "c1", "POL", 0.5, day=60), row("b2", "m01", "c1", "POL", 0.5, day=80)])
    tables = cohort_tables(grades, curriculum)
    targets = tables.targets.set_index("cohort")
    assert targets.at["2026-03", "value"] == pytest.approx(0.8) and targets.at["2026-03", "state"] == "met"
    assert targets.at["2026-05", "state"] == "missed" and targets.at["2026-05", "n"] == 2
    trend = tables.trend.set_index("cohort")
    assert trend.at["2026-03", "mastery"] == pytest.approx(0.8) and trend.at["2026-05", "mastery"] == 0.5


def test_kpi_phases_before_after_and_correlation(tmp_path):
    grades = table([row(f"a{i}", "m01", "c1", "POL", i / 10, day=0) for i in range(12)])  # trained 2026-03-02
    lines = ["trainee,period,first_response_hours,csat"]
    for i in range(12):
        lines += [f"a{i},2026-02,{20 + i},0.7", f"a{i},2026-03,99,0.1", f"a{i},2026-04-01,{20 - i},{0.7 + i / 100}"]
    path = tmp_path / "kpis.csv"
    path.write_text("\n".join(lines) + "\nstranger,2026-04,5,0.9\n")
    kpis = assign_phase(read_kpis(path), grades)
    assert list(kpis["phase"][:3]) == ["before", "during", "after"]
    changes = before_after(kpis).set_index("kpi")
    # first response: before 20 + i, after 20 - i -> change -2i, mean over i = 0..11 = -11; 11 of 12 improved
    assert changes.at["first_response_hours", "n"] == 12
    assert changes.at["first_response_hours", "change"] == pytest.approx(-11)
    assert changes.at["first_response_hours", "improved"] == 11
    assert changes.at["csat", "change"] == pytest.approx(0.055)
    mastery = pd.DataFrame({"trainee": [f"a{i}" for i in range(12)], "mastery": [i / 10 for i in range(12)]})
    relation = kpi_vs_mastery(kpis, mastery).set_index("kpi")
    assert relation.at["first_response_hours", "spearman"] == pytest.approx(-1)
    assert relation.at["csat", "n"] == 12
    few = kpi_vs_mastery(kpis[kpis["trainee"].isin(["a1", "a2", "a3"])], mastery).set_index("kpi")
    assert few.at["csat", "n"] == 3 and pd.isna(few.at["csat", "spearman"])


@pytest.mark.parametrize(("text", "message"), [
    ("trainee,csat\nt1,0.5\n", ":1: period: .*the column is missing"),
    ("trainee,period,mood\nt1,2026-01,ok\n", "no KPI columns"),
    ("trainee,period,csat\nt1,2026-01,82%\n", ":2: csat: .*expected a number, found '82%'"),
    ("trainee,period,csat\nt1,Q3,0.8\n", ":2: period: .*'Q3' is not in the expected form"),
    ("trainee,period,phase,csat\nt1,Q3,later,0.8\n", ":2: phase: .*'later' is not allowed"),
])
def test_bad_kpi_files_name_the_row_and_column(tmp_path, text, message):
    path = tmp_path / "kpis.csv"
    path.write_text(text)
    with pytest.raises(CourseError, match=message) as err:
        read_kpis(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(("section", "message"), [
    ("mastery: {method: median}", ":5: mastery.method: .*'median' is not allowed.*use one of average"),
    ("mastery: {weight: 1.5}", r":5: mastery.weight: .*1.5 is out of range \(must be ≤ 1\)"),
    ("gates:\n  - {id: g, zh: a, en: b, module_score: {module: m01, min: 80}}",
     r":6: gates\[1\].module_score.min: .*80 is out of range"),
    ("gates:\n  - {id: g, zh: a, en: b}", r":6: gates\[1\]: .*gate g needs exactly one check"),
    ("gates:\n  - {id: g, zh: a, en: b, competency_level: {competency: XYZ, level: proficient}}",
     r":6: gates\[1\].competency_level.competency: .*unknown competency 'XYZ'"),
    ("certification:\n  - {level: junior, zh: a, en: b, gates: [nope]}",
     r":6: certification\[1\].gates\[1\]: .*unknown gate 'nope'"),
    ("targets:\n  - {id: t, zh: a, en: b, competency: POL, mastery: 0.9}",
     r":6: targets\[1\].within_days: .*the field is missing"),
])
def test_curriculum_report_sections_errors_name_file_and_field(tmp_path, section, message):
    base = ("levels: {beginning: {zh: a, en: b}, proficient: {zh: c, en: d, min: 0.7}}\n"
            "competencies:\n  - {code: POL, zh: a, en: b}\nmodules: [{id: m01, zh: a, en: b}]\n")
    path = tmp_path / "curriculum.yaml"
    path.write_text(base + section + "\n")
    with pytest.raises(CourseError, match=message) as err:
        load_curriculum(path)
    assert str(path) in str(err.value)


def test_repo_curriculum_declares_gates_levels_and_targets(repo_course):
    curriculum = repo_course.curriculum()
    assert [level.id for level in curriculum.certification] == ["junior", "intermediate", "senior"]
    assert curriculum.gates["simulated_cases"].params == {"module": "m07", "count": 10, "min": 0.85}
    assert curriculum.gates["mentor_signoff"].kind == "mentor_signoff"
    assert curriculum.assessment == {"baseline": "m00", "post_test": "m00post", "final": "m07"}
    assert "m07" not in {m.id for m in curriculum.training_modules} and curriculum.modules[1].due_day == 7
    assert {t.competency for t in curriculum.targets} >= {"PRD"}


def test_report_views_say_what_they_read_and_write_and_help_stays_light(capsys):
    for view in ("kpi", "notebook"):
        with pytest.raises(SystemExit):
            main(["report", view, "--help"])
        text = capsys.readouterr().out
        assert "Reads" in text and "writes" in text, view
    code = ("import sys\nfrom caseloop.cli import main\nfor view in ('kpi', 'notebook'):\n    try:\n"
            "        main(['report', view, '--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('nbgrader', 'pandas', 'nbformat', 'papermill') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_kpi_view_needs_its_file(capsys):
    with pytest.raises(SystemExit):
        main(["report", "kpi"])
    assert "--kpis" in capsys.readouterr().err


def test_reports_render_levels_permissions_and_reasons(curriculum, tmp_path):
    from caseloop.report import render_cohort_report, render_trainee_reports

    tables = cohort_tables(certification_cohort(), curriculum)
    render_trainee_reports(tables, curriculum, tmp_path, lang="en")
    ana = (tmp_path / "trainees" / "ana.html").read_text(encoding="utf-8")
    assert '<strong id="level">Senior</strong>' in ana and "Replies, Refunds, Disputes" in ana
    di = (tmp_path / "trainees" / "di.html").read_text(encoding="utf-8")
    assert '<strong id="level">Junior</strong>' in di
    assert "Next level: Intermediate" in di and "4 of 10 cases solved in m07" in di
    cohort = render_cohort_report(tables, curriculum, tmp_path / "cohort.html", lang="zh").read_text(encoding="utf-8")
    senior = re.search(r'<tr data-kind="level" data-level="senior">(.*?)</tr>', cohort, re.S)[1]
    junior = re.search(r'<tr data-kind="level" data-level="junior">(.*?)</tr>', cohort, re.S)[1]
    assert ">1<" in senior and "ana" in senior and "di" in junior and "bo" not in junior


def test_radar_without_a_value_draws_the_spoke_at_the_centre():
    from caseloop.report.charts import radar

    svg = radar([("POL", 0.5), ("PRD", float("nan")), ("COM", None)])
    assert not re.search(r"\bnan\b", svg) and "PRD —" in svg and "COM —" in svg and "POL 50%" in svg
