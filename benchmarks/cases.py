"""Case search over 10,000 cases: the BM25 index against a naive scan of every case text, in one run.

Generates N case files (default 10,000) from the repository's approved cases (recombined messages,
new buyers, markets, product lines and ids), loads them once through `Library.load` (parse,
validate, index), then times the same queries two ways:

- index: `Library.search` (inverted index with precomputed BM25 weights);
- baseline: a naive scan that tokenizes every case text per query and scores it with the same
  BM25 formula (no index), which is what searching without an index costs.

Both must give the same BM25 top results (the index's scores, which `Library.search` then weighs by
problem type and market); the script prints per-query times, the ratio, and exits with status 1 if
any indexed query takes 100 ms or more.

    python benchmarks/cases.py [--cases 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from caseloop.cases import MARKETS, Library, render_case, search_text
from caseloop.textindex import bm25_idf, bm25_weight, tokens

REPO = Path(__file__).resolve().parent.parent
LIMIT_MS = 100.0
QUERIES = [
    ("tracking says delivered but the parcel is not here", {}),
    ("refund not received after return", {}),
    ("size chart runs small exchange shoes", {}),
    ("charger missing from the box", {"market": "FR"}),
    ("buyer wants to cancel the order", {"problem_type": "cancellation"}),
    ("A-to-z claim respond within 48 hours", {}),
    ("Wasserkocher zurücktreten Rücksendung", {}),
    ("物流停滞 A-to-z 索赔", {}),
    ("陶瓷杯 破损 退货运费", {}),
    ("买家要求删除个人数据", {}),
    ("信用卡被盗刷 拒付", {"market": "US"}),
    ("", {"problem_type": "damaged", "market": "UK"}),
]
FIRST_NAMES = ["Alex", "Sam", "Robin", "Kim", "Noor", "Taylor", "Jamie", "Casey", "Riley", "Morgan"]


def generate(templates: list[dict], count: int, rng: random.Random) -> list[dict]:
    """`count` valid cases recombined from the templates: another case's message appended, new ids and names."""
    markets = list(MARKETS)
    cases = []
    for number in range(1, count + 1):
        base, donor = rng.choice(templates), rng.choice(templates)
        name = rng.choice(FIRST_NAMES)
        case = {**base, "id": f"C-{number:05d}", "buyer_name": name,
                "title": f"{base['title']} ({donor['product_line']})",
                "market": rng.choice(markets), "product_line": donor["product_line"],
                "order_id": f"{base['order_id'][:3]}-0000000-{number:07d}",
                "buyer_message": base["buyer_message"] + donor["buyer_message"],
                "reply_template": base["reply_template"].replace(base["buyer_name"], name),
                "lessons": f"{base['lessons']} {donor['lessons']}",
                "tags": sorted(set(base["tags"]) | set(rng.sample(donor["tags"], 1)))}
        cases.append(case)
    return cases


def naive_scores(texts: list[str], query: str) -> np.ndarray:
    """BM25 of every text for `query`, computed from scratch over every text (no index)."""
    counts = [Counter(tokens(text)) for text in texts]
    lengths = np.array([sum(c.values()) for c in counts], dtype=float)
    scores = np.zeros(len(texts))
    for term in set(tokens(query)):
        tf = np.array([c.get(term, 0) for c in counts], dtype=float)
        idf = bm25_idf(np.array([(tf > 0).sum()], dtype=float), len(texts))
        scores += np.where(tf > 0, bm25_weight(tf, lengths, lengths.mean(), idf), 0.0)
    return scores


def top(scores: np.ndarray, allowed: np.ndarray, query: str, limit: int = 10) -> tuple[list[int], np.ndarray]:
    """The best `limit` allowed positions by score (all allowed ones, in order, for an empty query)."""
    candidates = np.flatnonzero(allowed & (scores > 0)) if tokens(query) else np.flatnonzero(allowed)
    order = candidates[np.lexsort((candidates, -scores[candidates]))][:limit]
    return list(order), scores[order]


def milliseconds(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each indexed query")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    templates = [c for c in Library.load(REPO / "cases").cases if c["review"]["state"] == "approved"]
    with tempfile.TemporaryDirectory(prefix="caseloop-bench-") as folder:
        cases_dir = Path(folder)
        (cases_dir / "sources.yaml").write_text((REPO / "cases" / "sources.yaml").read_text(encoding="utf-8"))
        start = time.perf_counter()
        for case in generate(templates, args.cases, random.Random(args.seed)):
            (cases_dir / f"{case['id']}.yaml").write_text(render_case(case), encoding="utf-8")
        written = time.perf_counter() - start
        start = time.perf_counter()
        library = Library.load(cases_dir)
        loaded = time.perf_counter() - start
    print(f"{len(library.cases)} case files generated in {written:.1f} s; loaded once (parse, validate, index) "
          f"in {loaded:.1f} s; vocabulary {len(library.index.vocabulary)} terms")

    texts = [search_text(case) for case in library.cases]
    print(f"\n{'query':<46} {'index ms (median / max)':>24} {'naive scan ms':>14} {'ratio':>7}")
    worst, ratios = 0.0, []
    for query, filters in QUERIES:
        indexed = milliseconds(lambda q=query, f=filters: library.search(q, **f), args.repeat)
        allowed = library.filter_mask((), filters.get("problem_type"), filters.get("market"), "approved")
        start = time.perf_counter()
        naive_positions, naive_top = top(naive_scores(texts, query), allowed, query)
        naive = (time.perf_counter() - start) * 1000
        indexed_positions, indexed_top = top(library.index.scores(query), allowed, query)
        if indexed_positions != naive_positions or not np.allclose(indexed_top, naive_top):
            print(f"index and naive scan disagree on {query!r}", file=sys.stderr)
            return 1
        worst = max(worst, max(indexed))
        ratios.append(naive / statistics.median(indexed))
        label = (query or "(browse)") + (f" {filters}" if filters else "")
        print(f"{label[:46]:<46} {statistics.median(indexed):>11.2f} / {max(indexed):>8.2f} "
              f"{naive:>14.0f} {ratios[-1]:>6.0f}x")
    print(f"\nslowest indexed query {worst:.2f} ms (limit {LIMIT_MS:.0f} ms); naive scan / index, median over "
          f"queries: {statistics.median(ratios):.0f}x")
    if worst >= LIMIT_MS:
        print("FAIL: a query took 100 ms or more", file=sys.stderr)
        return 1
    print("OK: every query answered in under 100 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
