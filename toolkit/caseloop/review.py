"""Review stage: a mentor's rubric for written replies, graded by hand in nbgrader's formgrader.

A reply is scored twice. Its autograded test cell checks the rubric elements and red lines; below
it, one nbgrader task cell per rubric criterion (tone, empathy, cultural fit) asks a mentor for a
score and a comment, so the formgrader shows the reply, the automatic feedback and the rubric
together. Each criterion counts towards its own competency. `review_pairs` sets every mentor
score beside what the autograde said about the same quality, for the report and item analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from caseloop.author import check_calls
from caseloop.course import Course, CourseError, replacing

MENTOR_PASS = 0.5  # a mentor's share of a criterion's points at or above which the reply meets it


@dataclass(frozen=True)
class Criterion:
    """One criterion of the mentor rubric: what the mentor judges and which autograde checks speak to it."""

    code: str
    competency: str
    zh: str
    en: str
    guide_zh: str
    guide_en: str
    checks: tuple[str, ...]  # codes of checks.reply findings about the same quality


CRITERIA = (
    Criterion("tone", "COM", "语气", "Tone",
              "礼貌、专业、平静：不指责买家、不吼叫、不营销，称呼和结尾得体 [C8][C9]",
              "courteous, professional and calm: no blame, no shouting, no marketing; a fitting greeting and "
              "closing [C8][C9]",
              ("blame", "shouting", "emoji", "marketing", "greeting", "closing")),
    Criterion("empathy", "EMO", "共情", "Empathy",
              "针对这位买家的处境认可感受并道歉，而不是套话；先回应情绪再给方案 [C1][C6]",
              "acknowledges this buyer's situation and feelings, not boilerplate, and apologises; the feeling "
              "first, then the fix [C1][C6]",
              ("empathy", "apology")),
    Criterion("culture", "XCC", "文化适配", "Cultural fit",
              "符合买家所在站点的语言和礼仪：用买家的语言 [M5]，称呼方式（Mr/Ms、Sie、vous、様）、正式程度、"
              "日期和货币写法",
              "fits the buyer's market: the buyer's language [M5], form of address (Mr/Ms, Sie, vous, 様), "
              "formality, how dates and money are written",
              ("wrong_language", "chinese_left", "greeting")),
)
BY_CODE = {c.code: c for c in CRITERIA}
PAIR_COLUMNS = ["trainee", "module", "notebook", "cell", "criterion", "reviews", "case", "competency",
                "mentor_share", "auto_share", "reply_points", "auto_failures", "autograde_pass", "mentor_pass",
                "pending", "comment"]


def reply_tests(cells: list[Any]) -> list[Any]:
    """The autograded test cells of a notebook that score a written reply."""
    return [c for c in cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")
            and any(call.func.attr == "reply" for call in check_calls(c.source))]


def rubric_cells(test_cell: Any, points: float = 1) -> list[Any]:
    """One nbgrader task cell per criterion for the reply that TEST_CELL scores, tagged for compile and revise."""
    import nbformat.v4 as nbf

    reviews = test_cell.metadata["nbgrader"]["grade_id"]
    case = test_cell.metadata.get("caseloop", {}).get("case", "")
    cells = []
    for criterion in CRITERIA:
        grade_id = f"{reviews}_{criterion.code}"
        cell = nbf.new_markdown_cell(
            f"**导师评分 · {criterion.zh}（{points:g} 分）/ Mentor rubric · {criterion.en} ({points:g} "
            f"{'point' if points == 1 else 'points'})** — 上面的回复 / the reply above ({case})\n\n"
            f"{criterion.guide_zh}\n\n{criterion.guide_en}\n\n"
            f"*达到 = 满分，部分达到 = 一半，未达到 = 0 / met = full, partly = half, not met = 0*")
        cell.metadata.update(
            nbgrader={"grade": False, "solution": False, "task": True, "locked": True, "points": points,
                      "grade_id": grade_id, "schema_version": 3},
            caseloop={"competency": [criterion.competency], "case": case, "rubric": criterion.code,
                      "reviews": reviews})
        cell["id"] = grade_id
        cells.append(cell)
    return cells


def add_rubric(course: Course, module: str, cells: list[str] | None = None,
               points: float = 1) -> tuple[list[Path], list[str]]:
    """Put the mentor rubric below every reply test cell of MODULE (or only CELLS) that has none yet.

    Returns the notebooks changed and the new task cell ids.
    """
    import nbformat

    notebooks = course.source_notebooks(module)
    if not notebooks:
        raise CourseError(f"{course.source_dir / module}: no source notebooks; check the module id")
    wanted, found, changed, added = set(cells or ()), set(), [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        reviewed = {c.metadata.get("caseloop", {}).get("reviews") for c in nb.cells}
        tests = [c for c in reply_tests(nb.cells) if not wanted or c.metadata["nbgrader"]["grade_id"] in wanted]
        found |= {c.metadata["nbgrader"]["grade_id"] for c in tests}
        todo = [c for c in tests if c.metadata["nbgrader"]["grade_id"] not in reviewed]
        for test in todo:
            new = rubric_cells(test, points)
            at = nb.cells.index(test) + 1
            nb.cells[at:at] = new
            added += [c["id"] for c in new]
        if todo:
            nbformat.validate(nb)
            with replacing(path) as partial:
                nbformat.write(nb, partial)
            changed.append(path)
    if not found and not wanted:
        raise CourseError(f"{course.source_dir / module}: no reply test cell (a graded cell calling checks.reply); "
                          "a mentor rubric reviews written replies, so add a reply exercise first")
    missing = sorted(wanted - found)
    if missing:
        raise CourseError(f"{course.source_dir / module}: no reply test cell {', '.join(missing)} "
                          "(a graded cell calling checks.reply); check the grade ids")
    return changed, added


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
