"""Insight: which problems are most frequent, which product line complains most, where causes cluster."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from caseloop.cases.labels import MARKETS, OUTCOMES, PROBLEM_TYPES, ROOT_CAUSES, Labels
from caseloop.cases.library import Library
from caseloop.course import write_atomically

STAT_DIMENSIONS: dict[str, tuple[str, str, Labels | None]] = {
    "problem_type": ("问题类型", "problem type", PROBLEM_TYPES),
    "product_line": ("产品线", "product line", None),
    "market": ("站点", "market", MARKETS),
    "root_cause_category": ("根本原因", "root cause", ROOT_CAUSES),
    "outcome": ("处理结果", "outcome", OUTCOMES),
}
STAT_COLUMNS = ["dimension", "value", "label", "cases", "share", "resolved", "partial", "failed"]


def case_stats(frame: pd.DataFrame) -> pd.DataFrame:
    """Case counts per value of each dimension, with their share and outcome split, most frequent first."""
    tables = []
    for dimension, (_, _, labels) in STAT_DIMENSIONS.items():
        counts = pd.crosstab(frame[dimension], frame["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
        counts.columns.name = None
        counts["cases"] = counts.sum(axis=1)
        counts = counts.sort_values(["cases"], ascending=False, kind="stable").reset_index(names="value")
        counts["label"] = [" / ".join(labels[v]) if labels else v for v in counts["value"]]
        counts["share"] = counts["cases"] / max(len(frame), 1)
        tables.append(counts.assign(dimension=dimension))
    if not tables:
        return pd.DataFrame(columns=STAT_COLUMNS)
    return pd.concat(tables, ignore_index=True)[STAT_COLUMNS]


def stats_svg(stats: pd.DataFrame, dimension: str) -> str:
    """The bar chart of one dimension: a bar per value, as long as its case count, split by outcome."""
    from caseloop.report import charts

    zh, en, _ = STAT_DIMENSIONS[dimension]
    rows = stats[stats["dimension"] == dimension]
    return charts.bars([(row.label, [getattr(row, outcome) for outcome in OUTCOMES]) for row in rows.itertuples()],
                       [" ".join(OUTCOMES[outcome]) for outcome in OUTCOMES], title=f"{zh} / {en}")


def stats_html(stats: pd.DataFrame, total: int) -> str:
    """One self-contained page (report template case-stats.html): per dimension, a bar chart and its table.

    The report stage is imported here, when a page is drawn, so that reading the library does not load it.
    """
    from caseloop.report import environment

    sections = [{"zh": zh, "en": en, "chart": stats_svg(stats, dimension),
                 "rows": stats[stats["dimension"] == dimension].to_dict("records")}
                for dimension, (zh, en, _) in STAT_DIMENSIONS.items()]
    return environment("zh").get_template("case-stats.html").render(sections=sections, total=total,
                                                                    outcomes=OUTCOMES)


def write_stats(library: Library, out_dir: Path) -> tuple[pd.DataFrame, Path, Path]:
    """Statistics of the approved cases as CSV (for tools) and a self-contained HTML page with charts."""
    approved = library.frame[library.frame["state"] == "approved"]
    stats = case_stats(approved)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / "case-stats.csv", out_dir / "case-stats.html"
    write_atomically(csv_path, stats.to_csv(index=False))
    write_atomically(html_path, stats_html(stats, len(approved)))
    return stats, csv_path, html_path
