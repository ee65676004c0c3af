"""BM25 scores of the case index against the Robertson / Sparck Jones formula, written out term by term.

The toy corpus uses words the tokenizer keeps as they are (no stop words, no suffix to strip), so the
terms and their counts below can be read off the texts by eye.
"""

from __future__ import annotations

import math

import pytest

from caseloop.textindex import Index

K1, B = 1.2, 0.75  # Okapi BM25's usual constants (Robertson & Zaragoza 2009, section 3.3)
DOCS = ["lamp cord",                                        # 2 terms
        "lamp lamp box plug",                               # 4 terms
        "box box box cord plug plug torn torn lamp torn"]   # 10 terms
COUNTS = [{"lamp": 1, "cord": 1}, {"lamp": 2, "box": 1, "plug": 1},
          {"box": 3, "cord": 1, "plug": 2, "torn": 3, "lamp": 1}]


def robertson_sparck_jones(query_terms: list[str]) -> list[float]:
    """sum over query terms of idf(t) * tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl)), per document."""
    n = len(COUNTS)
    lengths = [sum(counts.values()) for counts in COUNTS]
    avgdl = sum(lengths) / n
    scores = []
    for counts, length in zip(COUNTS, lengths, strict=True):
        score = 0.0
        for term in query_terms:
            tf = counts.get(term, 0)
            df = sum(term in other for other in COUNTS)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avgdl))
        scores.append(score)
    return scores


@pytest.mark.parametrize("query", ["lamp", "box", "torn", "lamp box", "cord plug torn", "lamp cord box plug torn"])
def test_scores_follow_the_formula(query):
    assert list(Index(DOCS).scores(query)) == pytest.approx(robertson_sparck_jones(query.split()), rel=1e-12)


def test_one_score_worked_by_hand():
    # "torn" occurs in d2 only: idf = ln(1 + 2.5 / 1.5) = ln(8/3) = 0.980829
    # avgdl = 16 / 3, so d2 (|d| = 10) has |d| / avgdl = 1.875; tf = 3:
    # 3 * 2.2 / (3 + 1.2 * (0.25 + 0.75 * 1.875)) = 6.6 / 4.9875 = 1.323308; times the idf: 1.297939
    assert Index(DOCS).scores("torn")[2] == pytest.approx(math.log(8 / 3) * 6.6 / (3 + 1.2 * (0.25 + 0.75 * 1.875)))
    assert Index(DOCS).scores("torn")[2] == pytest.approx(1.297939, abs=1e-6)
    assert list(Index(DOCS).scores("torn")[:2]) == [0.0, 0.0]


def test_a_longer_document_with_the_same_count_ranks_lower():
    # "cord" once in d0 (2 terms) and once in d2 (10 terms): length normalisation puts d0 first
    scores = Index(DOCS).scores("cord")
    assert scores[0] > scores[2] > 0 and scores[1] == 0
