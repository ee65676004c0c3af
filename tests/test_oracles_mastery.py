"""Thin evidence: a score resting on fewer than the method's `min_items` graded cells is marked thin."""

from __future__ import annotations

import pandas as pd
import pytest

from caseloop.analysis.mastery import mastery_table
from caseloop.compile import GRADE_COLUMNS
from caseloop.curriculum import Curriculum, load_curriculum

CURRICULUM = """
levels:
  beginning: {zh: 入门, en: Beginning}
  proficient: {zh: 熟练, en: Proficient, min: 0.7}
competencies:
  - {code: POL, zh: 平台规则, en: Platform rules}
  - {code: COM, zh: 沟通, en: Communication}
modules:
  - {id: m01, zh: 规则, en: Rules}
mastery: {method: average, min_items: 3}
"""


@pytest.fixture(scope="module")
def curriculum(tmp_path_factory) -> Curriculum:
    path = tmp_path_factory.mktemp("curriculum") / "curriculum.yaml"
    path.write_text(CURRICULUM, encoding="utf-8")
    return load_curriculum(path)


def test_fewer_than_min_items_is_thin_and_min_items_is_not(curriculum):
    # ana: POL on 3 cells (= min_items, enough), COM on 2 cells (thin); one cell counts for both
    tags = {"c1": "POL", "c2": "POL", "c3": "POL;COM", "c4": "COM"}
    rows = [{"trainee": "ana", "module": "m01", "notebook": "nb", "cell": cell, "competency": tag, "case": "C-0001",
             "score": 1.0, "max_score": 1.0, "auto_score": 1.0, "manual_score": None, "needs_manual_grade": False,
             "comment": "", "failures": "", "submitted_at": pd.Timestamp("2026-03-02"), "attempt": 1}
            for cell, tag in tags.items()]
    table = mastery_table(pd.DataFrame(rows, columns=list(GRADE_COLUMNS)), curriculum).set_index("competency")
    assert table.loc["POL", "items"] == 3 and not table.loc["POL", "thin"]
    assert table.loc["COM", "items"] == 2 and table.loc["COM", "thin"]
