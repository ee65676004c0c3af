"""The loop on one module (`caseloop demo --module m01`): a cohort of one release, in seconds.

The workspace is a copy of the course's source, cases and config, never the course itself. A
simulated cohort fetches the released module from the exchange, answers (correct, partly
correct, wrong, blank, one malformed notebook) and submits through nbgrader's own exchange; then
the real stages run: collect, autograde, compile, report, revise. Every simulated answer is
recorded in answers.csv so the results can be checked against what each trainee gave.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from pathlib import Path

from caseloop.course import Course
from caseloop.demo.answers import (
    answer_cells,
    pick_variant,
    plant_items,
    simulated_answer,
    submit_answers,
    survey_answer,
)

DEMO_MODULE = "m01"
COHORT_SIZE = 32


def cohort(size: int, seed: int) -> list[tuple[str, float]]:
    """Trainee ids with abilities: one model trainee, one who leaves everything blank, the rest spread."""
    rng = random.Random(seed)
    abilities = [1.0, 0.0] + [round(rng.uniform(0.15, 0.95), 2) for _ in range(size - 2)]
    return [(f"trainee{i + 1:02d}", ability) for i, ability in enumerate(abilities)]


def submit_cohort(course: Course, module: str, size: int, seed: int,
                  progress: Callable = lambda items: items) -> Path:
    """Every simulated trainee fetches MODULE, answers and submits it; returns answers.csv.

    The last trainee's notebook is truncated on disk after answering, as a crashed upload would
    leave it, so the batch meets one malformed submission.
    """
    cells = answer_cells(course, module)
    rng = random.Random(seed)
    rows = []
    trainees = cohort(size, seed)
    for index, (trainee, ability) in enumerate(progress(trainees)):
        answers = {}
        for cell in cells:
            variant = pick_variant(ability, cell.kind, rng)
            answers[cell.var] = simulated_answer(cell, variant, rng)
            rows.append({"trainee": trainee, "ability": ability, "notebook": cell.notebook, "var": cell.var,
                         "kind": cell.kind, "variant": variant, "answer": answers[cell.var]})

        def answer(notebook: str, var: str, tags: dict, released: str, answers: dict = answers,
                   trainee: str = trainee, ability: float = ability) -> str | None:
            """The simulated answer; a survey answer, or an answer left as released, noted in the manifest."""
            if "answer" in tags and var in answers:
                return answers[var]
            if "survey" not in tags and "planted" not in tags:
                return None
            text = survey_answer(tags["survey"], ability, rng) if "survey" in tags else released
            rows.append({"trainee": trainee, "ability": ability, "notebook": notebook, "var": var,
                         "kind": f"survey:{tags['survey']}" if "survey" in tags else "as released",
                         "variant": "survey" if "survey" in tags else "as released", "answer": text})
            return text

        malformed = index == len(trainees) - 1
        submit_answers(course, module, trainee, answer, truncate_at=2000 if malformed else None)
        if malformed:
            for row in rows:
                if row["trainee"] == trainee:
                    row["variant"] = "malformed"
    manifest = course.root / "answers.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def run_module(course: Course, workspace: Path, size: int = COHORT_SIZE, seed: int = 2026, lang: str = "zh",
               echo: Callable[[str], None] = print,
               progress: Callable = lambda items, **_: items) -> dict[str, Path]:
    """The loop on DEMO_MODULE for one simulated cohort in `workspace`; returns the paths of what it wrote."""
    from caseloop import compile as compile_stage
    from caseloop import grade, release, report, revise

    started = time.monotonic()

    def step(number: int, text: str) -> None:
        echo(f"[{number}/6 · {time.monotonic() - started:4.0f}s] {text}")

    step(1, f"new workspace {workspace} (a copy of source/, cases/ and nbgrader_config.py)")
    ws = course.copy_to(workspace)
    step(2, f"plant a reversed key and a trivial question; release {DEMO_MODULE} through nbgrader")
    plant_items(ws, DEMO_MODULE)
    release.release(ws, DEMO_MODULE)
    step(3, f"{size} simulated trainees fetch {DEMO_MODULE}, answer and submit through the exchange")
    manifest = submit_cohort(ws, DEMO_MODULE, size, seed, progress=lambda items: progress(items, desc="submit"))
    step(4, "collect and autograde with nbgrader")
    grade.collect(ws, DEMO_MODULE)
    results = grade.grade(ws, DEMO_MODULE, progress=lambda items, total: progress(items, desc="grade", total=total))
    for result in results:
        if result.status != grade.GRADED:
            echo(f"  ! {result.trainee}: {result.status}: {result.detail}")
    step(5, "compile the gradebook into the tidy grade table")
    grades, grades_path = compile_stage.compile_course(ws)
    step(6, "write competency reports and the revision backlog")
    cohort_path, trainee_paths = report.write_reports(ws, grades, lang=lang)
    revised = revise.revise(ws, grades)
    for entry in revised.backlog.head(3).itertuples():
        echo(f"  backlog #{entry.rank}: {entry.module} {entry.cell or ''} {entry.flag_text} "
             f"({entry.statistic} {entry.value:g}, impact {entry.impact:g})")
    echo(f"done in {time.monotonic() - started:.0f}s")
    return {"workspace": ws.root, "answers": manifest, "grades": grades_path, "cohort report": cohort_path,
            "trainee reports": trainee_paths[0].parent, "revision backlog": revised.paths["backlog"],
            "revision backlog (csv)": revised.paths["backlog csv"]}
