"""The whole loop on the demo cohort, checked against the gradebook and the answers each trainee gave."""

from __future__ import annotations

import csv
import re
from collections import defaultdict

import nbformat
import pandas as pd
import pytest
from nbgrader.api import Gradebook

from caseloop.compile import read_grades
from caseloop.notebook import ANSWER_CELL

MODULE = "m01"


def gradebook_scores(course) -> dict[str, dict[str, float]]:
    """trainee -> graded cell -> score, read straight from nbgrader's gradebook."""
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    with Gradebook(course.db_url()) as gradebook:
        for submission in gradebook.assignment_submissions(MODULE):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores[submission.student.id][grade.name] = grade.score
    return scores


def source_cells(course):
    """(graded cells with their hidden test code and tags, answer variable names) of the source module."""
    nb = nbformat.read(next((course.source_dir / MODULE).glob("*.ipynb")), as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    answers = [ANSWER_CELL.search(c.source)["var"] for c in nb.cells if "answer" in c.metadata.get("caseloop", {})]
    return graded, answers


def expected_scores(course, answers_csv) -> dict[str, dict[str, float]]:
    """Score every trainee's recorded answers by running the module's hidden tests in this process."""
    graded, variables = source_cells(course)
    given: dict[str, dict[str, str]] = defaultdict(dict)
    variants: dict[str, set[str]] = defaultdict(set)
    with open(answers_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            given[row["trainee"]][row["var"]] = f"\n{row['answer']}\n"
            variants[row["trainee"]].add(row["variant"])
    expected: dict[str, dict[str, float]] = {}
    for trainee, answers in given.items():
        if "malformed" in variants[trainee]:
            continue
        expected[trainee] = {}
        for cell in graded:
            namespace = dict(answers)
            code = cell.source.replace("### BEGIN HIDDEN TESTS", "").replace("### END HIDDEN TESTS", "")
            *body, last = [line for line in code.splitlines() if line.strip() and not line.startswith("#")]
            exec("\n".join(body), namespace)
            expected[trainee][cell.metadata.nbgrader.grade_id] = eval(last, namespace).points
    return expected


def test_released_notebook_has_no_solutions_or_hidden_tests(demo_course, repo_course):
    released = next((demo_course.release_dir / MODULE).glob("*.ipynb")).read_text(encoding="utf-8")
    source_nb = nbformat.read(next((repo_course.source_dir / MODULE).glob("*.ipynb")), as_version=4)
    assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released
    assert "checks." not in released, "hidden test code leaked into the trainee version"
    for cell in source_nb.cells:
        if "answer" in cell.metadata.get("caseloop", {}):
            model_answer = re.search(r"### BEGIN SOLUTION\n(.*?)\n### END SOLUTION", cell.source, re.S)[1]
            if len(model_answer) > 20:
                assert model_answer.strip() not in released
    # the trainee version keeps each answer cell as an empty pair of triple quotes to write between
    released_nb = nbformat.reads(released, as_version=4)
    stubs = [c.source for c in released_nb.cells if "answer" in c.metadata.get("caseloop", {})]
    assert stubs and all(re.search(r'= """\n\n"""$', s) for s in stubs)


def test_committed_release_matches_source(demo_course, repo_course):
    """release/ in the repository is what `caseloop release` generates from source/ today."""
    for generated in (demo_course.release_dir / MODULE).glob("*.ipynb"):
        committed = repo_course.release_dir / MODULE / generated.name
        assert committed.is_file(), f"{committed} missing: run `caseloop release {MODULE}` and commit release/"
        new, old = nbformat.read(generated, as_version=4), nbformat.read(committed, as_version=4)
        unplanted = [c.source for c in new.cells if "planted" not in c.metadata.get("caseloop", {})]
        assert unplanted == [c.source for c in old.cells], \
            f"{committed} is stale: run `caseloop release {MODULE}` and commit release/"


def test_correct_blank_and_partial_submissions(demo_course):
    scores = gradebook_scores(demo_course)
    totals = {trainee: sum(cells.values()) for trainee, cells in scores.items()}
    # the demo plants a reversed key (the model answer earns 0) and a question whose answer was
    # released with the notebook (everyone earns its point): 17 points in all
    assert totals["trainee01"] == 16, "the model trainee answered every cell correctly"
    assert totals["trainee02"] == 1, "a blank submission earns only the planted trivial point"
    partial = [t for t, total in totals.items() if 1 < total < 16]
    assert len(partial) >= 20
    reply_scores = {s for cells in scores.values() for cell, s in cells.items() if cell.endswith("_reply")}
    assert reply_scores & {0.5, 1.0, 1.5, 2.0, 2.5}, "some replies earn partial credit"


def test_gradebook_agrees_with_the_answers_each_trainee_gave(demo_run, demo_course):
    expected = expected_scores(demo_course, demo_run["answers"])
    actual = gradebook_scores(demo_course)
    assert set(expected) == set(actual)
    for trainee, cells in expected.items():
        assert actual[trainee] == pytest.approx(cells), trainee


def test_malformed_submission_is_reported_and_does_not_stop_the_batch(demo_course):
    status = pd.read_csv(demo_course.reports_dir / f"grade-{MODULE}.csv")
    assert (status["status"] == "graded").sum() == 31
    bad = status[status["status"] != "graded"]
    assert list(bad["trainee"]) == ["trainee32"]
    assert bad["status"].iloc[0] == "malformed notebook"
    assert "submitted/trainee32/m01/rules_and_returns.ipynb" in bad["detail"].iloc[0]
    cohort = (demo_course.reports_dir / "cohort.html").read_text(encoding="utf-8")
    assert re.search(r'data-trainee="trainee32">.*?malformed notebook', cohort, re.S)


def test_every_compiled_row_has_competency_and_case(demo_run, demo_course):
    grades = read_grades(demo_run["grades"])
    assert len(grades) == 31 * 12
    assert grades["competency"].str.fullmatch(r"[A-Z]{3}(;[A-Z]{3})*").all()
    assert grades["case"].str.fullmatch(r"C-\d{4}").all()
    known = set(demo_course.curriculum().competencies)
    assert set(grades["competency"].str.split(";").explode()) <= known
    failed = grades[grades["score"] < grades["max_score"]]
    assert (failed["failures"] != "").all(), "every lost point is explained by a failed check"


def competency_shares(course) -> dict[tuple[str, str], float]:
    """(trainee, competency) -> points earned / available, summed straight from the gradebook."""
    graded, _ = source_cells(course)
    competencies = {c.metadata.nbgrader.grade_id: c.metadata.caseloop.competency for c in graded}
    points = {c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points for c in graded}
    earned: dict[tuple[str, str], float] = defaultdict(float)
    available: dict[tuple[str, str], float] = defaultdict(float)
    for trainee, cells in gradebook_scores(course).items():
        for cell, score in cells.items():
            for code in competencies[cell]:
                earned[trainee, code] += score
                available[trainee, code] += points[cell]
    return {key: earned[key] / available[key] for key in earned}


def test_cohort_report_matches_the_gradebook(demo_course):
    """Per-trainee, per-competency shares in the HTML equal a computation from the gradebook itself."""
    expected = competency_shares(demo_course)
    cohort = (demo_course.reports_dir / "cohort.html").read_text(encoding="utf-8")
    shown = {}
    for row in re.finditer(r'<tr data-trainee="(\w+)">(.*?)</tr>', cohort, re.S):
        for cell in re.finditer(r'data-competency="(\w+)" data-share="([\d.]+)"', row[2]):
            shown[row[1], cell[1]] = float(cell[2])
    listed = set(re.findall(r'<tr data-trainee="(\w+)">', cohort))
    assert listed == {f"trainee{i:02d}" for i in range(1, 33)}
    assert set(shown) == set(expected)
    for key, share in shown.items():
        assert share == pytest.approx(expected[key], abs=1e-6), key


def test_trainee_report_and_backlog_written(demo_run):
    report = (demo_run["trainee reports"] / "trainee02.html").read_text(encoding="utf-8")
    assert "未作答" in report and "0%" in report, "a blank answer reads as such in the report's language"
    backlog = pd.read_csv(demo_run["revision backlog (csv)"])
    assert set(backlog.columns) >= {"module", "cell", "case", "flag", "statistic", "failure_reasons", "action"}
    stats = pd.read_csv(demo_run["workspace"] / "reports" / "item-statistics.csv")
    cells = stats[stats["level"] == "cell"]
    assert len(cells) == 12 and cells["n"].eq(31).all()


def test_item_statistics_never_reach_trainees(repo_course, tmp_path):
    """Statistics that `caseloop revise` writes into source cells stay out of the released version."""
    from caseloop.release import generate

    course = repo_course.copy_to(tmp_path / "course")
    source = next((course.source_dir / MODULE).glob("*.ipynb"))
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata["caseloop"]["stats"] = {"facility": 0.42}
            cell.metadata["caseloop"]["stats_history"] = [{"facility": 0.3}]
    nbformat.write(nb, source)
    released = generate(course, MODULE)[0].read_text(encoding="utf-8")
    assert "facility" not in released and "stats_history" not in released
    assert '"competency"' in released, "the competency and case tags stay"
