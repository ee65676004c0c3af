"""Inline SVG charts for the HTML reports: radar, heatmap, distribution and bars, with no script or CDN.

Each function returns one `<svg>` element as a string, sized in user units and scaled by CSS, so a
report stays one self-contained file that opens offline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

SERIES_COLOURS = ("#3e7cb1", "#f0b429", "#b42318")
"""The colours of a chart's series, in order: the reports' blue, amber, and the red of thresholds and warnings."""


def share_colour(share: float | None) -> str:
    """A colour from red (0) through yellow to green (1); grey when there is no score."""
    if share is None or share != share:
        return "#e4e7eb"
    share = min(max(share, 0.0), 1.0)
    hue = 120 * share
    return f"hsl({hue:.0f},65%,{72 - 12 * share:.0f}%)"


def radar(axes: Sequence[tuple[str, float | None]], rings: Sequence[float] = (0.5, 0.7, 0.85),
          title: str = "", size: int = 360) -> str:
    """A radar chart: one spoke per (label, share 0..1, or None / NaN for no value); rings at the level thresholds."""
    axes = [(label, None if value is None or value != value else value) for label, value in axes]
    n = max(len(axes), 3)
    centre, radius = size / 2, size / 2 - 70

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / n
        return centre + radius * value * math.cos(angle), centre + radius * value * math.sin(angle)

    parts = [f'<svg class="chart radar" viewBox="0 0 {size} {size}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for ring in (*rings, 1.0):
        ring_points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(n)))
        parts.append(f'<polygon points="{ring_points}" fill="none" stroke="#cbd2d9" stroke-width="1"/>')
    for index, (label, value) in enumerate(axes):
        x, y = point(index, 1.0)
        lx, ly = point(index, 1.18)
        anchor = "middle" if abs(lx - centre) < 5 else ("start" if lx > centre else "end")
        shown = "—" if value is None else f"{value:.0%}"
        parts.append(f'<line x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}" stroke="#cbd2d9"/>'
                     f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="12" '
                     f'dominant-baseline="middle">{escape(label)} {shown}</text>')
    values = [(i, v if v is not None else 0.0) for i, (_, v) in enumerate(axes)]
    shape = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in values))
    parts.append(f'<polygon class="radar-shape" points="{shape}" fill="rgba(62,124,177,.35)" stroke="#3e7cb1" '
                 'stroke-width="2"/>')
    for i, v in values:
        x, y = point(i, v)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#3e7cb1"/>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(rows: Sequence[str], columns: Sequence[str], values: dict[tuple[str, str], float],
            title: str = "", cell: int = 34, max_height: int = 2400) -> str:
    """A row x column grid of shares, coloured red to green in tenths (one path per colour).

    Rows shrink to fit `max_height` for large cohorts; their labels are drawn while they are legible.
    """
    left, top = 90, 40
    row_height = min(cell, max(max_height / max(len(rows), 1), 1.0))
    width, height = left + cell * len(columns) + 10, top + row_height * len(rows) + 10
    parts = [f'<svg class="chart heatmap" viewBox="0 0 {width} {height:.0f}" width="{width}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for j, column in enumerate(columns):
        parts.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 8}" font-size="11" '
                     f'text-anchor="middle">{escape(column)}</text>')
    shapes: dict[str, list[str]] = {}
    gap = 2 if row_height >= 8 else 0
    for i, row in enumerate(rows):
        y = top + i * row_height
        if row_height >= 12:
            parts.append(f'<text x="{left - 6}" y="{y + row_height / 2:.1f}" font-size="11" text-anchor="end" '
                         f'dominant-baseline="middle">{escape(row)}</text>')
        for j, column in enumerate(columns):
            value = values.get((row, column))
            tenth = None if value is None else round(value * 10) / 10
            shapes.setdefault(share_colour(tenth), []).append(
                f"M{left + j * cell} {y:.1f}h{cell - 2}v{row_height - gap:.1f}h{2 - cell}z")
    for colour, path in shapes.items():
        parts.append(f'<path class="cells" fill="{colour}" d="{"".join(path)}"/>')
    parts.append("</svg>")
    return "".join(parts)


def distribution(shares: Sequence[float], bins: int = 10, title: str = "", marker: float | None = None,
                 width: int = 220, height: int = 90) -> str:
    """A histogram of shares 0..1 in `bins` bins, with an optional dashed line at `marker` (a threshold)."""
    counts = [0] * bins
    for share in shares:
        counts[min(int(share * bins), bins - 1)] += 1
    top = max(counts) or 1
    bar = width / bins
    parts = [f'<svg class="chart distribution" viewBox="0 0 {width} {height + 16}" width="{width}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for index, count in enumerate(counts):
        h = height * count / top
        parts.append(f'<rect x="{index * bar + 1:.1f}" y="{height - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                     f'fill="#3e7cb1"><title>{index / bins:.0%}–{(index + 1) / bins:.0%}: {count}</title></rect>')
    parts.append(f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#7b8794"/>'
                 f'<text x="0" y="{height + 13}" font-size="10">0%</text>'
                 f'<text x="{width}" y="{height + 13}" font-size="10" text-anchor="end">100%</text>')
    if marker is not None:
        x = width * marker
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#b42318" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


def bars(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[str], title: str = "",
         bar_width: int = 320, label_width: int = 260, row_height: int = 22) -> str:
    """Horizontal bars, one per (label, value of each series), split into the series' segments in SERIES_COLOURS.

    Every bar is drawn to the same scale, the longest total `bar_width` long, with its total at its
    end; a legend under the bars names the series. Each segment's tooltip says `series: value`.
    """
    most = max((sum(values) for _, values in rows), default=0) or 1
    width, height = label_width + bar_width + 60, row_height * len(rows) + 30
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" width="{width}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for index, (label, values) in enumerate(rows):
        y = index * row_height + 4
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
                     f"{escape(label)}</text>")
        x = float(label_width)
        for number, (name, value) in enumerate(zip(series, values, strict=True)):
            length = bar_width * value / most
            if length:
                colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="16" fill="{colour}">'
                             f"<title>{escape(name)}: {value:g}</title></rect>")
                x += length
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="12">{sum(values):g}</text>')
    step = width / max(len(series), 1)
    for number, name in enumerate(series):
        x = 40 + number * step
        parts.append(f'<rect x="{x:.0f}" y="{height - 18}" width="10" height="10" '
                     f'fill="{SERIES_COLOURS[number % len(SERIES_COLOURS)]}"/>'
                     f'<text x="{x + 14:.0f}" y="{height - 8}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
