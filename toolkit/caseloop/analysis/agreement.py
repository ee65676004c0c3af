"""Mentor versus autograde: every mentor score set beside what the autograde said of the same reply.

A reply is scored twice: its autograded test cell, and one mentor rubric cell per criterion
(tone, empathy, cultural fit) below it. `review_pairs` pairs them for the trainee report and
`disagreement` counts, per exercise and criterion, where mentors and the checks part ways.
"""

from __future__ import annotations

import pandas as pd

from caseloop.course.rubric import BY_CODE, CRITERIA, MENTOR_PASS

PAIR_COLUMNS = ["trainee", "module", "notebook", "cell", "criterion", "reviews", "case", "competency",
                "mentor_share", "auto_share", "reply_points", "auto_failures", "autograde_pass", "mentor_pass",
                "pending", "comment"]


def review_pairs(latest: pd.DataFrame, items: pd.DataFrame | None) -> pd.DataFrame:
    """Every rubric cell of every submission beside the autograde of the same reply (columns in `PAIR_COLUMNS`).

    `latest` holds the latest attempts of the grade table; `items` is `compile.item_table`, whose
    `rubric` and `reviews` columns name each rubric cell's criterion and the test cell it reviews.
    The autograde passes a criterion when the reply scored above 0 and none of the criterion's
    checks failed; the mentor passes it at `MENTOR_PASS` of its points or more. Rows a mentor has
    not graded yet are `pending`, with no mentor share.
    """
    if items is None or "rubric" not in items:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    rubric = items.loc[items["rubric"].fillna("") != "", ["module", "notebook", "cell", "rubric", "reviews"]]
    marked = latest.astype({"module": str, "notebook": str, "cell": str}).merge(
        rubric, on=["module", "notebook", "cell"])
    tests = latest.astype({"module": str, "notebook": str, "cell": str})[
        ["trainee", "module", "notebook", "cell", "score", "max_score", "failures"]].rename(
        columns={"cell": "reviews", "score": "test_score", "max_score": "reply_points", "failures": "auto_failures"})
    pairs = marked.merge(tests, on=["trainee", "module", "notebook", "reviews"], how="inner")
    if pairs.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    failed = pairs["auto_failures"].fillna("").str.split(";")
    related = [[code for code in codes if code in BY_CODE[criterion].checks]
               for codes, criterion in zip(failed, pairs["rubric"], strict=True)]
    pairs["auto_failures"] = [";".join(codes) for codes in related]
    pairs["auto_share"] = pairs["test_score"] / pairs["reply_points"]
    pairs["autograde_pass"] = (pairs["auto_share"] > 0) & (pairs["auto_failures"] == "")
    pairs["mentor_share"] = pairs["manual_score"] / pairs["max_score"]
    pairs["pending"] = pairs["manual_score"].isna()
    pairs["mentor_pass"] = pairs["mentor_share"] >= MENTOR_PASS - 1e-9
    pairs["comment"] = pairs["comment"].fillna("") if "comment" in pairs else ""
    order = {c.code: i for i, c in enumerate(CRITERIA)}
    pairs = pairs.sort_values(["trainee", "module", "notebook", "reviews", "rubric"],
                              key=lambda column: column.map(order) if column.name == "rubric" else column)
    return pairs.rename(columns={"rubric": "criterion"})[PAIR_COLUMNS].reset_index(drop=True)


def disagreement(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per reviewed reply and criterion: how often mentor and autograde disagree, and in which direction.

    Counts only rubric cells a mentor has graded. `lenient` counts replies the autograde passed on
    the criterion and mentors did not (the checks miss something); `strict` the reverse (the checks
    fire on replies mentors accept).
    """
    columns = ["module", "notebook", "reviews", "criterion", "case", "competency", "points", "n", "agree",
               "lenient", "strict", "strict_failures"]
    pairs = pairs[~pairs["pending"].astype(bool)]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    frame = pairs.assign(lenient=pairs["autograde_pass"] & ~pairs["mentor_pass"],
                         strict=~pairs["autograde_pass"] & pairs["mentor_pass"])
    frame["agree"] = ~(frame["lenient"] | frame["strict"])
    keys = ["module", "notebook", "reviews", "criterion"]
    table = frame.groupby(keys, as_index=False, sort=True).agg(
        case=("case", "first"), competency=("competency", "first"), points=("reply_points", "first"),
        n=("trainee", "size"),
        agree=("agree", "sum"), lenient=("lenient", "sum"), strict=("strict", "sum"))
    strict_codes = (frame[frame["strict"]].groupby(keys)["auto_failures"]
                    .agg(lambda codes: ";".join(sorted({c for text in codes for c in text.split(";") if c}))))
    table["strict_failures"] = [strict_codes.get(tuple(row), "") for row in table[keys].itertuples(index=False)]
    return table[columns]
