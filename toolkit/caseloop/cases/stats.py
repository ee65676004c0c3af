"""Insight: which problems are most frequent, which product line complains most, where causes cluster."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from caseloop.cases.labels import MARKETS, OUTCOMES, PROBLEM_TYPES, ROOT_CAUSES, Labels
from caseloop.cases.library import Library
from caseloop.course import write_atomically

if TYPE_CHECKING:
    pass

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


_OUTCOME_COLOURS = {"resolved": "#3e7cb1", "partial": "#f0b429", "failed": "#d64545"}


def stats_svg(stats: pd.DataFrame, dimension: str, bar_width: int = 320) -> str:
    """A self-contained horizontal bar chart (SVG) of one dimension, bars split by outcome."""
    rows = stats[stats["dimension"] == dimension]
    label_width, row_height = 260, 22
    most = max(int(rows["cases"].max()) if len(rows) else 1, 1)
    height = row_height * len(rows) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 60}" height="{height}" '
             f'font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="{dimension}">']
    for number, row in enumerate(rows.itertuples()):
        y = number * row_height + 4
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{html.escape(row.label)}</text>')
        x = float(label_width)
        for outcome, colour in _OUTCOME_COLOURS.items():
            width = bar_width * getattr(row, outcome) / most
            if width:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="16" fill="{colour}">'
                             f'<title>{outcome}: {getattr(row, outcome)}</title></rect>')
                x += width
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{row.cases}</text>')
    legend_y = height - 8
    for number, (outcome, colour) in enumerate(_OUTCOME_COLOURS.items()):
        zh, en = OUTCOMES[outcome]
        x = 40 + number * 200
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{legend_y}">{zh} {en}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stats_html(stats: pd.DataFrame, total: int) -> str:
    """One self-contained page: per dimension, a bar chart and the table behind it."""
    sections = []
    for dimension, (zh, en, _) in STAT_DIMENSIONS.items():
        rows = stats[stats["dimension"] == dimension]
        body = "".join(f"<tr><td>{html.escape(r.label)}</td><td class=num>{r.cases}</td><td class=num>{r.share:.0%}"
                       f"</td><td class=num>{r.resolved}</td><td class=num>{r.partial}</td><td class=num>{r.failed}"
                       "</td></tr>" for r in rows.itertuples())
        sections.append(f"<h2>{zh} / by {en}</h2>{stats_svg(stats, dimension)}<table><tr><th>{zh} {en}</th>"
                        "<th>案例 cases</th><th>占比 share</th><th>已解决 resolved</th><th>部分 partial</th>"
                        f"<th>失败 failed</th></tr>{body}</table>")
    style = ("body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2rem;color:#1f2933}"
             "table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d9e2ec;padding:.2rem .5rem}"
             "th{background:#f0f4f8}td.num{text-align:right}")
    return (f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>案例库统计 Case library statistics'
            f"</title><style>{style}</style></head><body><h1>案例库统计 / Case library statistics</h1>"
            f"<p>{total} 个已审核案例 / approved cases</p>{''.join(sections)}</body></html>\n")


def write_stats(library: Library, out_dir: Path) -> tuple[pd.DataFrame, Path, Path]:
    """Statistics of the approved cases as CSV (for tools) and a self-contained HTML page with charts."""
    approved = library.frame[library.frame["state"] == "approved"]
    stats = case_stats(approved)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / "case-stats.csv", out_dir / "case-stats.html"
    write_atomically(csv_path, stats.to_csv(index=False))
    write_atomically(html_path, stats_html(stats, len(approved)))
    return stats, csv_path, html_path
