"""The mentor sign-off gate on a hand-built grade table, where some rubric cells still wait for a mentor.

The rule, from the curriculum's gate: met when the trainee submitted the module, no cell of it still waits
for a mentor's grade, and the mentor's points over the signed cells reach `min`. Each trainee below is
judged by that rule in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest

from caseloop.analysis.certify import certification, gate_results
from caseloop.analysis.mastery import latest_attempts, mastery_table
from caseloop.compile import GRADE_COLUMNS
from caseloop.curriculum import Curriculum, load_curriculum

CURRICULUM = """
levels:
  beginning: {zh: 入门, en: Beginning}
  proficient: {zh: 熟练, en: Proficient, min: 0.7}
competencies:
  - {code: COM, zh: 沟通, en: Communication}
modules:
  - {id: m01, zh: 规则, en: Rules}
  - {id: m08, zh: 后测, en: Post-test}
permissions:
  disputes: {zh: 纠纷, en: Disputes}
gates:
  - {id: mentor, zh: 导师, en: Mentor, mentor_signoff: {module: m08, min: 0.8}}
certification:
  - {level: senior, zh: 高级, en: Senior, gates: [mentor], permissions: [disputes]}
"""
RUBRIC = ["tone", "empathy", "fit", "clarity"]


@pytest.fixture(scope="module")
def curriculum(tmp_path_factory) -> Curriculum:
    path = tmp_path_factory.mktemp("curriculum") / "curriculum.yaml"
    path.write_text(CURRICULUM, encoding="utf-8")
    return load_curriculum(path)


def cell(trainee: str, module: str, name: str, manual: float | None, rubric: bool = True) -> dict:
    """One graded cell: a rubric cell (a mentor's score, None while it waits) or an autograded one."""
    if rubric:
        score, auto, needs = manual, None, manual is None
    else:
        score, auto, needs = 1.0, 1.0, False
    return {"trainee": trainee, "module": module, "notebook": "nb", "cell": name, "competency": "COM",
            "case": "C-0001", "score": score, "max_score": 1.0, "auto_score": auto,
            "manual_score": manual if rubric else None, "needs_manual_grade": needs, "comment": "",
            "failures": "", "submitted_at": pd.Timestamp("2026-03-02"), "attempt": 1}


def cohort() -> pd.DataFrame:
    mentor = {
        "signed": [1, 1, 1, 1],          # 4 / 4 signed, 100 % >= 80 %: met
        "pending": [1, 1, 1, None],      # 3 / 3 signed cells at 100 %, but one cell waits: not met
        "two_pending": [1, None, 1, None],
        "low": [1, 1, 1, 0],             # all signed, 3 / 4 = 75 % < 80 %: not met
        "unsigned": [None] * 4,          # nothing signed yet, four cells wait
    }
    rows = []
    for trainee, scores in mentor.items():
        rows += [cell(trainee, "m08", name, score) for name, score in zip(RUBRIC, scores, strict=True)]
        rows.append(cell(trainee, "m08", "choice", None, rubric=False))  # autograded: never waits for a mentor
    rows.append(cell("absent", "m01", "rules", None, rubric=False))      # never submitted m08
    return pd.DataFrame(rows, columns=list(GRADE_COLUMNS))


def test_pending_cells_keep_the_gate_shut(curriculum):
    grades = cohort()
    gates = gate_results(latest_attempts(grades), mastery_table(grades, curriculum), curriculum)
    gates = gates.set_index("trainee")
    assert gates.loc["signed", "met"] and gates.loc["signed", "value"] == 1.0
    assert not gates.loc["pending", "met"]
    assert gates.loc["pending", "value"] == 1.0, "the value is the mentor's share over the signed cells"
    assert gates.loc["pending", "reason_en"] == "1 item in m08 awaits a mentor's grade"
    assert gates.loc["pending", "reason_zh"] == "m08 还有 1 项等待导师评分"
    assert not gates.loc["two_pending", "met"]
    assert gates.loc["two_pending", "reason_en"] == "2 items in m08 await a mentor's grade"
    assert not gates.loc["low", "met"] and gates.loc["low", "value"] == 0.75
    assert gates.loc["low", "reason_en"] == "mentor score on m08 75%, needs 80%"
    assert not gates.loc["unsigned", "met"] and pd.isna(gates.loc["unsigned", "value"])
    assert gates.loc["unsigned", "reason_en"] == "4 items in m08 await a mentor's grade"
    assert not gates.loc["absent", "met"] and gates.loc["absent", "reason_en"] == "m08 not submitted yet"

    levels = certification(gates.reset_index(), curriculum, sorted(grades["trainee"].unique())).set_index("trainee")
    assert levels["level"].to_dict() == {"absent": "", "low": "", "pending": "", "signed": "senior",
                                         "two_pending": "", "unsigned": ""}
    assert levels.loc["pending", "missing_en"] == "1 item in m08 awaits a mentor's grade"
