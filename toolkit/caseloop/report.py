"""Report stage: competency scores from the grade table, as per-trainee and cohort HTML reports.

Scoring is pure functions over the tidy grade table (see `caseloop.compile.GRADE_COLUMNS`); only
`write_reports` touches files. A cell tagged with several competencies counts towards each.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from caseloop.course import Course, Curriculum
from caseloop.grade import GRADED, read_batch_status

SCORE_COLUMNS = ["trainee", "competency", "score", "max_score", "items", "share", "level"]


def latest_attempts(grades: pd.DataFrame) -> pd.DataFrame:
    """Each trainee's most recent attempt at each graded cell."""
    last = grades.groupby(["trainee", "module", "notebook", "cell"])["attempt"].transform("max")
    return grades[grades["attempt"] == last]


def competency_scores(grades: pd.DataFrame, curriculum: Curriculum) -> pd.DataFrame:
    """Per trainee x competency: points earned and available on the latest attempts, share and level.

    `items` is how many graded cells the score rests on, so a reader can tell a share built on
    one question from one built on twenty.
    """
    long = latest_attempts(grades).assign(competency=lambda g: g["competency"].str.split(";")).explode("competency")
    scores = (long.groupby(["trainee", "competency"], as_index=False)
              .agg(score=("score", "sum"), max_score=("max_score", "sum"), items=("cell", "size")))
    scores["share"] = scores["score"] / scores["max_score"]
    scores["level"] = [curriculum.competencies[code].level(share) if code in curriculum.competencies else "unknown"
                       for code, share in zip(scores["competency"], scores["share"], strict=True)]
    return scores[SCORE_COLUMNS]


def module_results(grades: pd.DataFrame) -> pd.DataFrame:
    """Per trainee x module: points earned and available on the latest attempts."""
    totals = (latest_attempts(grades).groupby(["trainee", "module"], as_index=False)
              .agg(score=("score", "sum"), max_score=("max_score", "sum")))
    totals["share"] = totals["score"] / totals["max_score"]
    return totals


def weakest_items(grades: pd.DataFrame, trainee: str, limit: int = 5) -> pd.DataFrame:
    """A trainee's lowest-scoring cells on their latest attempts, with the checks they failed."""
    mine = latest_attempts(grades)
    mine = mine[mine["trainee"] == trainee].assign(share=lambda g: g["score"] / g["max_score"])
    return mine[mine["share"] < 1].sort_values(["share", "max_score"], ascending=[True, False]).head(limit)


def batch_status(course: Course) -> pd.DataFrame:
    """Every trainee's outcome in the last grade batch of each module (graded, malformed ...)."""
    rows = [row for path in sorted(course.reports_dir.glob("grade-*.csv")) for row in read_batch_status(path)]
    return pd.DataFrame(rows, columns=["trainee", "module", "status", "detail"])


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("caseloop", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["pct"] = lambda share: "—" if pd.isna(share) else f"{share:.0%}"
    env.filters["num"] = lambda value: "—" if pd.isna(value) else f"{value:g}"
    env.filters["esc"] = html.escape
    return env


def write_reports(course: Course, grades: pd.DataFrame, out_dir: Path | None = None) -> tuple[Path, list[Path]]:
    """Write the cohort report and one report per trainee; return their paths."""
    curriculum = course.curriculum()
    out_dir = out_dir or course.reports_dir
    scores = competency_scores(grades, curriculum)
    modules = module_results(grades)
    status = batch_status(course)
    trainees = sorted(set(grades["trainee"]) | set(status["trainee"]))
    env = _environment()
    common = {"curriculum": curriculum, "competencies": list(curriculum.competencies.values()), "graded": GRADED}

    trainee_dir = out_dir / "trainees"
    trainee_dir.mkdir(parents=True, exist_ok=True)
    trainee_paths = []
    template = env.get_template("trainee.html")
    for trainee in trainees:
        path = trainee_dir / f"{trainee}.html"
        path.write_text(template.render(
            trainee=trainee,
            scores={row.competency: row for row in scores[scores["trainee"] == trainee].itertuples()},
            modules=modules[modules["trainee"] == trainee].itertuples(),
            status=status[status["trainee"] == trainee].itertuples(),
            weakest=weakest_items(grades, trainee).itertuples(),
            **common), encoding="utf-8")
        trainee_paths.append(path)

    table = scores.pivot(index="trainee", columns="competency", values="share")
    cohort_mean = scores.groupby("competency")["share"].mean()
    cohort_path = out_dir / "cohort.html"
    cohort_path.write_text(env.get_template("cohort.html").render(
        trainees=trainees,
        table=table,
        levels=scores.set_index(["trainee", "competency"])["level"].to_dict(),
        items=scores.set_index(["trainee", "competency"])["items"].to_dict(),
        modules=modules.set_index(["trainee", "module"]).to_dict("index"),
        module_ids=sorted(set(modules["module"]) | set(status["module"])),
        status=status.set_index(["trainee", "module"]).to_dict("index"),
        cohort_mean=cohort_mean,
        weakest=cohort_mean.sort_values().head(2),
        **common), encoding="utf-8")
    scores.to_csv(out_dir / "competency-scores.csv", index=False)
    return cohort_path, trainee_paths
