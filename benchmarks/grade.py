"""Benchmark: `caseloop grade` against plain `nbgrader autograde` on the same batch, in one run.

m01 (literal answers): builds a batch of simulated submissions (varied quality: correct, partial,
wrong, blank, one malformed), collects it once, copies the course twice, then grades one copy with
`nbgrader autograde m01` and the other with `caseloop grade m01`, each as its own process. It
checks that the gradebook scores and the autograded notebooks agree, and prints both wall times,
their ratio, the time per submission against the floor (the test cells' own execution time) and
the peak memory of each whole process tree.

m08 (pandas code answers): a batch of submissions (model code, some answers blank, wrong values,
blank, one malformed) graded three ways: plain `nbgrader autograde m08` with nbgrader's own
Autograde steps (every notebook in a Jupyter kernel with the grader's rights, as code modules were
graded before the sandbox), `caseloop grade m08 --workers 1` (the same one-at-a-time order, every
notebook in a bubblewrap sandbox, the test cells outside it) and `caseloop grade m08` (one worker
per core). It checks that every graded cell scores the same and prints the cost per submission of
each, and the sandbox's cost over the kernel path.

    python benchmarks/grade.py [--module m01|m08|all] [--submissions 200] [--m08-submissions 40] [--workdir DIR]
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
from caseloop.notebook import answer_variable, is_helper_cell, without_solution_markers

REPO = Path(__file__).resolve().parent.parent
MODULE = "m01"
CODE_MODULE, CODE_NOTEBOOK = "m08", "ticket_analytics.ipynb"
# nbgrader's own Autograde steps (its defaults), written into a copy's nbgrader_config.py: the kernel path.
NBGRADER_STEPS = """
c.Autograde.sanitize_preprocessors = ["nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec", "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata"]
c.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute", "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata"]
"""


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


def gradebook_scores(course: Course, module: str = MODULE) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook

    scores = {}
    with warnings.catch_warnings(), Gradebook(course.db_url()) as gradebook:
        warnings.simplefilter("ignore")
        for submission in gradebook.assignment_submissions(module):
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
    parser.add_argument("--module", choices=["m01", "m08", "all"], default="all")
    parser.add_argument("--submissions", type=int, default=200, help="m01 submissions")
    parser.add_argument("--m08-submissions", type=int, default=40, help="m08 submissions")
    parser.add_argument("--workdir", type=Path, help="where to build the batch (default: a temporary folder)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="caseloop-bench-"))
    status = 0
    if args.module in ("m01", "all"):
        status |= bench_literal(args.submissions, workdir / "m01")
    if args.module in ("m08", "all"):
        status |= bench_code(args.m08_submissions, workdir / "m08")
    return status


def bench_literal(submissions: int, workdir: Path) -> int:
    """m01: nbgrader autograde against caseloop grade, literal answers."""
    bin_dir = Path(sys.executable).parent
    args = argparse.Namespace(submissions=submissions)
    print(f"building {args.submissions} submissions of {MODULE} in {workdir} ...", flush=True)
    course = Course.at(REPO).copy_to(workdir / "batch")
    release.release(course, MODULE)
    demo.submit_cohort(course, MODULE, args.submissions, seed=7)
    grade.collect(course, MODULE)
    baseline_course = Course.at(Path(shutil.copytree(course.root, workdir / "nbgrader")))
    caseloop_course = Course.at(Path(shutil.copytree(course.root, workdir / "caseloop")))
    with (baseline_course.root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(NBGRADER_STEPS)  # plain nbgrader: its own steps, every notebook in a kernel

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


def code_submission(course: Course, variant: str, index: int) -> nbformat.NotebookNode:
    """A released m08 notebook answered as VARIANT: model code, half of it, wrong values, or blank."""
    source = nbformat.read(course.source_dir / CODE_MODULE / CODE_NOTEBOOK, as_version=4)
    model = {answer_variable(c): without_solution_markers(c.source) for c in source.cells
             if c.metadata.get("caseloop", {}).get("answer")}
    nb = nbformat.read(course.release_dir / CODE_MODULE / CODE_NOTEBOOK, as_version=4)
    for number, cell in enumerate(c for c in nb.cells if c.metadata.get("caseloop", {}).get("answer")):
        variable = answer_variable(cell)
        if variant == "correct" or (variant == "partial" and (number + index) % 2 == 0):
            cell.source = model[variable]
        elif variant == "wrong":
            cell.source = f"{variable} = None"
    return nb


def bench_code(submissions: int, workdir: Path) -> int:
    """m08: plain nbgrader autograde (kernels) against caseloop grade (sandbox), code answers."""
    bin_dir = Path(sys.executable).parent
    print(f"building {submissions} submissions of {CODE_MODULE} in {workdir} ...", flush=True)
    course = Course.at(REPO).copy_to(workdir / "batch")
    release.release(course, CODE_MODULE)
    variants = ["correct", "partial", "correct", "wrong", "partial", "blank"]
    for index in range(submissions):
        folder = course.submitted_dir / f"trainee{index + 1:03d}" / CODE_MODULE
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-04-03 10:00:00.000000 UTC")
        text = nbformat.writes(code_submission(course, variants[index % len(variants)], index))
        (folder / CODE_NOTEBOOK).write_text(text[:2000] if index == submissions - 1 else text, encoding="utf-8")
    copies = {}
    for name in ("nbgrader", "caseloop-1", "caseloop"):
        copies[name] = Course.at(Path(shutil.copytree(course.root, workdir / name)))
    with (copies["nbgrader"].root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(NBGRADER_STEPS)
    runs = {
        "nbgrader": ("plain nbgrader autograde (kernel, grader's rights)", [str(bin_dir / "nbgrader"), "autograde",
                                                                           CODE_MODULE]),
        "caseloop-1": ("caseloop grade --workers 1 (sandbox)", [str(bin_dir / "caseloop"), "grade", CODE_MODULE,
                                                                "--workers", "1"]),
        "caseloop": (f"caseloop grade ({os.cpu_count()} workers, sandbox)", [str(bin_dir / "caseloop"), "grade",
                                                                            CODE_MODULE]),
    }
    measured = {}
    for name, (label, command) in runs.items():
        print(f"grading with {label} ...", flush=True)
        measured[name] = run_measured(command, copies[name].root)
    scores = {name: gradebook_scores(copy, CODE_MODULE) for name, copy in copies.items()}
    unreadable = {r.trainee for r in grade.batch_results(copies["caseloop"], CODE_MODULE)
                  if r.status not in grade.SCORED}
    differing = sorted(k for k in scores["nbgrader"].keys() | scores["caseloop"].keys() if k[0] not in unreadable
                       and not (scores["nbgrader"].get(k) == scores["caseloop"].get(k) == scores["caseloop-1"].get(k)))
    n = submissions
    print()
    print(f"{CODE_MODULE} submissions        {n} ({len(scores['caseloop'])} graded cells scored by caseloop, "
          f"{len(unreadable)} unreadable)")
    for name, (label, _) in runs.items():
        elapsed, peak, status = measured[name]
        print(f"{label:<48} {elapsed:7.1f} s   {elapsed / n * 1000:7.0f} ms/submission   peak {peak:6.0f} MB   "
              f"exit {status}")
    extra = (measured["caseloop-1"][0] - measured["nbgrader"][0]) / n * 1000
    print(f"sandbox cost over the kernel path, one at a time: {extra:+.0f} ms/submission (limit +150)")
    boxed, bare = sandbox_start_up()
    print(f"bubblewrap itself: a sandbox starts, runs one cell and ends in {boxed:.0f} ms, the same runner without "
          f"bubblewrap in {bare:.0f} ms ({boxed - bare:+.0f} ms per sandbox)")
    print(f"scores agree            {not differing} ({len(differing)} cells differ)")
    for key in differing[:5]:
        print(f"  score {key}: nbgrader {scores['nbgrader'].get(key)} caseloop {scores['caseloop'].get(key)} "
              f"caseloop --workers 1 {scores['caseloop-1'].get(key)}")
    # nbgrader exits 1 when any submission fails (the malformed one); caseloop only when a batch cannot run
    return 0 if not differing and extra <= 150 and measured["caseloop"][2] == measured["caseloop-1"][2] == 0 else 1


def sandbox_start_up(rounds: int = 10) -> tuple[float, float]:
    """Median ms to start caseloop's runner, run `1 + 1` and end it: in bubblewrap, and without it."""
    import json
    import statistics

    from caseloop.sandbox.bwrap import Sandbox

    def boxed() -> None:
        with Sandbox({}) as box:
            box.run("1 + 1")

    package_root = str(Path(__file__).resolve().parent.parent / "toolkit")
    launch = (f"import sys; sys.path.insert(0, {package_root!r}); from caseloop.sandbox.runner import main; main()")

    def bare() -> None:
        process = subprocess.Popen([sys.executable, "-I", "-B", "-X", "utf8", "-c", launch, "{}"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        process.stdout.readline()
        process.stdin.write(json.dumps({"op": "run", "source": "1 + 1"}).encode() + b"\n")
        process.stdin.flush()
        process.stdout.readline()
        process.stdin.close()
        process.wait()

    times = {}
    for name, start in (("boxed", boxed), ("bare", bare)):
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            start()
            samples.append((time.perf_counter() - started) * 1000)
        times[name] = statistics.median(samples)
    return times["boxed"], times["bare"]


if __name__ == "__main__":
    raise SystemExit(main())
