"""A grading batch: every collected submission of a module, graded in parallel, safely.

A batch is safe to run and to interrupt:
- one grader at a time per module (a lock names who holds it), the gradebook backed up first;
- every submission is checked before nbgrader sees it, so a broken notebook is reported by name
  (file, problem, what to do) and never stops the batch;
- submissions are graded by worker processes forked from a warm parent (nbgrader loaded once),
  each with nbgrader's own Autograde pipeline as the course's nbgrader_config.py declares it;
- each outcome is appended to the grading journal (reports/grade-<module>.csv) as soon as it is
  known, so a killed batch resumes where it stopped: `caseloop grade MODULE` again grades what is
  not yet graded, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from caseloop.course import Course, CourseError, backups, gradebook, journal
from caseloop.course.journal import SCORED, WORKER_DIED, SubmissionResult
from caseloop.grade.submission import (
    GradeOptions,
    grade_on_cluster,
    grade_submission,
    now,
    start_worker,
    submitted_at,
    submitted_trainees,
)
from caseloop.release import nbgrader_reason

DEFAULT_OPTIONS = GradeOptions()


def pipeline_note(course: Course) -> str | None:
    """What to tell a grader whose course does not declare caseloop's grading steps, or None."""
    from caseloop.nbgrader_ext.pipeline import missing_steps

    missing = missing_steps(course.nbgrader_config())
    if not missing:
        return None
    return (f"note: {course.root / 'nbgrader_config.py'} does not declare {', '.join(missing)}; grading runs "
            "nbgrader's own steps (trainee code runs in a kernel, tampered tests are not flagged). To grade with "
            "caseloop's steps everywhere, add its Autograde lists (see README, 'One grading path').")


def runs_trainee_code(course: Course, module: str) -> bool:
    """Whether grading MODULE runs trainee cells (in the sandbox): it has code answers, or a notebook of it
    has nbgrader answer cells in code and no caseloop answer metadata (a course written without caseloop)."""
    import nbformat
    from nbgrader.utils import is_solution

    from caseloop.notebook import LITERAL_KINDS, answer_kind

    for path in course.source_notebooks(module):
        cells = nbformat.read(path, as_version=4).cells
        kinds = [answer_kind(cell) for cell in cells]
        if any(kind and kind not in LITERAL_KINDS for kind in kinds) or (
                not any(kinds) and any(cell.cell_type == "code" and is_solution(cell) for cell in cells)):
            return True
    return False


def refuse_without_sandbox(course: Course, module: str) -> None:
    """A code module is graded only where its trainee code can run in the sandbox; say how to get it."""
    from caseloop.nbgrader_ext.pipeline import missing_steps
    from caseloop.sandbox import bwrap

    if not runs_trainee_code(course, module) or "caseloop.nbgrader_ext.LiteralExecute" in missing_steps(
            course.nbgrader_config()):
        return
    reason = bwrap.unavailable()
    if reason:
        raise CourseError(f"{module} has code answers, and caseloop runs trainee code only inside a sandbox: "
                          f"{reason}. Nothing was graded.")


def collect(course: Course, module: str) -> list[str]:
    """Copy every trainee's latest submission of MODULE from the exchange into submitted/."""
    course.require_release_in_exchange(module)
    result = course.nbgrader_api().collect(module)
    if not result or not result.get("success"):
        raise CourseError(f"nbgrader could not collect {module}: {nbgrader_reason(result or {})}")
    return submitted_trainees(course, module)


# -- the batch -------------------------------------------------------------------------------


def pending(course: Course, module: str, trainees: list[str], regrade: bool) -> list[str]:
    """Trainees whose current submission has no final outcome yet from an earlier (possibly killed) batch."""
    if regrade:
        return trainees
    done = {row["trainee"]: row for row in journal.read_batch_status(journal.journal_path(course, module))
            if journal.settled(row)}
    return [t for t in trainees
            if t not in done or done[t]["submitted_at"] != submitted_at(course, module, t)
            or (done[t]["status"] in SCORED and not course.autograded_submission_dir(t, module).is_dir())]


def grade(
    course: Course,
    module: str,
    options: GradeOptions = DEFAULT_OPTIONS,
    progress: Callable[..., Iterable] = lambda items, total: items,
    on_result: Callable[[SubmissionResult], None] = lambda result: None,
) -> list[SubmissionResult]:
    """Autograde every collected submission of MODULE that has no scores yet; return every outcome.

    Raises CourseError only when the batch itself cannot run (lock held, nothing submitted, bad
    module); a submission that cannot be graded is an outcome in the list, not an error.
    """
    source_names = [p.name for p in course.source_notebooks(module)]
    refuse_without_sandbox(course, module)
    trainees = submitted_trainees(course, module)
    if not trainees:
        raise CourseError(f"{course.submitted_dir}: no submissions of {module}; run `caseloop collect {module}` first")
    status_path = journal.journal_path(course, module)
    status_path.parent.mkdir(parents=True, exist_ok=True)
    with gradebook.grading_lock(course, module):
        todo = pending(course, module, trainees, options.regrade)
        if todo:
            backups.check_before_batch(course, module, accept_smaller=options.accept_gradebook)
            gradebook.require_assignment(course, module)
            backups.back_up(course, module)
        for result in _run_pool(course, module, todo, source_names, options, status_path, progress):
            on_result(result)
        journal.compact(status_path)
        if todo:
            backups.back_up(course, module, when="after")
    outcomes = {result.trainee: result for result in journal.batch_results(course, module)}
    return [outcomes[t] for t in trainees if t in outcomes]


def _run_pool(course: Course, module: str, trainees: list[str], source_names: list[str], options: GradeOptions,
              status_path: Path, progress: Callable[..., Iterable]) -> Iterator[SubmissionResult]:
    """Grade `trainees` on forked workers, recording each outcome as it arrives."""
    if not trainees:
        return
    previous = {row["trainee"]: row for row in journal.read_batch_status(status_path)}
    if options.cluster:
        results = _run_cluster(course, module, trainees, source_names, options)
    else:
        results = _run_local(course, module, trainees, source_names, options)
    for result in progress(results, total=len(trainees)):
        result = journal.retried(result, previous.get(result.trainee))
        journal.append(status_path, result)
        yield result


def _pool(course: Course, options: GradeOptions, workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                               initializer=start_worker, initargs=(str(course.root), options))


def _run_local(course: Course, module: str, trainees: list[str], source_names: list[str],
               options: GradeOptions) -> Iterator[SubmissionResult]:
    """Outcomes from forked workers, as many submissions at a time as there are workers.

    A worker that dies (killed by the system or a signal) breaks the pool: the submissions it had
    in hand are graded again one at a time in a fresh worker, the others go on in a new pool, and a
    submission whose worker dies again is recorded as `worker died`.
    """
    import nbgrader.apps  # noqa: F401  (loaded once here, inherited by every forked worker)

    workers = max(1, min(options.workers, len(trainees)))
    queue = list(trainees)
    while queue:
        suspects: list[str] = []
        pool = _pool(course, options, workers)
        running: dict = {}
        try:
            while queue or running:
                while queue and len(running) < workers:
                    trainee = queue.pop(0)
                    running[pool.submit(grade_submission, module, trainee, source_names)] = trainee
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in finished:
                    trainee = running.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        suspects.append(trainee)
                        broken = True
                if broken:
                    suspects += running.values()
                    running = {}
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        for trainee in suspects:
            yield _alone(course, module, trainee, source_names, options)


def _alone(course: Course, module: str, trainee: str, source_names: list[str],
           options: GradeOptions) -> SubmissionResult:
    """Grade one submission in a worker of its own; if that worker dies too, say so."""
    pool = _pool(course, options, 1)
    try:
        return pool.submit(grade_submission, module, trainee, source_names).result()
    except BrokenProcessPool:
        folder = course.submission_dir(trainee, module)
        return SubmissionResult(trainee, module, WORKER_DIED,
                                f"{folder}: the grading process died while grading this submission, twice (killed "
                                "by the system, e.g. out of memory, or by a signal); the rest of the batch went on. "
                                f"When the machine is fine, grade it again with `caseloop grade {module} --regrade`",
                                submitted_at(course, module, trainee), now())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def watch(course: Course, module: str, options: GradeOptions = DEFAULT_OPTIONS, interval: float = 5.0,
          echo: Callable[[str], None] = print, rounds: int | None = None) -> None:
    """Collect and grade new submissions of MODULE as they arrive, until interrupted.

    Each round collects from the exchange and grades only what has no scores yet, so a trainee
    gets a score within about `interval` seconds plus the grading time of their submission.
    `rounds` bounds the number of rounds (None: until Ctrl-C).
    """
    import time

    echo(f"watching {module}: collecting and grading every {interval:g}s (Ctrl-C to stop)")
    done = 0
    try:
        while rounds is None or done < rounds:
            collect(course, module)
            if pending(course, module, submitted_trainees(course, module), regrade=False):
                grade(course, module, options, on_result=lambda r: echo(f"{now()}  {r.trainee}: {r.status} "
                                                                          f"{r.detail}".rstrip()))
            done += 1
            time.sleep(interval)
    except KeyboardInterrupt:
        echo(f"stopped watching {module}")


def _run_cluster(course: Course, module: str, trainees: list[str], source_names: list[str],
                 options: GradeOptions) -> Iterator[SubmissionResult]:
    """Grade `trainees` as tasks on a Dask cluster whose workers see the same course directory."""
    try:
        from distributed import Client
        from distributed import as_completed as cluster_completed
    except ImportError:
        raise CourseError("--cluster needs Dask's distributed package: pip install 'caseloop[cluster]'") from None
    try:
        client = Client(options.cluster, timeout=10)
    except OSError as err:
        raise CourseError(f"cannot reach the Dask scheduler at {options.cluster}: {err}; start it with "
                          "`dask scheduler` and workers with `dask worker ADDRESS --nthreads 1`") from None
    try:
        futures = [client.submit(grade_on_cluster, str(course.root), options, module, t, source_names,
                                 key=f"caseloop-grade-{module}-{t}-{now()}", pure=False) for t in trainees]
        for future in cluster_completed(futures):
            yield future.result()
    finally:
        client.close()
