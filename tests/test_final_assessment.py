"""m07, the final assessment: ten simulated cases, each solved only when the diagnosis, the action and a reply in
the buyer's language are right, as the `simulated_cases` gate counts them."""

from __future__ import annotations

import collections

import nbformat
import yaml

from caseloop.notebook import check_calls


def test_each_of_the_ten_cases_needs_diagnosis_action_and_a_reply_to_count_as_solved(repo_course):
    gate = repo_course.curriculum().gates["simulated_cases"]
    assert gate.params["module"] == "m07" and gate.params["count"] == 10
    (path,) = repo_course.source_notebooks("m07")
    parts = collections.defaultdict(dict)
    for cell in nbformat.read(path, as_version=4).cells:
        grading, tags = cell.metadata.get("nbgrader", {}), cell.metadata.get("caseloop", {})
        if not grading.get("grade"):
            continue
        (call,) = check_calls(cell.source)
        kind = {"root_cause": "diagnosis", "solved": "action", "reply": "reply"}[grading["grade_id"].split("_", 1)[1]]
        parts[tags["case"]][kind] = (grading["points"], call)
    assert len(parts) == 10
    languages = set()
    for case, found in parts.items():
        assert set(found) == {"diagnosis", "action", "reply"}, case
        reply_call = found["reply"][1]
        assert any(k.arg == "case" and k.value.value == case for k in reply_call.keywords), "case-aware reply check"
        languages.add(yaml.safe_load((repo_course.cases_dir / f"{case}.yaml").read_text(encoding="utf-8"))["language"])
        total = sum(points for points, _ in found.values())
        share = {name: points / total for name, (points, _) in found.items()}
        need = gate.params["min"]
        # a wrong choice, or a reply below "good" (3 of 4 levels), leaves the case unsolved; all right solves it
        assert 1 - share["diagnosis"] < need and 1 - share["action"] < need, case
        assert 1 - share["reply"] / 2 < need <= 1 - share["reply"] / 4, case
    assert len(languages) >= 4, languages
