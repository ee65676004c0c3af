"""Benchmark: `caseloop grade` against plain `nbgrader autograde` on the same batch, in one run.

Builds a batch of simulated submissions of m01 (varied quality: correct, partial, wrong, blank,
one malformed), collects it once, copies the course twice, then grades one copy with
`nbgrader autograde m01` and the other with `caseloop grade m01`, each as its own process. It
checks that the gradebook scores and the autograded notebooks agree, and prints both wall times,
their ratio, the time per submission against the floor (the test cells' own execution time) and
the peak memory of each whole process tree.

    python benchmarks/grade.py [--submissions 200] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import nbformat
import psutil

from caseloop import demo, grade, release
from caseloop.course import Course
from caseloop.nbgrader_ext import LiteralExecute
from caseloop.notebook import is_helper_cell

REPO = Path(__file__).resolve().parent.parent
MODULE = "m01"


def run_measured(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Run a command; return wall seconds, peak RSS (MB) of its whole process tree, exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    status = process.wait()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return elapsed, peak, status


def gradebook_scores(course: Course) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook

    scores = {}
    with warnings.catch_warnings(), Gradebook(course.db_url()) as gradebook:
        warnings.simplefilter("ignore")
        for submission in gradebook.assignment_submissions(MODULE):
            for notebook in submission.notebooks:
                for cell in notebook.grades:
                    scores[submission.student.id, cell.name] = cell.score
    return scores


def notebook_view(path: Path) -> list:
    """What a mentor sees in an autograded notebook: sources, outputs, counts, metadata minus run times.

    A kernel may deliver one print as several stream chunks, depending on timing; adjacent chunks
    of the same stream are joined, as every notebook viewer shows them. The self-check and survey
    cells are compared by source only: nbgrader runs them, caseloop's grading never does.
    """
    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        metadata = {k: v for k, v in cell.metadata.items() if k != "execution"}
        outputs = []
        if is_helper_cell(cell):  # the self-check and survey cells are never run by caseloop's grading
            cells.append((cell.cell_type, cell.source, [], None, metadata))
            continue
        for output in cell.get("outputs", []):
            if outputs and output.output_type == "stream" and outputs[-1].get("name") == output.get("name"):
                outputs[-1] = {**outputs[-1], "text": outputs[-1]["text"] + output["text"]}
            else:
                outputs.append(dict(output))
        cells.append((cell.cell_type, cell.source, outputs, cell.get("execution_count"), metadata))
    return cells


def floor_seconds(course: Course) -> float:
    """Mean time per submission to run only the cells' own code (answers read, test cells run)."""
    paths = sorted(course.autograded_dir.glob(f"*/{MODULE}/*.ipynb"))
    executor = LiteralExecute()
    started = time.perf_counter()
    for path in paths:
        executor._run_in_process(nbformat.read(path, as_version=4))
    return (time.perf_counter() - started) / max(len(paths), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--workdir", type=Path, help="where to build the batch (default: a temporary folder)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="caseloop-bench-"))
    bin_dir = Path(sys.executable).parent

    print(f"building {args.submissions} submissions of {MODULE} in {workdir} ...", flush=True)
    course = demo.new_workspace(Course.at(REPO), workdir / "batch")
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, args.submissions, seed=7)
    grade.collect(course, MODULE)
    baseline_course = Course.at(Path(shutil.copytree(course.root, workdir / "nbgrader")))
    caseloop_course = Course.at(Path(shutil.copytree(course.root, workdir / "caseloop")))

    print("grading with nbgrader autograde ...", flush=True)
    base_time, base_peak, base_status = run_measured([str(bin_dir / "nbgrader"), "autograde", MODULE],
                                                     baseline_course.root)
    print("grading with caseloop grade ...", flush=True)
    fast_time, fast_peak, fast_status = run_measured([str(bin_dir / "caseloop"), "grade", MODULE],
                                                     caseloop_course.root)

    base_scores, fast_scores = gradebook_scores(baseline_course), gradebook_scores(caseloop_course)
    # nbgrader records a malformed submission as all zeros; caseloop records nothing for it and
    # reports its status instead. Scores are compared on every submission both graded.
    unreadable = {r.trainee for r in grade.batch_results(caseloop_course, MODULE)
                  if r.status not in grade.SCORED}
    differing_scores = sorted(k for k in base_scores.keys() | fast_scores.keys()
                              if k[0] not in unreadable and base_scores.get(k) != fast_scores.get(k))
    notebooks = sorted(p.relative_to(baseline_course.autograded_dir)
                       for p in baseline_course.autograded_dir.glob(f"*/{MODULE}/*.ipynb"))
    differing_notebooks = [p for p in notebooks
                           if not (caseloop_course.autograded_dir / p).is_file()
                           or notebook_view(baseline_course.autograded_dir / p)
                           != notebook_view(caseloop_course.autograded_dir / p)]
    floor = floor_seconds(caseloop_course)
    n = args.submissions

    print()
    print(f"submissions             {n} ({len(base_scores)} graded cells scored by nbgrader, "
          f"{len(fast_scores)} by caseloop)")
    print(f"nbgrader autograde      {base_time:7.1f} s   {base_time / n * 1000:7.0f} ms/submission   "
          f"peak {base_peak:6.0f} MB   exit {base_status}")
    print(f"caseloop grade          {fast_time:7.1f} s   {fast_time / n * 1000:7.0f} ms/submission   "
          f"peak {fast_peak:6.0f} MB   exit {fast_status}   ({os.cpu_count()} cores)")
    print(f"floor (cells' own code)            {floor * 1000:7.1f} ms/submission")
    print(f"speed-up                {base_time / fast_time:7.1f}x")
    print(f"scores agree            {not differing_scores} ({len(differing_scores)} cells differ; "
          f"{len(unreadable)} unreadable submission(s) reported by status, not scored: {sorted(unreadable)})")
    print(f"notebooks agree         {not differing_notebooks} ({len(differing_notebooks)} of {len(notebooks)} differ)")
    for key in differing_scores[:5]:
        print(f"  score {key}: nbgrader {base_scores.get(key)} caseloop {fast_scores.get(key)}")
    for path in differing_notebooks[:5]:
        print(f"  notebook differs: {path}")
    return 0 if not differing_scores and not differing_notebooks and fast_peak < 2048 else 1


if __name__ == "__main__":
    raise SystemExit(main())
