"""`caseloop demo`: two cohorts through the whole curriculum over simulated weeks, in a fresh workspace.

The workspace is a copy of the course's source, cases and config, never the course itself. Each
module of the curriculum, in order, is released through nbgrader; every trainee still in the
programme fetches it, answers as their profile writes (fast, steady, struggling; one who breaks
a red line, one who drops out, one whose upload is cut short) and submits through the exchange in
the module's simulated week; the batch is collected, stamped with that week and autograded (m08 in
the bubblewrap sandbox). A mentor scores the final assessment's rubric in the gradebook as the
formgrader does; then compile, report, the KPI report (the packaged sample) and revise run.
answers.csv records every simulated answer with the trainee's profile and variant.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from caseloop.course import Course
from caseloop.demo.answers import (
    AnswerCell,
    answer_cells,
    pick_variant,
    plant_items,
    simulated_answer,
    submit_answers,
    survey_answer,
)
from caseloop.notebook import answer_variable

PLANTED_IN = "m01"
COHORTS = 2
COHORT_GAP_WEEKS = 4
KPI_SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "demo-kpis.csv"
# What the red-line trainee adds to every reply of one module: an e-mail address, a review bought
# with a gift card and shouting, each against Amazon's messaging and review policies.
RED_LINE = ("\n\nIF THIS HAPPENS AGAIN, email me directly at lena.wu.store@gmail.com!! And if you leave us a "
            "5-star review, we will send you a $10 gift card.")


@dataclass(frozen=True)
class Profile:
    """How one kind of trainee works: how often right at first and per module done, and when they submit."""

    name: str
    ability: float                  # chance of a correct answer on the first module
    growth: float                   # added to it with every module done
    submit_day: int                 # day of the module's week the trainee submits (0 = Monday)
    stops_after: str | None = None  # the last module a trainee who drops out submits
    red_line_in: str | None = None  # the module whose replies break Amazon's red lines
    malformed: str | None = None    # the module whose upload is cut short
    mentor_waits: bool = False      # the mentor has not reviewed their work yet


PROFILES = {p.name: p for p in (
    Profile("fast", 0.9, 0.02, 0),
    Profile("steady", 0.62, 0.03, 2),
    Profile("struggling", 0.3, 0.015, 5),
    Profile("red_line", 0.7, 0.02, 2, red_line_in="m04"),
    Profile("dropout", 0.45, 0.0, 4, stops_after="m01"),
    Profile("malformed", 0.65, 0.025, 3, malformed="m02"),
    Profile("late_review", 0.55, 0.02, 6, mentor_waits=True),
)}
# One cohort's mix; the special profiles appear once in the whole programme.
COHORT_MIX = [["fast"] * 3 + ["steady"] * 7 + ["struggling"] * 3 + ["red_line", "dropout", "late_review"],
              ["fast"] * 4 + ["steady"] * 8 + ["struggling"] * 3 + ["malformed"]]
MENTOR_COMMENTS = {1.0: "回复得体，共情到位 / a fitting reply, the buyer's feelings acknowledged",
                   0.5: "方案对了，语气和称呼还要更贴近买家 / the fix is right; tone and address need work",
                   0.0: "这封回复不能发出 / this reply could not be sent"}


@dataclass(frozen=True)
class Trainee:
    """One simulated trainee: id, cohort (its start date), profile and their own ability."""

    id: str
    cohort: date
    profile: Profile
    ability: float

    def ability_after(self, done: int) -> float:
        """The chance of a correct answer once `done` modules are behind them."""
        return min(0.98, self.ability + self.profile.growth * done)


def roster(first_start: date, seed: int) -> list[Trainee]:
    """Both cohorts' trainees, numbered in order; abilities spread a little around their profile's."""
    rng = random.Random(seed)
    trainees = []
    for index, mix in enumerate(COHORT_MIX):
        start = first_start + timedelta(weeks=COHORT_GAP_WEEKS * index)
        for name in mix:
            profile = PROFILES[name]
            ability = round(min(0.97, max(0.1, profile.ability + rng.uniform(-0.06, 0.06))), 2)
            trainees.append(Trainee(f"trainee{len(trainees) + 1:02d}", start, profile, ability))
    return trainees


def submits(trainee: Trainee, module: str, modules: list[str]) -> bool:
    """Whether the trainee hands in MODULE: everyone does, up to a dropout's last module."""
    stop = trainee.profile.stops_after
    return stop is None or modules.index(module) <= modules.index(stop)


def submitted_at(trainee: Trainee, week: int, rng: random.Random) -> datetime:
    """When the trainee submits the module of `week`: their profile's day of that week, in working hours."""
    day = datetime.combine(trainee.cohort, datetime.min.time(), UTC) + timedelta(weeks=week)
    return day + timedelta(days=trainee.profile.submit_day, hours=rng.randint(9, 17), minutes=rng.randint(0, 59))


def trainee_answer(cell: AnswerCell, trainee: Trainee, module: str, done: int,
                   rng: random.Random) -> tuple[str, str]:
    """(variant, text) one trainee writes in one answer cell of MODULE after `done` modules."""
    if trainee.profile.red_line_in == module and cell.kind == "reply":
        return "red_line", cell.solution + RED_LINE
    variant = pick_variant(trainee.ability_after(done), cell.kind, rng)
    return variant, simulated_answer(cell, variant, rng)


def submit_module(ws: Course, module: str, week: int, trainees: list[Trainee], done: dict[str, int],
                  rng: random.Random, rows: list[dict]) -> dict[str, datetime]:
    """Every trainee in TRAINEES fetches, answers and submits MODULE; returns when each submitted."""
    cells = answer_cells(ws, module)
    stamps = {}
    for trainee in trainees:
        answers = {}
        for cell in cells:
            variant, text = trainee_answer(cell, trainee, module, done[trainee.id], rng)
            answers[cell.var] = text
            rows.append({"trainee": trainee.id, "cohort": trainee.cohort.isoformat(), "profile": trainee.profile.name,
                         "module": module, "notebook": cell.notebook, "var": cell.var, "kind": cell.kind,
                         "variant": variant, "answer": text})
        ability = trainee.ability_after(done[trainee.id])

        def answer(notebook: str, var: str, tags: dict, released: str, answers: dict = answers,
                   ability: float = ability) -> str | None:
            """The trainee's answer to an answer cell, or to a survey cell of the module."""
            if "answer" in tags:
                return answers.get(var)
            return survey_answer(tags["survey"], ability, rng) if "survey" in tags else None

        malformed = trainee.profile.malformed == module
        submit_answers(ws, module, trainee.id, answer, truncate_at=2000 if malformed else None)
        if malformed:
            for row in rows[-len(cells):]:
                row["variant"] = "malformed"
        stamps[trainee.id] = submitted_at(trainee, week, rng)
        done[trainee.id] += 1
    return stamps


def stamp(ws: Course, module: str, stamps: dict[str, datetime]) -> None:
    """Date each collected submission in its simulated week, as nbgrader's exchange writes timestamps."""
    for trainee, when in stamps.items():
        path = ws.submission_dir(trainee, module) / "timestamp.txt"
        path.write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), encoding="utf-8")


def mentor_review(ws: Course, module: str, trainees: list[Trainee], rows: list[dict], rng: random.Random) -> int:
    """A mentor scores MODULE's rubric and the replies the grader was unsure of, in the gradebook.

    Each rubric criterion gets full, half or no points by how the reply was written (a red-line or
    wrong reply fails tone); an unsure autograde is confirmed. Trainees whose profile says the
    mentor waits are left for later. Returns how many cells were scored.
    """
    import nbformat
    from nbgrader.api import MissingEntry

    from caseloop.course.gradebook import opened

    reply_of_case, rubric = {}, {}  # case -> the reply's variable; rubric grade id -> (case, criterion)
    for path in ws.source_notebooks(module):
        for cell in nbformat.read(path, as_version=4).cells:
            tags = cell.metadata.get("caseloop", {})
            if tags.get("answer") == "reply":
                reply_of_case[tags["case"]] = answer_variable(cell)
            if "rubric" in tags:
                rubric[cell.metadata["nbgrader"]["grade_id"]] = tags["case"], tags["rubric"]
    variants = {(r["trainee"], r["var"]): r["variant"] for r in rows if r["module"] == module}
    scored = 0
    with opened(ws) as gradebook:
        for trainee in trainees:
            if trainee.profile.mentor_waits:
                continue
            try:
                submission = gradebook.find_submission(module, trainee.id)
            except MissingEntry:  # not submitted, or a malformed notebook: nothing graded to review
                continue
            for notebook in submission.notebooks:
                comments = {c.name: c for c in notebook.comments}
                for grade in notebook.grades:
                    if not grade.needs_manual_grade:
                        continue
                    if grade.name in rubric:
                        case, criterion = rubric[grade.name]
                        share = mentor_share(criterion, variants.get((trainee.id, reply_of_case[case]), "blank"), rng)
                        grade.manual_score = share * grade.max_score
                        comments[grade.name].manual_comment = MENTOR_COMMENTS[share]
                    else:
                        grade.manual_score = grade.auto_score
                    grade.needs_manual_grade = False
                    scored += 1
        gradebook.db.commit()
    return scored


def mentor_share(criterion: str, variant: str, rng: random.Random) -> float:
    """The share of a rubric criterion a mentor gives a reply written as `variant`."""
    if variant in {"blank", "malformed"}:
        return 0.0
    if variant in {"wrong", "red_line"}:
        return 0.0 if criterion == "tone" else 0.5
    if variant == "partial":
        return 0.5
    return 0.5 if rng.random() < 0.15 else 1.0


def write_manifest(ws: Course, rows: list[dict], trainees: list[Trainee]) -> Path:
    """answers.csv (every simulated answer) and reports/cohorts.csv (each trainee's cohort)."""
    manifest = ws.root / "answers.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    ws.reports_dir.mkdir(parents=True, exist_ok=True)
    with (ws.reports_dir / "cohorts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["trainee", "cohort", "profile"])
        writer.writerows([t.id, t.cohort.isoformat(), t.profile.name] for t in trainees)
    return manifest


def run(course: Course, workspace: Path, seed: int = 2026, lang: str = "zh", today: date | None = None,
        echo: Callable[[str], None] = print, progress: Callable = lambda items, **_: items) -> dict[str, Path]:
    """The whole programme for two simulated cohorts in `workspace`; returns the paths of what it wrote."""
    from caseloop import compile as compile_stage
    from caseloop import grade, release, report, revise

    started = time.monotonic()
    modules = [m.id for m in course.curriculum().modules]
    today = today or date.today()
    weeks = len(modules) + COHORT_GAP_WEEKS * (COHORTS - 1)
    first_start = today - timedelta(days=today.weekday(), weeks=weeks)
    steps = len(modules) + 3

    def step(number: int, text: str) -> None:
        echo(f"[{number}/{steps} · {time.monotonic() - started:4.0f}s] {text}")

    step(1, f"new workspace {workspace} (a copy of source/, cases/ and nbgrader_config.py)")
    ws = course.copy_to(workspace)
    plant_items(ws, PLANTED_IN)
    rng = random.Random(seed)
    trainees = roster(first_start, seed)
    done = dict.fromkeys((t.id for t in trainees), 0)
    rows: list[dict] = []
    for week, module in enumerate(modules):
        active = [t for t in trainees if submits(t, module, modules)]
        step(week + 2, f"week {week + 1}: {module} released, {len(active)} trainees submit, collect, autograde")
        release.release(ws, module)
        stamps = submit_module(ws, module, week, active, done, rng, rows)
        grade.collect(ws, module)
        stamp(ws, module, stamps)
        results = grade.grade(ws, module, progress=lambda items, total, desc=module: progress(items, desc=desc,
                                                                                               total=total))
        for result in results:
            if result.status != grade.GRADED:
                echo(f"  ! {result.trainee} {module}: {result.status}")
        scored = mentor_review(ws, module, trainees, rows, rng)
        if scored:
            echo(f"  mentor scored {scored} cells of {module} in the gradebook")
    manifest = write_manifest(ws, rows, trainees)
    step(steps, "compile, reports, KPI report and the revision backlog")
    grades, grades_path = compile_stage.compile_course(ws)
    cohort_path, trainee_paths = report.write_reports(ws, grades, lang=lang)
    kpi_path, _, _ = report.write_kpi_report(ws, grades, KPI_SAMPLE, lang=lang)
    revised = revise.revise(ws, grades)
    echo(f"done in {time.monotonic() - started:.0f}s; open {cohort_path} first")
    return {"workspace": ws.root, "answers": manifest, "grades": grades_path, "cohort report": cohort_path,
            "trainee reports": trainee_paths[0].parent, "KPI report": kpi_path,
            "revision backlog": revised.paths["backlog"]}
