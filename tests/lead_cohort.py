"""A small cohort with known trainees, for the lead's answers on the cohort and trainee pages.

Built from grade rows on the course's own curriculum (source/curriculum.yaml: gates, levels, due
days, at-risk rules). Everyone is in cohort 2026-03, which starts on day 0 (2026-03-02) and has
its latest submission on day 20, so m00 (due day 0), m01 (day 7) and m02 (day 14) are due and
m03 (day 21) is not yet. What each trainee did, and what the pages must say about them:

- ada (fast): m00 2/2, m01 17/17, m02 4/4, m07 10 of 10 cases solved, her m07 reply still waits
  for a mentor: Intermediate; one gate (mentor_signoff) from Senior.
- ben: no baseline; m01 14/17 = 82 %, m02 3/4 on day 15: one gate (baseline) from Junior; m00 missed.
- cao (struggling): m00 0/2, m01 1/17 = 6 %, m02 1/4 = 25 %: three low results; one gate
  (rules_passed) from Junior. The lead rated his COM "developing" by hand.
- dee (red line): m00 2/2, m01 14/17 with a reply that gives an e-mail address and asks for a
  5-star review; m02 4/4 on day 16: Junior, one gate (simulated_cases) from Intermediate.
- eve (drops out): m00 1/2 on day 0 and nothing since: inactive 20 days, m01 and m02 missed.
- fay: her only submission (m01) is a malformed notebook: no graded work at all.

The revision backlog flags m01's cell p2 (a DIA question): no learning path may send anyone to it,
and the gate rules_passed (m01 at 80 %) says it rests on a flagged item.
"""

from __future__ import annotations

import pandas as pd

from caseloop.compile import GRADE_COLUMNS

START = pd.Timestamp("2026-03-02 09:00", tz="UTC")
TRAINEES = ["ada", "ben", "cao", "dee", "eve", "fay"]
DEE_REPLY = ("Hi Jordan, I am so sorry your parcel is late. Write to me at help@shop-example.com and please "
             "leave us a 5-star review once it arrives!")
SERVER_DETAIL = "Traceback (most recent call last): NotJSONError at /srv/course/submitted/fay/m01/rules.ipynb"

# module -> cell -> (competency tags, points, case, title)
ITEMS = {
    "m00": {"b1": ("POL", 1, "C-0001", "题 1（规则）退货窗口是多少天？"),
            "b2": ("COM", 1, "C-0002", "题 2（回复）哪一个开头最合适？")},
    "m01": {"p1": ("POL", 8, "C-0003", "题 1（规则）A-to-z 索赔要在多少小时内答复？"),
            "p2": ("DIA", 4, "C-0003", "题 2（诊断）下一步最合适的做法是？"),
            "reply": ("COM;EMO", 5, "C-0004", "题 3（回复）用英文给 Jordan 写回复")},
    "m02": {"k1": ("PRD", 2, "C-0005", "题 1（产品）这款耳机支持哪种充电？"),
            "k2": ("DIA", 2, "C-0005", "题 2（排查）先检查哪一步？")},
    "m07": {**{f"s{i}": ("DIA", 1, f"C-01{i:02d}", f"题 {i + 1}（处理判定）正确的处理是？") for i in range(10)},
            "sign": ("COM", 2, "C-0110", "题 11（写回复）导师审核的回复")},
}
FLAGGED = pd.DataFrame([{"module": "m01", "cell": "p2"}])


def grade_row(trainee: str, module: str, cell: str, score: float | None, day: int, failures: str = "",
              needs_manual: bool = False) -> dict:
    """One row of the grade table: TRAINEE's score on CELL of MODULE, submitted DAY days into the cohort."""
    tags, points, case, _ = ITEMS[module][cell]
    return {"trainee": trainee, "module": module, "notebook": "nb", "cell": cell, "competency": tags, "case": case,
            "score": score, "max_score": float(points), "auto_score": score, "manual_score": None,
            "needs_manual_grade": needs_manual, "comment": "",
            "failures": failures or ("" if score is None or score >= points else "choice"),
            "submitted_at": START + pd.Timedelta(days=day), "attempt": 1}


def grades() -> pd.DataFrame:
    """The cohort's grade table (the compiled table's columns)."""
    rows = []
    # ada: everything right, m07's reply waits for a mentor
    rows += [grade_row("ada", "m00", c, 1, 0) for c in ("b1", "b2")]
    rows += [grade_row("ada", "m01", c, p, 3) for c, p in (("p1", 8), ("p2", 4), ("reply", 5))]
    rows += [grade_row("ada", "m02", c, 2, 10) for c in ("k1", "k2")]
    rows += [grade_row("ada", "m07", f"s{i}", 1, 20) for i in range(10)]
    rows += [grade_row("ada", "m07", "sign", None, 20, needs_manual=True)]
    # ben: no baseline; m01 8 + 3 + 3 = 14 / 17; m02 2 + 1
    rows += [grade_row("ben", "m01", c, p, 4) for c, p in (("p1", 8), ("p2", 3), ("reply", 3))]
    rows += [grade_row("ben", "m02", c, p, 15) for c, p in (("k1", 2), ("k2", 1))]
    # cao: m00 0 / 2; m01 1 / 17; m02 1 / 4
    rows += [grade_row("cao", "m00", c, 0, 0) for c in ("b1", "b2")]
    rows += [grade_row("cao", "m01", c, p, 5) for c, p in (("p1", 1), ("p2", 0), ("reply", 0))]
    rows += [grade_row("cao", "m02", c, p, 14) for c, p in (("k1", 0), ("k2", 1))]
    # dee: m01 8 + 4 + 2 = 14 / 17, the reply crosses red lines
    rows += [grade_row("dee", "m00", c, 1, 0) for c in ("b1", "b2")]
    rows += [grade_row("dee", "m01", "p1", 8, 2), grade_row("dee", "m01", "p2", 4, 2),
             grade_row("dee", "m01", "reply", 2, 2, failures="link;email;review_request;time")]
    rows += [grade_row("dee", "m02", c, 2, 16) for c in ("k1", "k2")]
    # eve: the baseline, half right, then nothing
    rows += [grade_row("eve", "m00", "b1", 1, 0), grade_row("eve", "m00", "b2", 0, 0)]
    return pd.DataFrame(rows, columns=list(GRADE_COLUMNS))


def status() -> pd.DataFrame:
    """The grade batches' outcomes: fay's m01 could not be read."""
    return pd.DataFrame([{"trainee": "fay", "module": "m01", "status": "malformed notebook",
                          "detail": SERVER_DETAIL}])


def items() -> pd.DataFrame:
    """The item table (`caseloop.compile.ITEM_COLUMNS`) of the cohort's modules."""
    return pd.DataFrame([{"module": m, "notebook": "nb", "cell": c, "competency": tags, "case": case,
                          "points": float(points), "rubric": "", "reviews": "", "title": title}
                         for m, cells in ITEMS.items() for c, (tags, points, case, title) in cells.items()])


def replies() -> pd.DataFrame:
    """What the trainees wrote in the reply cells the red-line alerts quote."""
    return pd.DataFrame([{"trainee": "dee", "module": "m01", "cell": "reply", "text": DEE_REPLY}])


def ratings() -> pd.DataFrame:
    """The lead's own rating of cao's communication."""
    return pd.DataFrame([{"trainee": "cao", "competency": "COM", "level": "developing",
                          "note": "coached on openings; replies improving", "rated_by": "Lead Wang",
                          "rated_on": "2026-03-19"}])


def cohorts() -> pd.Series:
    return pd.Series("2026-03", index=TRAINEES, name="cohort")


def tables(curriculum):
    """Every report table of the cohort."""
    from caseloop.report import cohort_tables

    return cohort_tables(grades(), curriculum, status(), items(), cohorts(), flagged=FLAGGED, replies=replies(),
                         ratings=ratings())
