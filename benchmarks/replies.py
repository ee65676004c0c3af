"""Agreement of the reply grader with a senior reviewer, on the project's labelled reply corpus.

The corpus (benchmarks/data/replies/*.yaml) holds replies to the curriculum's reply exercises in
every reply language, each scored 0-4 by a senior reviewer with a reason, and split into dev and
test halves. This script grades every reply with the current grader (`checks.reply(..., case=)`)
and, as the baseline, with the grader of the release before case-aware grading (commit
BASELINE_COMMIT, loaded from git history, called as the source notebooks called it), and prints
side by side the figures RSMTool reports: quadratic weighted kappa on the 0-4 scale and on three
bands, exact and adjacent agreement, Spearman's rho, the standardized mean difference, how many
replies the reviewer scored 0-1 got 3-4, per language, per kind and per split, and the time a
check takes.

    python benchmarks/replies.py            # every reply
    python benchmarks/replies.py --split test --show 10   # the held-back half, 10 worst disagreements
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "benchmarks" / "data" / "replies"
BASELINE_COMMIT = "616a847"  # the last release whose reply check looked for rubric words only
BANDS = {0: 0, 1: 0, 2: 1, 3: 2, 4: 2}  # reviewer/grader level -> low (<= 0.3), middle, high (>= 0.7)


def load_corpus() -> list[dict]:
    rows = []
    for path in sorted(CORPUS.glob("*.yaml")):
        rows += yaml.safe_load(path.read_text(encoding="utf-8"))
    return rows


def _baseline_module():
    """The reply check of the baseline release, imported from git history."""
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{BASELINE_COMMIT}:toolkit/caseloop/checks.py"],
                            capture_output=True, text=True, check=True).stdout
    policy = subprocess.run(["git", "-C", str(REPO), "show", f"{BASELINE_COMMIT}:toolkit/caseloop/policy.yaml"],
                            capture_output=True, text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("baseline_checks", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_checks"] = module  # dataclasses look their module up while the class is built
    exec(compile(source, "baseline_checks.py", "exec"), module.__dict__)
    module._policy_table = lambda: yaml.safe_load(policy)
    return module


def _notebooks(commit: str | None) -> dict[str, dict]:
    """The source notebooks of a commit (None: the working tree), by path."""
    import json

    if commit is None:
        return {str(p): json.loads(p.read_text(encoding="utf-8")) for p in sorted(REPO.glob("source/*/*.ipynb"))}
    listing = subprocess.run(["git", "-C", str(REPO), "ls-tree", "-r", "--name-only", commit, "source"],
                             capture_output=True, text=True, check=True).stdout.split()
    return {name: json.loads(subprocess.run(["git", "-C", str(REPO), "show", f"{commit}:{name}"], capture_output=True,
                                            text=True, check=True).stdout)
            for name in listing if name.endswith(".ipynb")}


def exercise_calls(commit: str | None) -> dict[str, str]:
    """case id -> the keyword arguments (but points) the source notebooks pass to checks.reply for that case."""
    import ast

    calls: dict[str, str] = {}
    for nb in _notebooks(commit).values():
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            case = cell["metadata"].get("caseloop", {}).get("case")
            if "checks.reply(" in source and case and case not in calls:
                call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
                            and getattr(n.func, "attr", "") == "reply")
                calls[case] = ", ".join(ast.unparse(k) for k in call.keywords if k.arg != "points")
    return calls


def _level(share: float) -> int:
    return int(round(share * 4))


def _quiet(function, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args, **kwargs)


def grade_all(rows: list[dict]) -> tuple[list[int], list[int], list[float], list[bool]]:
    """Levels 0-4 from the current grader and the baseline for every reply, the current grader's seconds, and
    whether it was unsure."""
    from caseloop import checks
    from caseloop.checks import casefile

    casefile.use_course(REPO)
    library = casefile.library()
    baseline, old_calls, new_calls = _baseline_module(), exercise_calls(BASELINE_COMMIT), exercise_calls(None)
    current, old, seconds, unsure = [], [], [], []
    for row in rows:
        kwargs = new_calls.get(row["case"]) or f"case={row['case']!r}"
        started = time.perf_counter()
        score = _quiet(eval, f"reply(answer, 4, {kwargs})", {"reply": checks.reply, "answer": row["reply"]})
        seconds.append(time.perf_counter() - started)
        current.append(_level(score.points / 4))
        unsure.append(bool(score.unsure))
        case = library.case(row["case"])
        kwargs = old_calls.get(row["case"]) or f"buyer_name={case['buyer_name']!r}, language={case['language']!r}"
        old_score = _quiet(eval, f"reply(answer, 4, {kwargs})", {"reply": baseline.reply, "answer": row["reply"]})
        old.append(_level(old_score.points / 4))
    return current, old, seconds, unsure


def figures(human: list[int], machine: list[int]) -> dict[str, float]:
    """The agreement figures of one grader against the reviewer."""
    from caseloop.analysis.agreement import agreement

    full = agreement(human, machine, points=4)
    bands = agreement([BANDS[h] for h in human], [BANDS[m] for m in machine], points=2)
    from scipy.stats import spearmanr

    rho = spearmanr(human, machine).statistic if len(set(machine)) > 1 else float("nan")
    false_high = sum(1 for h, m in zip(human, machine, strict=True) if h <= 1 and m >= 3)
    return {"n": full["n"], "qwk": full["qwk"], "qwk_3bands": bands["qwk"], "exact": full["exact"],
            "adjacent": full["adjacent"], "spearman": rho, "smd": full["smd"], "false_high": false_high}


def _table(title: str, groups: dict[str, list[int]], rows: list[dict], current: list[int], old: list[int]) -> None:
    print(f"\n{title:<22} {'n':>4}  {'QWK new':>8} {'QWK old':>8}  {'exact new':>9} {'exact old':>9}  "
          f"{'mean rev':>8} {'mean new':>8} {'mean old':>8}")
    for name, indexes in groups.items():
        human = [rows[i]["score"] for i in indexes]
        new, base = [current[i] for i in indexes], [old[i] for i in indexes]
        f_new, f_old = figures(human, new), figures(human, base)
        print(f"{name:<22} {len(indexes):>4}  {f_new['qwk']:>8.2f} {f_old['qwk']:>8.2f}  {f_new['exact']:>9.2f} "
              f"{f_old['exact']:>9.2f}  {statistics.mean(human):>8.2f} {statistics.mean(new):>8.2f} "
              f"{statistics.mean(base):>8.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "heldout", "heldout2", "heldout3"],
                        help="only one part of the corpus")
    parser.add_argument("--show", type=int, default=0, help="print the N largest disagreements of the new grader")
    args = parser.parse_args(argv)
    rows = [r for r in load_corpus() if not args.split or r["split"] == args.split]
    current, old, seconds, unsure = grade_all(rows)
    human = [r["score"] for r in rows]
    new_f, old_f = figures(human, current), figures(human, old)
    print(f"reply corpus: {len(rows)} replies, {len({r['case'] for r in rows})} exercises, languages "
          f"{', '.join(sorted({r['language'] for r in rows}))}")
    print(f"\n{'figure':<40} {'new grader':>11} {'baseline':>11}")
    labels = {"qwk": "quadratic weighted kappa (0-4)", "qwk_3bands": "quadratic weighted kappa (3 bands)",
              "exact": "exact agreement", "adjacent": "adjacent agreement (within 1)", "spearman": "Spearman rho",
              "smd": "standardized mean difference",
              "false_high": "reviewer 0-1 but grader 3-4 (count)"}
    for key, label in labels.items():
        print(f"{label:<40} {new_f[key]:>11.2f} {old_f[key]:>11.2f}")
    off = [abs(c - h) for c, h in zip(current, human, strict=True)]
    flagged = [d for d, u in zip(off, unsure, strict=True) if u]
    sure = [d for d, u in zip(off, unsure, strict=True) if not u]
    if flagged and sure:
        print(f"\nunsure: {len(flagged)} of {len(rows)} replies go to a mentor first; they are off the reviewer by "
              f"{statistics.mean(flagged):.2f} levels on average, the others by {statistics.mean(sure):.2f}")
    first, rest = seconds[0], sorted(seconds[1:])
    print(f"\ntime per check: median {statistics.median(rest) * 1000:.1f} ms, 95th percentile "
          f"{rest[int(len(rest) * 0.95) - 1] * 1000:.1f} ms, max {rest[-1] * 1000:.1f} ms (the first check of a "
          f"language also loads its dictionary; the first of a process the language model too: {first * 1000:.0f} ms)")
    by = {}
    for key in ("split", "language", "kind"):
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(str(row[key]), []).append(i)
        by[key] = dict(sorted(groups.items()))
        _table(f"by {key}", by[key], rows, current, old)
    if args.show:
        worst = sorted(range(len(rows)), key=lambda i: -abs(current[i] - human[i]))[:args.show]
        for i in worst:
            print(f"\n{rows[i]['id']} ({rows[i]['kind']}): reviewer {human[i]}, new {current[i]}, old {old[i]} — "
                  f"{rows[i]['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
