"""Ranked retrieval over case texts: BM25 over word tokens and CJK character bigrams, in numpy.

The case library's search and `similar` rank cases with it, and the reply grader tells which case a
reply is about; it imports nothing else of caseloop, so both may use it.

Works for English, other Latin-script languages, Chinese and Japanese with nothing to download:
Latin words are lower-cased and lightly stemmed; runs of CJK characters become overlapping
bigrams (a one-character run stays a unigram), the usual index for text without word breaks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_STOP_WORDS = frozenset(
    "a an and are as at be but by do for from had has have i if in is it its me my no not of on or our so "
    "that the their them there they this to was we were what when which will with would you your "
    "der die das und ist ich nicht mit ein eine zu den von le la les et de des un une est je pas".split())


def _stem(word: str) -> str:
    """Strip common English inflections so "refunded", "refunds" and "refund" meet."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word.endswith("ss")):
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def tokens(text: str) -> list[str]:
    """Index terms of a text: stemmed lower-case words without stop words, and CJK bigrams."""
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        run = match["cjk"]
        if run:
            terms.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
        else:
            word = match["word"].lower()
            if word not in _STOP_WORDS:
                terms.append(_stem(word))
    return terms


def bm25_weight(tf: np.ndarray, doc_len: np.ndarray, avg_len: float, idf: np.ndarray,
                k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Okapi BM25 contribution of a term to a document, for arrays of postings."""
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avg_len))


def bm25_idf(doc_freq: np.ndarray, n_docs: int) -> np.ndarray:
    """BM25's inverse document frequency (the variant that never goes negative)."""
    return np.log(1 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))


class Index:
    """An inverted index whose postings hold precomputed BM25 weights, so a query is a gather-and-add."""

    def __init__(self, texts: Iterable[str]):
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        doc_ids: list[int] = []
        freqs: list[int] = []
        lengths: list[int] = []
        for doc, text in enumerate(texts):
            counts = Counter(tokens(text))
            lengths.append(sum(counts.values()))
            for term, count in counts.items():
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                doc_ids.append(doc)
                freqs.append(count)
        self.vocabulary = vocabulary
        self.size = len(lengths)
        terms = np.asarray(term_ids, dtype=np.int64)
        order = np.argsort(terms, kind="stable")
        self._docs = np.asarray(doc_ids, dtype=np.int64)[order]
        doc_freq = np.bincount(terms, minlength=len(vocabulary))
        self._offsets = np.concatenate([[0], np.cumsum(doc_freq)])
        doc_len = np.asarray(lengths, dtype=float)
        idf = bm25_idf(doc_freq.astype(float), self.size)
        self._weights = bm25_weight(np.asarray(freqs, dtype=float)[order], doc_len[self._docs],
                                    max(doc_len.mean(), 1.0) if self.size else 1.0, idf[terms[order]])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (0 where no query term occurs)."""
        scores = np.zeros(self.size)
        for term in set(tokens(query)):
            term_id = self.vocabulary.get(term)
            if term_id is not None:
                postings = slice(self._offsets[term_id], self._offsets[term_id + 1])
                scores[self._docs[postings]] += self._weights[postings]
        return scores
