"""The library in memory: cases read from their files, a tidy frame, ranked search, similar cases."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from caseloop.cases.labels import MARKETS, PROBLEM_TYPES, REVIEW_STATES, ROOT_CAUSES
from caseloop.cases.schema import Problem, as_date, choice_list, read_library
from caseloop.course import CourseError
from caseloop.textindex import Index

if TYPE_CHECKING:
    pass

FRAME_COLUMNS = ["id", "title", "problem_type", "market", "date", "product_line", "fulfilment", "language",
                 "root_cause_category", "outcome", "state", "reviewer", "tags"]
RESULT_COLUMNS = ["id", "score", "title", "problem_type", "market", "state"]
# How a query's words weigh, beside the case's own BM25 match (scaled so the best case scores 1): the problem
# type whose cases match the query best on average lifts its cases by up to PROBLEM_WEIGHT (cluster-based
# retrieval: a case is scored with its cluster); a market the query names lifts that market's cases by only
# MARKET_WEIGHT, so that a query about a problem finds the problem in every market before the market's other cases.
PROBLEM_WEIGHT = 1.0
MARKET_WEIGHT = 0.1
_MARKET_NAMES = {code: re.compile("|".join([rf"\b{code}\b", *(f"(?i:{re.escape(name)})" for name in sorted(
    {en, zh, zh.removesuffix("站")}, key=len, reverse=True))])) for code, (zh, en) in MARKETS.items()}


def search_text(case: dict) -> str:
    """The text a case is found by: its own words plus the zh/en labels of its categories."""
    labels = [*PROBLEM_TYPES.get(case["problem_type"], ()), *ROOT_CAUSES.get(case["root_cause_category"], ()),
              *MARKETS.get(case["market"], ()), case["market"], case["fulfilment"]]
    parts = [case["title"], case["title"], case["summary_zh"], case["product_line"], case["buyer_message"],
             case["core_demand"], case["root_cause"], *case["resolution_steps"], *case["key_points"],
             case["lessons"], *case["tags"], *labels]
    return "\n".join(parts)


LIST_EVERY_CASE = "search '' --state any"  # the `cases` task that lists every case, drafts and archived ones too


def library_command(folder: Path, task: str) -> str:
    """The `caseloop cases TASK` command line for the course whose case library is `folder`, ready to paste."""
    return f"caseloop --course {shlex.quote(str(folder.parent))} cases {task}"


def named_markets(query: str) -> tuple[str, set[str]]:
    """The query without the markets it names ("Germany", "德国站", "DE"), and those markets' codes."""
    named = set()
    for code, pattern in _MARKET_NAMES.items():
        query, count = pattern.subn(" ", query)
        if count:
            named.add(code)
    return query, named


def case_frame(cases: Sequence[dict]) -> pd.DataFrame:
    """One row per case with its categorical fields (tags joined by ';'), for filters and statistics."""
    rows = [{**{name: case.get(name) for name in FRAME_COLUMNS}, "date": as_date(case["date"]),
             "state": case["review"]["state"], "reviewer": case["review"].get("reviewer"),
             "tags": ";".join(case["tags"])} for case in cases]
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


class Library:
    """The approved knowledge of a team: cases by id, a tidy frame, and a BM25 index over their text.

    >>> library = Library.load(Path("cases"))
    >>> library.search("refund not received", market="UK")
    """

    def __init__(self, cases: Sequence[dict]):
        self.cases = list(cases)
        self.skipped: list[Problem] = []
        self.folder: Path | None = None
        self.by_id = {case["id"]: case for case in self.cases}
        self.frame = case_frame(self.cases)
        self.index = Index(search_text(case) for case in self.cases)
        self._tags = [{tag.lower() for tag in case["tags"]} for case in self.cases]
        self._columns = {column: self.frame[column].to_numpy() for column in ("id", "problem_type", "market", "state")}
        self._problem_codes, self._problem_names = pd.factorize(self.frame["problem_type"])

    @classmethod
    def load(cls, folder: Path, skip_invalid: bool = False) -> Library:
        """Read a library folder; refuse (naming the first problem) if `caseloop cases validate` would fail.

        With `skip_invalid`, load the valid cases and keep the problems of the others in `skipped`.
        """
        files = read_library(folder)
        if files.problems and not skip_invalid:
            raise CourseError(f"{len(files.problems)} problem(s) in the case library, first: {files.problems[0]}. "
                              f"Run `{library_command(folder, 'validate')}` to see them all")
        library = cls(list(files.cases.values()))
        library.skipped, library.folder = files.problems, folder
        return library

    def case(self, case_id: str) -> dict:
        """The case with this id; a file left out for its problems (a draft still marked TODO) says so."""
        try:
            return self.by_id[case_id]
        except KeyError:
            unfinished = [problem for problem in self.skipped if problem.path.stem == case_id]
            if unfinished and self.folder:
                raise CourseError(f"{case_id} is left out of the library for {len(unfinished)} problem(s), first: "
                                  f"{unfinished[0]}. Run `{library_command(self.folder, 'validate')}` to see them "
                                  "all") from None
            close = difflib.get_close_matches(case_id, list(self.by_id), n=3)
            listing = f"`{library_command(self.folder, LIST_EVERY_CASE)}`" if self.folder else "the library"
            raise CourseError(f"no case {case_id} in the library" + (f"; did you mean {', '.join(close)}?" if close
                              else f"; list them with {listing}")) from None

    def filter_mask(self, tags: Sequence[str], problem_type: str | None, market: str | None,
                    state: str | None) -> np.ndarray:
        """Which cases (in library order) carry all `tags` and match the type, market and review state given."""
        mask = np.ones(len(self.cases), dtype=bool)
        for column, value, labels in (("problem_type", problem_type, PROBLEM_TYPES), ("market", market, MARKETS),
                                      ("state", state, REVIEW_STATES)):
            if value:
                if value not in labels:
                    raise CourseError(f"unknown {column.replace('_', ' ')} {value!r}; use {choice_list(labels)}")
                mask &= self._columns[column] == value
        wanted = {tag.lower() for tag in tags}
        if wanted:
            mask &= np.fromiter((wanted <= have for have in self._tags), dtype=bool, count=len(self._tags))
        return mask

    def _ranked(self, scores: np.ndarray, mask: np.ndarray, limit: int, need_score: bool) -> pd.DataFrame:
        if need_score:
            mask = mask & (scores > 0)
        candidates = np.flatnonzero(mask)
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:limit]
        hits = self.frame.iloc[order][["id", "title", "problem_type", "market", "state"]].assign(score=scores[order])
        return hits[RESULT_COLUMNS].reset_index(drop=True)

    def search(self, query: str = "", tags: Sequence[str] = (), problem_type: str | None = None,
               market: str | None = None, state: str | None = "approved", limit: int = 10) -> pd.DataFrame:
        """Cases ranked by relevance to `query` (any language), within the filters; the problem before the market.

        The score is the case's BM25 match to the query's words (the best case scoring 1), plus up to
        PROBLEM_WEIGHT for the cases of the problem type that matches best on average, plus MARKET_WEIGHT
        for a market the query names. An empty query browses: every case passing the filters, in id order.
        """
        mask = self.filter_mask(tags, problem_type, market, state)
        if not query.strip():
            return self._ranked(np.zeros(len(self.cases)), mask, limit, need_score=False)
        words, markets = named_markets(query)
        match = np.where(mask, self.index.scores(words), 0.0)
        best = match.max(initial=0.0)
        scores = match / best if best else match
        problem = np.bincount(self._problem_codes, weights=scores, minlength=len(self._problem_names))
        problem /= np.maximum(np.bincount(self._problem_codes[mask], minlength=len(self._problem_names)), 1)
        if problem.max(initial=0.0):
            scores = scores + PROBLEM_WEIGHT * (problem / problem.max())[self._problem_codes] * (match > 0)
        scores = scores + MARKET_WEIGHT * np.isin(self._columns["market"], sorted(markets))
        return self._ranked(scores, mask, limit, need_score=True)

    def similar(self, case_id: str | None = None, text: str | None = None, limit: int = 5,
                state: str | None = "approved") -> pd.DataFrame:
        """Cases most like a library case (by id) or like a new buyer message (`text`), best first."""
        if (case_id is None) == (text is None):
            raise CourseError("give either a case id or --text with the buyer's message, not both")
        mask = self.filter_mask((), None, None, state)
        if case_id is not None:
            case = self.case(case_id)
            text = "\n".join([case["title"], case["buyer_message"], case["core_demand"], case["root_cause"],
                              *case["tags"], *PROBLEM_TYPES[case["problem_type"]]])
            mask &= self._columns["id"] != case_id
        return self._ranked(self.index.scores(text), mask, limit, need_score=True)
