"""Mutation check: deliberate breaks of the package, one at a time, and whether the test suite notices.

Each mutant is one small source edit (a file, a text that occurs exactly once in it, its
replacement) with the test files that guard that code. The script copies the repository into a
temporary folder (without .venv, .git, caches and run-time data), checks that the unmutated copy
passes every listed test file (else it stops), then for each mutant applies the edit to the copy,
runs only that mutant's test files with a timeout, and restores the file. The repository itself is
never written. Tests run with PYTHONPATH=<copy>/toolkit, so the copy's package wins over the
editable install, and without bytecode caches, so no stale compiled module hides an edit.

A mutant is *caught* when its tests fail (or error, or time out), *missed* when they all pass.
Prints one line per mutant, then "caught N of M"; exits with status 1 when a mutant is missed, 2
when the unmutated copy fails. `--exclude TEXT` leaves out test files whose path contains TEXT,
to measure what the other tests catch on their own.

    python benchmarks/mutation.py [--only TEXT] [--exclude TEXT] [--timeout 900] [--list]
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "toolkit/caseloop"
CACHES = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints", "*.egg-info"}
RUN_TIME = {"gradebook.db", "gradebook.db-journal", "submitted", "feedback", "exchange", "reports", "trainees",
            ".caseloop", "caseloop-demo*", "test-artifacts"}

DECISIONS = ("tests/test_checks.py", "tests/test_checks_decisions.py", "tests/test_oracles_decisions.py")
MASTERY = ("tests/test_report_scoring.py", "tests/test_oracles_mastery.py")
ITEMS = ("tests/test_revise_stats.py",)
SEARCH = ("tests/test_cases_search.py", "tests/test_oracles_search.py")
RADAR = ("tests/test_report_scoring.py", "tests/test_oracles_charts.py", "tests/test_report_browser.py")
KPI = ("tests/test_report_scoring.py", "tests/test_oracles_kpi.py")
CERTIFY = ("tests/test_report_scoring.py", "tests/test_oracles_certify.py")
FEEDBACK = ("tests/test_oracles_feedback.py", "tests/test_lab.py")
SCHEMAS = ("tests/test_schemas.py",)
TRAINEES_APART = ("tests/test_lab_trainees.py",)


@dataclass(frozen=True)
class Mutant:
    """One deliberate break: in FILE (under toolkit/caseloop), OLD (found exactly once) becomes NEW."""

    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = [
    # checks/decisions.py: choice
    Mutant("choice is case-sensitive", "checks/decisions.py",
           'picked = match.group(1).upper() if match else ""', 'picked = match.group(1) if match else ""', DECISIONS),
    Mutant("choice takes the first letter of a word", "checks/decisions.py",
           r'r"^\W*([A-Za-z])(?![A-Za-z])"', r'r"^\W*([A-Za-z])"', DECISIONS),
    Mutant("choice accepts a letter that is not an option", "checks/decisions.py",
           "return picked if picked and picked in options.upper() else None", "return picked or None", DECISIONS),
    Mutant("choice compares with the key as written", "checks/decisions.py",
           "ok = picked == correct.upper()", "ok = picked == correct", DECISIONS),
    # checks/decisions.py: number
    Mutant("number keeps a sentence's full stop", "checks/decisions.py",
           '.replace(" ", "").rstrip(".,")', '.replace(" ", "")', DECISIONS),
    Mutant("number reads 1,045.98 the European way", "checks/decisions.py",
           'digits.rfind(".") > digits.rfind(",")', 'digits.rfind(".") < digits.rfind(",")', DECISIONS),
    Mutant("number takes 45,98 for thousands", "checks/decisions.py",
           "if len(tail) != 3 else", "if len(tail) != 2 else", DECISIONS),
    Mutant("number tolerance widened to 0.5", "checks/decisions.py",
           "points: float = 1, tolerance: float = 0.01", "points: float = 1, tolerance: float = 0.5", DECISIONS),
    Mutant("number drops the sign", "checks/decisions.py", 'r"[-+]?\\d[\\d,. ]*"', 'r"\\d[\\d,. ]*"', DECISIONS),
    # checks/decisions.py: dates
    Mutant("ISO date read as year-day-month", "checks/decisions.py",
           "return valid(int(m[1]), int(m[2]), int(m[3])), False",
           "return valid(int(m[1]), int(m[3]), int(m[2])), False", DECISIONS),
    Mutant("dotted date read month first", "checks/decisions.py",
           "return valid(int(m[3]), int(m[2]), int(m[1])), False",
           "return valid(int(m[3]), int(m[1]), int(m[2])), False", DECISIONS),
    Mutant("slashed date read day first only", "checks/decisions.py",
           "readings = valid(year, second, first) + valid(year, first, second)",
           "readings = valid(year, second, first)", DECISIONS),
    Mutant("ambiguous date not flagged", "checks/decisions.py",
           "return sorted(set(readings)), len(set(readings)) > 1", "return sorted(set(readings)), False", DECISIONS),
    Mutant("German month name unknown", "checks/decisions.py", '"march", "märz", "maerz"', '"march", "maerz"',
           DECISIONS),
    Mutant("business days count Saturdays", "checks/decisions.py",
           "if current.weekday() < 5:", "if current.weekday() <= 5:", DECISIONS),
    Mutant("date tolerance off by one", "checks/decisions.py",
           "<= tolerance_days for reading in readings", "< tolerance_days for reading in readings", DECISIONS),
    # analysis/mastery.py
    Mutant("decaying average gives the first result weight w", "analysis/mastery.py",
           'np.where(results["order"] == 0, 1.0, method.weight)', "method.weight", MASTERY),
    Mutant("decaying average decays by w instead of 1 - w", "analysis/mastery.py",
           "weight = (1 - method.weight) ** age", "weight = method.weight ** age", MASTERY),
    Mutant("n_mastery needs one result more", "analysis/mastery.py",
           "mean[times >= method.n]", "mean[times > method.n]", MASTERY),
    Mutant("n_mastery misses a result exactly at the bar", "analysis/mastery.py",
           'results["share"] >= bar - 1e-9', 'results["share"] > bar', MASTERY),
    Mutant("latest attempt is the first one", "analysis/mastery.py",
           'return grades[grades["attempt"] == last]', 'return grades[grades["attempt"] == 1]', MASTERY),
    Mutant("latest method takes the oldest result", "analysis/mastery.py",
           'return _shares(results).last()', 'return _shares(results).first()', MASTERY),
    Mutant("a cell counts only towards its first competency", "analysis/mastery.py",
           'parts = [str(tag).split(";") for tag in tags.categories]',
           'parts = [str(tag).split(";")[:1] for tag in tags.categories]', MASTERY),
    Mutant("thin evidence includes the minimum", "analysis/mastery.py",
           'table["items"] < method.min_items', 'table["items"] <= method.min_items', MASTERY),
    Mutant("at-risk needs a longer run", "analysis/mastery.py",
           'table["run"] >= method.risk_attempts', 'table["run"] > method.risk_attempts', MASTERY),
    Mutant("gain is pre minus post", "analysis/mastery.py",
           'pairs["gain"] = pairs["post"] - pairs["pre"]', 'pairs["gain"] = pairs["pre"] - pairs["post"]', MASTERY),
    # analysis/itemstats.py
    Mutant("Wilson centre without the half", "analysis/itemstats.py",
           "centre = (share + z * z / (2 * n))", "centre = (share + z * z / n)", ITEMS),
    Mutant("discrimination against the total, not the rest", "analysis/itemstats.py",
           "rest = (total - complete[item]).to_numpy(dtype=float)", "rest = total.to_numpy(dtype=float)", ITEMS),
    Mutant("efficiency divides by an unsorted covariance", "analysis/itemstats.py",
           "best = np.cov(np.sort(x), np.sort(y))[0, 1]", "best = np.cov(np.sort(x), y)[0, 1]", ITEMS),
    Mutant("Kelley groups truncated", "analysis/itemstats.py",
           "size = max(1, round(group_share * n))", "size = max(1, int(group_share * n))", ITEMS),
    Mutant("alpha without k / (k - 1)", "analysis/itemstats.py",
           "return float(k / (k - 1) * (1 -", "return float((1 -", ITEMS),
    Mutant("item SD as a population SD", "analysis/itemstats.py",
           '"sd": float(share.std(ddof=1))', '"sd": float(share.std(ddof=0))', ITEMS),
    Mutant("Fisher interval with sqrt(n)", "analysis/itemstats.py",
           "_z(confidence) / np.sqrt(n - 3)", "_z(confidence) / np.sqrt(n)", ITEMS),
    Mutant("alpha if deleted keeps the item", "analysis/itemstats.py",
           '"alpha_if_deleted": cronbach_alpha(others)', '"alpha_if_deleted": cronbach_alpha(complete)', ITEMS),
    Mutant("missing scores counted as zero", "analysis/itemstats.py",
           "complete = points.dropna()\n    total", "complete = points.fillna(0)\n    total", ITEMS),
    # textindex.py
    Mutant("BM25 with b = 0 (no length normalisation)", "textindex.py",
           "k1: float = 1.2, b: float = 0.75", "k1: float = 1.2, b: float = 0.0", SEARCH),
    Mutant("BM25 with k1 = 2", "textindex.py",
           "k1: float = 1.2, b: float = 0.75", "k1: float = 2.0, b: float = 0.75", SEARCH),
    Mutant("idf that goes negative", "textindex.py",
           "np.log(1 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))",
           "np.log((n_docs - doc_freq + 0.5) / (doc_freq + 0.5))", SEARCH),
    Mutant("average length is the longest", "textindex.py",
           "max(doc_len.mean(), 1.0)", "max(doc_len.max(), 1.0)", SEARCH),
    Mutant("document length counts distinct terms", "textindex.py",
           "lengths.append(sum(counts.values()))", "lengths.append(len(counts))", SEARCH),
    Mutant("a query scores its last term only", "textindex.py",
           "scores[self._docs[postings]] += self._weights[postings]",
           "scores[self._docs[postings]] = self._weights[postings]", SEARCH),
    Mutant("CJK runs as single characters", "textindex.py",
           "[run[i:i + 2] for i in range(len(run) - 1)]", "list(run)", SEARCH),
    Mutant("words keep their case", "textindex.py", 'word = match["word"].lower()', 'word = match["word"]', SEARCH),
    # report/charts.py: the radar
    Mutant("radar drawn at half radius", "report/charts.py",
           "centre, radius = size / 2, size / 2 - 70", "centre, radius = size / 2, (size / 2 - 70) / 2", RADAR),
    Mutant("radar shape at half its shares", "report/charts.py",
           "(point(i, v) for i, v in values))\n", "(point(i, v / 2) for i, v in values))\n", RADAR),
    Mutant("radar turns anticlockwise", "report/charts.py",
           "angle = -math.pi / 2 + 2 * math.pi * index / n", "angle = -math.pi / 2 - 2 * math.pi * index / n", RADAR),
    # analysis/kpi.py
    Mutant("Spearman computed as Pearson", "analysis/kpi.py",
           "ranks = joined.rank()", "ranks = joined", KPI),
    # analysis/certify.py
    Mutant("mentor sign-off ignores pending items", "analysis/certify.py",
           "met = t in done and pending == 0 and pd.notna(share)", "met = t in done and pd.notna(share)", CERTIFY),
    Mutant("mentor sign-off counts autograded cells as waiting", "analysis/certify.py",
           'waiting = rows_in[rows_in["needs_manual_grade"].astype(bool) & ~signed]',
           "waiting = rows_in[~signed]", CERTIFY),
    # feedback.py: the leak guard
    Mutant("feedback leak guard removed", "feedback.py",
           "leaks = leaked_lines(text, secret_lines)", "leaks = []", FEEDBACK),
    Mutant("leak search in the raw HTML, not the text a reader sees", "feedback.py",
           "return [line for line in secret_lines if line in text]",
           "return [line for line in secret_lines if line in page]", FEEDBACK),
    # the files people edit: schemas, warnings, outputs moved into place together
    Mutant("schemas: a YAML file's schema is not checked", "schemas/__init__.py",
           "    problems = document.problems(name)\n", "    problems = []\n", SCHEMAS),
    Mutant("schemas: outputs written in place instead of staged", "course/files.py",
           "        yield stage\n", "        yield folder\n", SCHEMAS),
    Mutant("schemas: no warning for a file of mostly unknown trainees", "report/write.py",
           "if not names or len(found) * 2 >= len(names):", "if True:", SCHEMAS),
    Mutant("schemas: a graded cell's undeclared competency accepted", "report/write.py",
           "    _declared(items, curriculum, course)\n", "", SCHEMAS),
    Mutant("schemas: a trainee in two cohorts accepted", "report/tables.py",
           "    if len(again):", "    if False:", SCHEMAS),
    # lab.py and the course layout: trainees on one machine
    Mutant("every trainee lab shares one exchange cache", "lab.py",
           "c.Exchange.cache = {str(folder / 'exchange-cache')!r}",
           "c.Exchange.cache = {str(course.state_dir / 'exchange-cache')!r}", TRAINEES_APART),
    Mutant("a trainee lab starts as the owner of the answer keys", "lab.py",
           "if user == MENTOR or practice or os.geteuid() not in {owner, 0}:", "if True:", TRAINEES_APART),
    Mutant("a course without Exchange.root falls back to nbgrader's machine-wide exchange", "course/layout.py",
           'if "root" not in config.Exchange:', "if False:", TRAINEES_APART),
]


def _ignore(root: Path):
    """copytree's ignore: caches anywhere, run-time data at the top level, autograded/ but its README."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        left = {n for n in names if any(fnmatch.fnmatch(n, pattern) for pattern in CACHES)}
        if here == root:
            left |= {n for n in names if any(fnmatch.fnmatch(n, pattern) for pattern in RUN_TIME)}
        if here == root / "autograded":
            left |= {n for n in names if n != "README.md"}
        return left
    return ignore


def pytest_run(copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, str, str]:
    """Run pytest on TESTS in the copy: ("passed" | "failed" | "timeout" | "error rc", first failure or summary,
    pytest's output)."""
    env = {**os.environ, "PYTHONPATH": str(copy / "toolkit"), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    process = subprocess.Popen(command, cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
        return "timeout", f"no result after {timeout:.0f} s", out
    lines = out.strip().splitlines()
    failed = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    summary = lines[-1].strip("= ") if lines else ""
    if process.returncode == 0:
        return "passed", summary, out
    if process.returncode == 1:
        return "failed", failed[0] if failed else summary, out
    return f"error {process.returncode}", summary, out


def check_copy(copy: Path) -> None:
    """Stop unless the copy's package is the one Python imports there."""
    env = {**os.environ, "PYTHONPATH": str(copy / "toolkit"), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", "import caseloop; print(caseloop.__file__)"], cwd=copy, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the copy's package does not import:\n{done.stderr}")
    found = done.stdout.strip()
    if not Path(found).is_relative_to(copy):
        sys.exit(f"the copy's package is not the one imported ({found}); is caseloop installed non-editable?")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run only mutants whose file or name contains this text")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pytest run (default 900)")
    parser.add_argument("--exclude", action="append", default=[], metavar="TEXT",
                        help="leave out test files whose path contains TEXT (repeatable), to see what the rest catch")
    parser.add_argument("--list", action="store_true", help="list the mutants and their test files, run nothing")
    args = parser.parse_args()
    mutants = [replace(m, tests=tuple(t for t in m.tests if not any(text in t for text in args.exclude)))
               for m in MUTANTS if not args.only or args.only.lower() in f"{m.file} {m.name}".lower()]
    if args.list:
        for mutant in mutants:
            print(f"{mutant.file:24} {mutant.name:55} {' '.join(mutant.tests)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="caseloop-mutation-") as scratch:
        copy = Path(scratch) / "repo"
        shutil.copytree(REPO, copy, ignore=_ignore(REPO))
        for mutant in mutants:
            count = (copy / PACKAGE / mutant.file).read_text(encoding="utf-8").count(mutant.old)
            if count != 1:
                sys.exit(f"mutant {mutant.name!r}: its text occurs {count} times in {mutant.file}; it must occur once")
            missing = [t for t in mutant.tests if not (copy / t).is_file()]
            if missing:
                sys.exit(f"mutant {mutant.name!r}: no test file {', '.join(missing)}")
        check_copy(copy)
        every = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
        start = time.monotonic()
        outcome, detail, output = pytest_run(copy, every, args.timeout)
        if outcome != "passed":
            tail = "\n".join(output.strip().splitlines()[-40:])
            print(f"{tail}\n\nthe unmutated copy does not pass ({outcome}): {detail}", file=sys.stderr)
            return 2
        print(f"unmutated copy passes {len(every)} test files ({detail}; {time.monotonic() - start:.0f} s)")
        caught = 0
        width = max(len(m.name) for m in mutants)
        for number, mutant in enumerate(mutants, 1):
            path = copy / PACKAGE / mutant.file
            original = path.read_text(encoding="utf-8")
            path.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
            start = time.monotonic()
            try:
                outcome, detail, _ = (pytest_run(copy, mutant.tests, args.timeout) if mutant.tests
                                      else ("passed", "no test file left to run", ""))
            finally:
                path.write_text(original, encoding="utf-8")
            hit = outcome != "passed"
            caught += hit
            detail = re.sub(r"\s+", " ", detail if outcome in ("passed", "failed") else f"{outcome}: {detail}")[:110]
            print(f"{number:2}. {'caught' if hit else 'MISSED'}  {mutant.name:{width}}  "
                  f"{time.monotonic() - start:5.1f} s  {detail}", flush=True)
    print(f"caught {caught} of {len(mutants)}")
    return 0 if caught == len(mutants) else 1


if __name__ == "__main__":
    sys.exit(main())
