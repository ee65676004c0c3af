"""Autograde versus mentors through real nbgrader: seven trainees submit m07, caseloop grades it, a mentor
scores the rubric through nbgrader's Gradebook API, and `caseloop revise` reports the agreement and flags
the exercise where the mentor systematically marks replies lower than the autograde.

The mentor finds the model replies to Sophie (C-0014) only half convincing (tone met, empathy not met,
cultural fit partly) while the autograde gives them full marks; on the three other replies mentor and
autograde agree. Whole replies are compared on 0-4: the mentor's mean share over the three criteria x 4
and the autograde share x 4, rounded.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from caseloop.cli import main
from caseloop.compile import compile_course
from caseloop.course import Course, rubric
from caseloop.demo import answer_cells, submit_answers
from caseloop.grade import collect, grade
from caseloop.release import release

MODULE, NOTEBOOK = "m07", "final_assessment"
REPLIES = ("c0014_reply", "c0008_reply", "c0016_reply", "c0018_reply", "c0025_reply", "c0027_reply", "c0013_reply",
           "c0011_reply", "c0039_reply", "c0034_reply")  # Sophie's (C-0014) first, then the notebook's order
# Sophie's reply without a word for how she feels or an apology: the autograde misses `empathy`, one level of four
# (2.25 of 3).
NO_EMPATHY = ("Dear Sophie,\nPlease stop using the kettle and unplug it now: a kettle that does not switch itself "
              "off is not safe. I can refund you in full or send a replacement from a "
              "different batch, whichever you prefer. A prepaid return label is attached, and I will issue the "
              "refund or ship the replacement within 2 business days of the kettle reaching us.\n"
              "Kind regards,\nCustomer Service")
MODEL_TRAINEES = ("ava", "dan", "eve", "fay")


@pytest.fixture(scope="module")
def course(repo_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    """m07 answered by ava, dan, eve, fay and gus (model answers), ben (no empathy for Sophie), cai (blank)."""
    ws = repo_course.copy_to(tmp_path_factory.mktemp("agreement") / "course")
    release(ws, MODULE)
    model = {cell.var: cell.solution for cell in answer_cells(ws, MODULE)}
    cohort = {**dict.fromkeys((*MODEL_TRAINEES, "gus"), model), "ben": {**model, "reply_c0014": NO_EMPATHY},
              "cai": {}}
    for trainee, answers in cohort.items():
        submit_answers(ws, MODULE, trainee,
                       lambda nb, var, tags, text, answers=answers: answers.get(var) if "answer" in tags else None)
    assert sorted(collect(ws, MODULE)) == sorted(cohort)
    assert {o.status for o in grade(ws, MODULE)} == {"graded"}
    return ws


def mentor_scores() -> dict[tuple[str, str], float]:
    """Full marks on every criterion (cai: 0), but on Sophie's reply tone 1, empathy 0 and cultural fit 0.5
    for the model replies and 1, 0, 1 for ben's; gus has only the tone of Sophie's reply scored."""
    scores = {(trainee, f"{reply}_{c.code}"): 0.0 if trainee == "cai" else 1.0
              for trainee in (*MODEL_TRAINEES, "ben", "cai") for reply in REPLIES for c in rubric.CRITERIA}
    for trainee in MODEL_TRAINEES:
        scores[trainee, "c0014_reply_empathy"], scores[trainee, "c0014_reply_culture"] = 0.0, 0.5
    scores["ben", "c0014_reply_empathy"] = 0.0
    scores["gus", "c0014_reply_tone"] = 1.0
    return scores


@pytest.fixture(scope="module")
def revised(course: Course):
    """The mentor's scores in the gradebook (as the formgrader writes them), then compile and revise."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url()) as gradebook:
        for (trainee, cell), score in mentor_scores().items():
            found = gradebook.find_grade(cell, NOTEBOOK, MODULE, trainee)
            found.manual_score, found.needs_manual_grade = score, False
        gradebook.db.commit()
    grades, _ = compile_course(course)
    assert main(["--course", str(course.root), "revise"]) == 0
    agreement = pd.read_csv(course.reports_dir / "agreement.csv", keep_default_na=False,
                            na_values={c: [""] for c in ("qwk", "r", "smd", "smd_unpooled")})
    backlog = pd.read_csv(course.reports_dir / "revision-backlog.csv", dtype=str, keep_default_na=False)
    return grades, agreement, backlog


def test_the_hand_computation_rests_on_these_autograde_scores(revised):
    grades, _, _ = revised
    replies = grades[grades["cell"] == "c0014_reply"].set_index("trainee")["score"]
    assert replies.to_dict() == {**dict.fromkeys((*MODEL_TRAINEES, "gus"), 3.0), "ben": 2.25, "cai": 0.0}
    others = grades[grades["cell"].isin(REPLIES[1:])].set_index(["trainee", "cell"])["score"]
    assert (others.drop("cai", level="trainee") == 3).all() and (others.loc["cai"] == 0).all()


def test_agreement_csv_matches_a_hand_computation(revised):
    _, agreement, _ = revised
    exercises = agreement[agreement["level"] == "exercise"].set_index("reviews")
    assert sorted(exercises.index) == sorted(REPLIES) and set(exercises["points"]) == {4}
    # Sophie, trainees ava ben cai dan eve fay (gus is not fully scored):
    # mentor 2 (1, 0, 0.5), 3 (1, 0, 1), 0, 2, 2, 2; autograde 4, 3 (2.25 / 3), 0, 4, 4, 4.
    # Var H = 29/36, Var M = 77/36, (mean M - mean H)^2 = 64/36, mean (M - H)^2 = 96/36.
    sophie = exercises.loc["c0014_reply"]
    assert (sophie["n"], sophie["module"], sophie["notebook"], sophie["case"]) == (6, MODULE, NOTEBOOK, "C-0014")
    assert sophie["qwk"] == pytest.approx(1 - 96 / 170)
    assert (sophie["exact"], sophie["adjacent"]) == pytest.approx((2 / 6, 2 / 6))
    assert sophie["r"] == pytest.approx(37 / math.sqrt(29 * 77))
    assert sophie["smd"] == pytest.approx((19 / 6 - 11 / 6) / math.sqrt((29 / 30 + 77 / 30) / 2))
    assert sophie["smd_unpooled"] == pytest.approx((19 / 6 - 11 / 6) / math.sqrt(29 / 30))
    assert (sophie["human_mean"], sophie["machine_mean"]) == pytest.approx((11 / 6, 19 / 6))
    assert (sophie["human_sd"], sophie["machine_sd"]) == pytest.approx((math.sqrt(29 / 30), math.sqrt(77 / 30)))
    # Nicole: mentor and autograde both 4, 4, 0, 4, 4, 4.
    nicole = exercises.loc["c0018_reply"]
    assert (nicole["n"], nicole["qwk"], nicole["exact"], nicole["r"], nicole["smd"]) == (6, 1, 1, 1, 0)

    criteria = agreement[agreement["level"] == "criterion"].set_index("criterion")
    assert list(criteria.index) == ["tone", "empathy", "culture"] and set(criteria["points"]) == {2}
    assert set(criteria["n"]) == {60}, "six fully scored trainees x ten replies"
    assert criteria.loc["tone", "exact"] == 1 and criteria.loc["tone", "qwk"] == pytest.approx(1)
    # empathy: the mentor fails Sophie's reply for all; the autograde passes the model replies (2), gives ben 1.
    assert criteria.loc["empathy", "exact"] == pytest.approx(55 / 60)
    # cultural fit: the model replies to Sophie are partly met (1) for the mentor, met (2) for the autograde.
    assert criteria.loc["culture", ["exact", "adjacent"]].tolist() == pytest.approx([56 / 60, 1])

    languages = agreement[agreement["level"] == "language"].set_index("language")
    assert sorted(languages.index) == ["de", "en", "fr", "ja"], "m07's replies are in four languages"
    assert languages.loc["en", "n"] == 42 and [languages.loc[code, "n"] for code in ("de", "fr", "ja")] == [6, 6, 6]
    # Sophie's six pairs and six replies x (4, 4, 0, 4, 4, 4) on both sides, in 1764ths:
    # Var H = 4049, Var M = 3905, (mean M - mean H)^2 = 64, mean (M - H)^2 = 672.
    assert languages.loc["en", "qwk"] == pytest.approx(1 - 672 / (4049 + 3905 + 64))
    assert languages.loc["en", "exact"] == pytest.approx(38 / 42)
    assert [languages.loc[code, "exact"] for code in ("de", "fr", "ja")] == [1, 1, 1]


def test_the_exercise_mentors_disagree_with_goes_to_the_backlog(course: Course, revised):
    _, _, backlog = revised
    flagged = backlog[backlog["flag"] == "autograde_disagrees_with_mentors"]
    assert list(flagged["cell"]) == ["c0014_reply"], "mentors agree with the autograde on the other replies"
    entry = flagged.iloc[0]
    assert entry["statistic"].startswith("SMD") and float(entry["value"]) == pytest.approx(1.003, abs=1e-3)
    # SMD 1.003 is 0.853 past its bar of 0.15, further than QWK 0.435 is below 0.70 (0.378 of it).
    assert float(entry["impact"]) == pytest.approx(2 * (1.00314 - 0.15) * 3, abs=1e-3)
    assert (entry["case"], entry["competency"], entry["n"]) == ("C-0014", "COM;EMO", "6")
    assert "QWK 0.44" in entry["failure_reasons"] and "more lenient than mentors" in entry["failure_reasons"]
    assert entry["flag_text"] == "自动评分与导师评分不一致 / autograde disagrees with mentors"
    assert entry["evidence"] == "mentors"
    markdown = (course.reports_dir / "revision-backlog.md").read_text(encoding="utf-8")
    section = markdown[markdown.index("## 自动评分与导师评分的一致性 / Autograde vs mentor agreement"):]
    assert "| exercise | m07 · c0014_reply · C-0014 | 6 | 0.44 | 0.33 | 0.33 | 0.78 | 1.00 | 1.83 / 4 | " \
           "3.17 / 4 |" in section
    assert "| criterion | empathy | 60 |" in section and "| language | en | 42 | 0.92 |" in section


def test_no_exercise_is_judged_on_fewer_pairs_than_the_minimum(course: Course, revised):
    config = course.source_dir / "item_analysis.yaml"
    original = config.read_text(encoding="utf-8")
    assert "\nmin_scored_replies: 5\n" in original
    try:
        config.write_text(original.replace("\nmin_scored_replies: 5\n", "\nmin_scored_replies: 7\n"),
                          encoding="utf-8")
        assert main(["--course", str(course.root), "revise"]) == 0
        backlog = pd.read_csv(course.reports_dir / "revision-backlog.csv", dtype=str, keep_default_na=False)
        assert "autograde_disagrees_with_mentors" not in set(backlog["flag"]), "six pairs are fewer than seven"
    finally:
        config.write_text(original, encoding="utf-8")
