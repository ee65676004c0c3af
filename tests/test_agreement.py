"""Agreement of the autograde with mentors: the metrics against independent implementations, the scale the
pairs are put on, the tables per exercise, criterion and language, and when an exercise becomes a backlog entry.

The metrics are checked against scikit-learn's Cohen's kappa, scipy's Pearson r and the textbook SMD
written out with the standard library, on data chosen so that linear or unweighted kappa, or an SMD
over the human SD alone, would give other numbers.
"""

from __future__ import annotations

import math
import statistics
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr
from sklearn.metrics import cohen_kappa_score

from caseloop.analysis.agreement import (
    PAIR_COLUMNS,
    REPORT_COLUMNS,
    agreement,
    agreement_report,
    agreement_table,
    score_pairs,
)
from caseloop.course import Course, CourseError
from caseloop.revise.flags import agreement_flags
from caseloop.revise.replies import reply_languages
from caseloop.revise.thresholds import Thresholds

# Mentors (H) mark most replies two points below the autograde (M); a blank reply is 0 for both.
HUMAN = [2, 3, 0, 2, 2, 2]
MACHINE = [4, 3, 0, 4, 4, 4]
# Scores on 0, 2 and 4 only: a kappa over the observed categories (0, 1, 2) would weigh distances wrongly.
GAPPED = ([0, 4, 4, 0, 2, 2, 4, 0], [0, 4, 2, 2, 4, 2, 4, 0])


def pooled_smd(human, machine) -> float:
    return ((statistics.mean(machine) - statistics.mean(human))
            / math.sqrt((statistics.stdev(human) ** 2 + statistics.stdev(machine) ** 2) / 2))


def quiet(*args):
    """`agreement` with every warning turned into an error: edge cases must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return agreement(*args)


@pytest.mark.parametrize(("human", "machine"), [(HUMAN, MACHINE), GAPPED])
def test_metrics_match_sklearn_scipy_and_the_pooled_smd(human, machine):
    result = quiet(human, machine, 4)
    labels = list(range(5))
    qwk = cohen_kappa_score(human, machine, weights="quadratic", labels=labels)
    assert result["qwk"] == pytest.approx(qwk)
    assert result["qwk"] != pytest.approx(cohen_kappa_score(human, machine, weights="linear", labels=labels))
    assert result["qwk"] != pytest.approx(cohen_kappa_score(human, machine, labels=labels))
    assert result["r"] == pytest.approx(pearsonr(human, machine).statistic)
    assert result["smd"] == pytest.approx(pooled_smd(human, machine))
    unpooled = (statistics.mean(machine) - statistics.mean(human)) / statistics.stdev(human)
    assert result["smd_unpooled"] == pytest.approx(unpooled) and unpooled != pytest.approx(result["smd"])
    pairs = list(zip(human, machine, strict=True))
    assert result["exact"] == sum(h == m for h, m in pairs) / len(pairs)
    assert result["adjacent"] == sum(abs(h - m) <= 1 for h, m in pairs) / len(pairs)
    assert (result["human_mean"], result["machine_mean"]) == pytest.approx(
        (statistics.mean(human), statistics.mean(machine)))
    assert (result["human_sd"], result["machine_sd"]) == pytest.approx(
        (statistics.stdev(human), statistics.stdev(machine)))
    assert result["n"] == len(human)


def test_hand_worked_example():
    # Var H = 29/36, Var M = 77/36, (mean M - mean H)^2 = 64/36, mean (M - H)^2 = 96/36.
    result = quiet(HUMAN, MACHINE, 4)
    assert result["qwk"] == pytest.approx(1 - 96 / 170) == pytest.approx(37 / 85)
    assert result["r"] == pytest.approx(37 / math.sqrt(29 * 77))
    assert result["smd"] == pytest.approx((4 / 3) / math.sqrt(53 / 30))
    assert (result["exact"], result["adjacent"]) == pytest.approx((1 / 3, 1 / 3))


def test_random_score_sets_agree_with_sklearn_and_scipy():
    rng = np.random.default_rng(7)
    for _ in range(25):
        human = rng.integers(0, 5, size=12)
        machine = np.clip(human + rng.integers(-2, 3, size=12), 0, 4)
        if len(set(human)) < 2 or len(set(machine)) < 2:
            continue
        result = quiet(human, machine, 4)
        assert result["qwk"] == pytest.approx(cohen_kappa_score(human, machine, weights="quadratic",
                                                                labels=list(range(5))))
        assert result["r"] == pytest.approx(pearsonr(human, machine).statistic)
        assert result["smd"] == pytest.approx(pooled_smd(human.tolist(), machine.tolist()))


def test_machine_scores_are_rounded_halves_up_before_comparing():
    assert quiet([3, 0, 4], [2.5, 0.49, 3.5], 4)["exact"] == 1.0
    assert quiet([3, 0, 4], [2.5, 0.49, 3.5], 4) == quiet([3, 0, 4], [3, 0, 4], 4)


def test_edge_cases_are_nan_without_warnings():
    for n in (0, 1):
        result = quiet([2] * n, [2] * n, 4)
        assert result["n"] == n and all(math.isnan(v) for k, v in result.items() if k != "n")
    same = quiet([2, 2, 2], [2, 2, 2], 4)
    assert same["exact"] == 1.0 and all(math.isnan(same[k]) for k in ("qwk", "r", "smd", "smd_unpooled"))
    flat_human = quiet([2, 2, 2], [1, 2, 3], 4)
    assert flat_human["qwk"] == cohen_kappa_score([2, 2, 2], [1, 2, 3], weights="quadratic") == 0
    assert math.isnan(flat_human["r"]) and math.isnan(flat_human["smd_unpooled"]) and flat_human["smd"] == 0


def test_scores_off_the_scale_are_refused():
    with pytest.raises(ValueError, match="not whole points 0..4"):
        agreement([1.5, 2], [1, 2], 4)
    with pytest.raises(ValueError, match="pair 1"):
        agreement([1, 5], [1, 2], 4)
    with pytest.raises(ValueError, match="must pair up"):
        agreement([1, 2], [1], 4)


def review_rows(trainee, reviews, auto_share, criteria, case="C-0001", module="m07", notebook="final"):
    """`review_pairs` rows of one reply: criteria maps criterion -> (mentor share or None, autograde passes)."""
    return [dict.fromkeys(PAIR_COLUMNS, "") | {
        "trainee": trainee, "module": module, "notebook": notebook, "cell": f"{reviews}_{criterion}",
        "criterion": criterion, "reviews": reviews, "case": case, "mentor_share": share, "auto_share": auto_share,
        "reply_points": 3, "autograde_pass": passes, "mentor_pass": share is not None and share >= 0.5,
        "pending": share is None} for criterion, (share, passes) in criteria.items()]


def test_score_pairs_puts_mentor_and_autograde_on_one_scale():
    pairs = pd.DataFrame(
        review_rows("ann", "r1", 0.625, {"tone": (1.0, True), "empathy": (0.5, False), "culture": (0.0, True)})
        + review_rows("bob", "r1", 0.0, {"tone": (0.0, False), "empathy": (0.0, False), "culture": (0.0, False)})
        + review_rows("cat", "r1", 1.0, {"tone": (1.0, True), "empathy": (None, True), "culture": (1.0, True)})
        + review_rows("ann", "r2", 1.0, {"tone": (1.0, True), "empathy": (1.0, True), "culture": (0.5, True)}))
    scored = score_pairs(pairs, {("m07", "final", "r2"): "de"}).set_index(["trainee", "reviews", "criterion"])
    scored = scored.sort_index()
    assert "cat" not in scored.index.get_level_values("trainee"), "a reply counts once its whole rubric is scored"
    # ann on r1: mentors' mean share 0.5 x 4 = 2; autograde 0.625 x 4 = 2.5, rounded up to 3.
    assert scored.loc[("ann", "r1", ""), ["points", "human", "machine"]].tolist() == [4, 2, 3]
    assert scored.loc[("ann", "r1", "tone"), ["points", "human", "machine"]].tolist() == [2, 2, 2]
    assert scored.loc[("ann", "r1", "empathy"), ["human", "machine"]].tolist() == [1, 1]
    assert scored.loc[("ann", "r1", "culture"), ["human", "machine"]].tolist() == [0, 2]
    assert scored.loc[("bob", "r1", "tone"), ["human", "machine"]].tolist() == [0, 0]
    # ann on r2: (1 + 1 + 0.5) / 3 x 4 = 3.33 -> 3.
    assert scored.loc[("ann", "r2", ""), ["human", "machine", "language"]].tolist() == [3, 4, "de"]
    assert set(scored.loc[("ann", "r1"), "language"]) == {"en"}


def scored_frame():
    rows = []
    for reviews, language, human, machine in (("r1", "en", [4, 4, 0, 4, 2], [4, 4, 0, 4, 2]),
                                              ("r2", "de", [2, 3, 0, 2, 2], [4, 3, 0, 4, 4])):
        for i, (h, m) in enumerate(zip(human, machine, strict=True)):
            rows.append({"trainee": f"t{i}", "module": "m05", "notebook": "nb", "reviews": reviews, "case": reviews,
                         "language": language, "criterion": "", "points": 4, "human": h, "machine": m})
            for criterion in ("culture", "tone", "empathy"):
                rows.append({**rows[-1], "criterion": criterion, "points": 2, "human": min(h, 2), "machine": 2})
    return pd.DataFrame(rows)


def test_agreement_report_per_exercise_criterion_and_language():
    scored = scored_frame()
    report = agreement_report(scored)
    assert list(report.columns) == REPORT_COLUMNS
    assert list(report["level"]) == ["exercise", "exercise", "criterion", "criterion", "criterion", "language",
                                     "language"]
    assert list(report.loc[report["level"] == "criterion", "criterion"]) == ["tone", "empathy", "culture"]
    by_language = report[report["level"] == "language"].set_index("language")
    de = scored[(scored["language"] == "de") & (scored["criterion"] == "")]
    assert by_language.loc["de", "qwk"] == pytest.approx(
        cohen_kappa_score(de["human"], de["machine"], weights="quadratic", labels=list(range(5))))
    assert by_language.loc["en", "qwk"] == 1 and by_language.loc["de", "points"] == 4
    tone = report[report["criterion"] == "tone"].iloc[0]
    assert (tone["n"], tone["points"], tone["module"], tone["language"]) == (10, 2, "", "")
    assert agreement_report(scored.iloc[0:0]).empty


def test_agreement_table_refuses_to_mix_scales():
    scored = scored_frame()
    assert len(agreement_table(scored[scored["criterion"] == ""], ["module"])) == 1
    with pytest.raises(ValueError, match="different scales"):
        agreement_table(scored, ["module"])


def test_exercises_below_the_bar_become_backlog_entries():
    def row(reviews, n, qwk, smd):
        return {"level": "exercise", "module": "m07", "notebook": "nb", "reviews": reviews, "case": f"C-{reviews}",
                "points": 4, "n": n, "qwk": qwk, "smd": smd, "exact": 0.5, "adjacent": 0.9, "human_mean": 2.0,
                "machine_mean": 2.0 + smd if not math.isnan(smd) else 2.0}
    report = pd.DataFrame([row("low_kappa", 6, 0.5, 0.1), row("shifted", 6, 0.9, -0.2), row("few", 4, 0.1, 1.0),
                           row("fine", 6, 0.7, 0.15), row("constant", 5, 0.0, math.nan),
                           {**row("tone", 30, 0.1, 1.0), "level": "criterion"}])
    items = pd.DataFrame([{"module": "m07", "notebook": "nb", "cell": cell, "points": 3, "competency": "COM;EMO"}
                          for cell in ("low_kappa", "shifted", "few", "fine", "constant", "tone")])
    entries = {e["cell"]: e for e in agreement_flags(report, items, Thresholds())}
    assert set(entries) == {"low_kappa", "shifted", "constant"}
    low = entries["low_kappa"]
    assert low["flag"] == "autograde_disagrees_with_mentors" and low["statistic"].startswith("QWK")
    assert low["impact"] == pytest.approx(2 * (0.7 - 0.5) / 0.7 * 3, abs=1e-3) and low["value"] == 0.5
    assert low["competency"] == "COM;EMO" and low["case"] == "C-low_kappa" and low["n"] == 6
    shifted = entries["shifted"]
    assert shifted["statistic"].startswith("SMD") and shifted["value"] == -0.2
    assert shifted["impact"] == pytest.approx(2 * 0.05 * 3, abs=1e-3)
    assert "stricter than mentors" in shifted["failure_reasons"]
    assert "SMD n/a" in entries["constant"]["failure_reasons"]
    strict = Thresholds(min_scored_replies=4, min_qwk=0.95, max_smd=0.5, weights={
        **Thresholds().weights, "autograde_disagrees_with_mentors": 1})
    strict_entries = {e["cell"]: e for e in agreement_flags(report, items, strict)}
    assert set(strict_entries) == {"low_kappa", "shifted", "few", "fine", "constant"}
    assert strict_entries["few"]["impact"] == pytest.approx(1 * (0.95 - 0.1) / 0.95 * 3, abs=1e-3)


def test_agreement_thresholds_are_read_and_checked(tmp_path):
    path = tmp_path / "item_analysis.yaml"
    path.write_text("min_scored_replies: 8\nmin_qwk: 0.8\nmax_smd: 0.1\n")
    loaded = Thresholds.load(path)
    assert (loaded.min_scored_replies, loaded.min_qwk, loaded.max_smd) == (8, 0.8, 0.1)
    path.write_text("min_qwk: 70\n")
    with pytest.raises(CourseError, match="min_qwk: .*70 is out of range"):
        Thresholds.load(path)


def test_reply_languages_follow_the_answer_cell(repo_course: Course):
    languages = reply_languages(repo_course)
    assert languages["m05", "cross_cultural_compliance", "c0006_reply"] == "de"
    assert languages["m05", "cross_cultural_compliance", "c0200_reply"] == "ja"
    assert languages["m05", "cross_cultural_compliance", "c0026_reply"] == "fr"
    assert languages["m07", "final_assessment", "c0014_reply"] == "en"
    assert not any(cell.endswith("_solved") for _, _, cell in languages), "only reply test cells"
