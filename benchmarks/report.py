"""Benchmark the report stage at company scale: 5,000 trainees x 8 modules x 40 graded cells.

Builds a synthetic grade table with the compiled table's columns (one attempt per cell, a second
attempt for one notebook in ten, mentor scores on the post-test's reply cells), then times:

1. scoring: every report table (mastery, gates and levels, learning paths, risk, gain, targets,
   trend, highlights, completion), against a baseline measured in the same run: one pandas
   groupby-sum of points per trainee x module, the least work any report over the table needs
   (both the fastest of three runs, with the median printed beside it);
2. rendering every per-trainee HTML report, against a baseline of writing the same bytes to the
   same number of files (the file-system floor);
3. the cohort report, the CSV and XLSX exports, and (when Debian's chromium is installed) how long
   a headless browser takes to open the cohort report;
4. peak memory (max resident set size of this process).

Targets: scoring < 10 s, 5,000 trainee reports < 120 s, peak memory < 2 GB, cohort report opens
in < 2 s. Run: python benchmarks/report.py [--trainees 5000 --modules 8 --cells 40]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from caseloop.compile import GRADE_COLUMNS
from caseloop.course import Course
from caseloop.report import cohort_tables, export_tables, render_cohort_report, render_trainee_reports

REPO = Path(__file__).resolve().parent.parent
MODULES = ["m00", "m01", "m02", "m03", "m05", "m06", "m07", "m08"]
TAGS = ["POL", "PRD", "COM;EMO", "DIA", "POL;DIA", "XCC;POL", "PRD;DIA", "COM"]
FAILURES = ["", "greeting", "apology;time", "number", "choice", "blame", "closing"]


def synthetic_grades(trainees: int, modules: int, cells: int, seed: int = 7) -> pd.DataFrame:
    """A grade table of `trainees` x `modules` x `cells` rows, plus second attempts for 10 % of notebooks."""
    rng = np.random.default_rng(seed)
    names = np.array([f"t{i:05d}" for i in range(trainees)])
    module_ids = np.array(MODULES[:modules])
    t_idx = np.repeat(np.arange(trainees), modules * cells)
    m_idx = np.tile(np.repeat(np.arange(modules), cells), trainees)
    c_idx = np.tile(np.arange(cells), trainees * modules)
    ability = rng.beta(4, 2, trainees)[t_idx]
    max_score = np.where(c_idx % 5 == 4, 3.0, 1.0)
    score = np.round(np.clip(rng.normal(ability, 0.25), 0, 1) * max_score * 2) / 2
    reply = (c_idx % 5 == 4) & (module_ids[m_idx] == "m08")
    start = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 120, trainees), unit="D")
    grades = pd.DataFrame({
        "trainee": names[t_idx], "module": module_ids[m_idx], "notebook": "exercises",
        "cell": np.char.add("c", c_idx.astype(str)), "competency": np.array(TAGS)[c_idx % len(TAGS)],
        "case": np.char.add("C-", (m_idx * 100 + c_idx // 2).astype(str)), "score": score, "max_score": max_score,
        "auto_score": score, "manual_score": np.where(reply, score, np.nan), "needs_manual_grade": False, "comment": "",
        "failures": np.where(score < max_score, np.array(FAILURES)[rng.integers(1, len(FAILURES), len(t_idx))], ""),
        "submitted_at": start.values[t_idx] + pd.to_timedelta(m_idx * 2, unit="D").values, "attempt": 1})
    notebooks = grades[["trainee", "module"]].drop_duplicates()
    again = notebooks.sample(frac=0.1, random_state=seed)
    retry = grades.merge(again, on=["trainee", "module"])
    retry = retry.assign(attempt=2, submitted_at=retry["submitted_at"] + pd.Timedelta(days=1),
                         score=np.minimum(retry["score"] + 0.5, retry["max_score"]))
    return pd.concat([grades, retry], ignore_index=True)[list(GRADE_COLUMNS)]


def timed(label: str, action, *args, repeat: int = 1, **kwargs):
    """Run `action` `repeat` times; print the fastest (and median) run; return the result and the fastest.

    The fastest of several runs is the least disturbed by other jobs on shared cores (as `timeit` does).
    """
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = action(*args, **kwargs)
        times.append(time.perf_counter() - started)
    median = f"   (median of {repeat}: {sorted(times)[repeat // 2]:.2f} s)" if repeat > 1 else ""
    print(f"  {label:<46} {min(times):8.2f} s{median}")
    return result, min(times)


def browser_open_seconds(path: Path) -> float | None:
    """Median of three: seconds until headless chromium has loaded the cohort report and drawn its heatmap.

    None without chromium or playwright.
    """
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not chromium.is_file():
        return None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=flags)
        times = []
        for _ in range(3):
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            page.locator("#heatmap svg").wait_for()
            times.append(time.perf_counter() - started)
            page.close()
        browser.close()
    return sorted(times)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=5000)
    parser.add_argument("--modules", type=int, default=8, choices=range(1, len(MODULES) + 1))
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--out", type=Path, help="output folder (default: a new temporary folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="caseloop-bench-"))
    curriculum = Course.at(REPO).curriculum()

    grades = synthetic_grades(args.trainees, args.modules, args.cells)
    print(f"grade table: {len(grades):,} rows ({args.trainees:,} trainees x {args.modules} modules x {args.cells} "
          f"cells, 10 % second attempts) -> {out}")

    print("scoring")
    _, floor = timed("baseline: groupby-sum per trainee x module", lambda: grades.groupby(
        ["trainee", "module"])[["score", "max_score"]].sum(), repeat=3)
    tables, scoring = timed("all report tables (mastery ... learning paths)", cohort_tables, grades, curriculum,
                            repeat=3)
    print(f"  ratio scoring / baseline: {scoring / floor:.1f}x   target < 10 s: {'met' if scoring < 10 else 'MISSED'}")

    print("per-trainee HTML reports")
    paths, rendering = timed(f"render {args.trainees:,} trainee reports", render_trainee_reports, tables,
                             curriculum, out)
    pages = [path.read_bytes() for path in paths]
    floor_dir = out / "io-floor"
    floor_dir.mkdir(exist_ok=True)
    _, io_floor = timed("baseline: write the same bytes to as many files",
                        lambda: [(floor_dir / f"{i}.html").write_bytes(page) for i, page in enumerate(pages)])
    print(f"  ratio rendering / baseline: {rendering / io_floor:.1f}x   "
          f"mean size {sum(map(len, pages)) / len(pages) / 1024:.1f} KiB   "
          f"target < 120 s: {'met' if rendering < 120 else 'MISSED'}")

    print("cohort report and exports")
    cohort, _ = timed("render the cohort report", render_cohort_report, tables, curriculum, out / "cohort.html")
    print(f"  cohort report size: {cohort.stat().st_size / 1024 / 1024:.1f} MiB")
    timed("export every table as CSV and cohort.xlsx", export_tables, tables, out)
    opened = browser_open_seconds(cohort)
    if opened is None:
        print("  browser: chromium or playwright not installed, open time not measured")
    else:
        print(f"  headless chromium opens the cohort report in {opened:.2f} s (median of 3)   "
              f"target < 2 s: {'met' if opened < 2 else 'MISSED'}")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MiB   target < 2048 MiB: {'met' if peak < 2048 else 'MISSED'}")


if __name__ == "__main__":
    main()
