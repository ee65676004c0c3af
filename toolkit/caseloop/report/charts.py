"""Inline SVG charts for the HTML reports: radar, heatmap, distribution and bars, with no script or CDN.

Each function returns one `<svg>` element as a string, sized in user units and scaled by CSS, so a
report stays one self-contained file that opens offline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from caseloop.shares import percent

SERIES_COLOURS = ("#3e7cb1", "#f0b429", "#b42318")
"""The colours of a chart's series, in order: the reports' blue, amber, and the red of thresholds and warnings."""


VIRIDIS = ("#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151",
           "#bddf26", "#fde725")
"""Viridis in eleven steps (0 %, 10 % ... 100 %): ordered by lightness, readable with any colour vision."""
NO_VALUE = "#e4e7eb"


def share_colour(share: float | None) -> str:
    """The viridis colour of a share's nearest tenth (dark purple 0 through green to yellow 1); grey for none."""
    if share is None or share != share:
        return NO_VALUE
    return VIRIDIS[round(min(max(share, 0.0), 1.0) * 10)]


def radar(axes: Sequence[tuple[str, float | None]], rings: Sequence[float] = (0.5, 0.7, 0.85),
          title: str = "", size: int = 360) -> str:
    """A radar chart: one spoke per (label, share 0..1, or None / NaN for no value); rings at the level
    thresholds, each labelled with its share."""
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
        parts.append(f'<polygon points="{ring_points}" fill="none" stroke="#cbd2d9" stroke-width="1">'
                     f"<title>{percent(ring)}</title></polygon>")
    for ring in rings:  # each threshold ring says its share beside the first spoke
        parts.append(f'<text class="ring-label" x="{centre + 3:.1f}" y="{centre - radius * ring - 2:.1f}" '
                     f'font-size="9" fill="#7b8794">{percent(ring)}</text>')
    for index, (label, value) in enumerate(axes):
        x, y = point(index, 1.0)
        lx, ly = point(index, 1.18)
        anchor = "middle" if abs(lx - centre) < 5 else ("start" if lx > centre else "end")
        shown = percent(value)
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


CELL_TOOLTIPS = 6000  # up to this many cells each carry its value as a tooltip; beyond, one path per colour


def _legend(x: float, y: float, label: str, empty: str) -> str:
    """The heatmap's colour key: one swatch per tenth labelled 0 %, 50 %, 100 %, and the no-data grey."""
    parts = [f'<g class="legend"><text x="{x}" y="{y - 4}" font-size="11">{escape(label)}</text>']
    for step, colour in enumerate(VIRIDIS):
        parts.append(f'<rect x="{x + step * 16}" y="{y}" width="16" height="10" fill="{colour}">'
                     f"<title>{step * 10}%</title></rect>")
    for step in (0, 5, 10):
        parts.append(f'<text x="{x + step * 16 + 8}" y="{y + 22}" font-size="10" text-anchor="middle">'
                     f"{step * 10}%</text>")
    parts.append(f'<rect x="{x + 11 * 16 + 12}" y="{y}" width="16" height="10" fill="{NO_VALUE}"/>'
                 f'<text x="{x + 12 * 16 + 16}" y="{y + 9}" font-size="10">{escape(empty)}</text></g>')
    return "".join(parts)


def heatmap(rows: Sequence[str], columns: Sequence[str], values: dict[tuple[str, str], float],
            title: str = "", cell: int = 34, max_height: int = 2400, legend: str = "Mastery",
            empty: str = "no data") -> str:
    """A row x column grid of shares on the viridis scale in tenths, with a colour key above it.

    Each cell's tooltip gives its row, column and value while the grid has at most CELL_TOOLTIPS
    cells; larger grids draw one path per colour. Rows shrink to fit `max_height` for large cohorts;
    their labels are drawn while they are legible.
    """
    left, top = 90, 76
    row_height = min(cell, max(max_height / max(len(rows), 1), 1.0))
    width = max(left + cell * len(columns) + 10, left + 260)
    height = top + row_height * len(rows) + 10
    parts = [f'<svg class="chart heatmap" viewBox="0 0 {width} {height:.0f}" width="{width}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             _legend(left, 18, legend, empty)]
    for j, column in enumerate(columns):
        parts.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 8}" font-size="11" '
                     f'text-anchor="middle">{escape(column)}</text>')
    tooltips = len(rows) * len(columns) <= CELL_TOOLTIPS
    shapes: dict[str, list[str]] = {}
    gap = 2 if row_height >= 8 else 0
    for i, row in enumerate(rows):
        y = top + i * row_height
        if row_height >= 12:
            parts.append(f'<text x="{left - 6}" y="{y + row_height / 2:.1f}" font-size="11" text-anchor="end" '
                         f'dominant-baseline="middle">{escape(row)}</text>')
        for j, column in enumerate(columns):
            value = values.get((row, column))
            colour = share_colour(value)
            if tooltips:
                parts.append(f'<rect class="cell" x="{left + j * cell}" y="{y:.1f}" width="{cell - 2}" '
                             f'height="{row_height - gap:.1f}" fill="{colour}" data-value="{percent(value)}">'
                             f"<title>{escape(row)} · {escape(column)}: {percent(value)}</title></rect>")
            else:
                shapes.setdefault(colour, []).append(
                    f"M{left + j * cell} {y:.1f}h{cell - 2}v{row_height - gap:.1f}h{2 - cell}z")
    for colour, path in shapes.items():
        parts.append(f'<path class="cells" fill="{colour}" d="{"".join(path)}"/>')
    parts.append("</svg>")
    return "".join(parts)


def distribution(shares: Sequence[float], bins: int = 10, title: str = "", marker: float | None = None,
                 width: int = 240, height: int = 90, marker_label: str = "", y_label: str = "",
                 empty: str = "no data") -> str:
    """A histogram of shares 0..1 in `bins` bins: a y axis of counts (0 and the tallest bar), the x axis
    0 %-100 %, each bar's range and count on hover, and a labelled dashed line at `marker` (a threshold).
    Without any share it says `empty` instead of drawing bars."""
    counts = [0] * bins
    for share in shares:
        counts[min(int(share * bins), bins - 1)] += 1
    top = max(counts) or 1
    left, head = 28, 14
    bar = (width - left) / bins
    parts = [f'<svg class="chart distribution" viewBox="0 0 {width} {height + head + 16}" width="{width}" '
             f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>{escape(title)}</title>"]
    base = head + height
    if not shares:
        parts.append(f'<text class="empty" x="{(left + width) / 2:.0f}" y="{head + height / 2:.0f}" font-size="12" '
                     f'text-anchor="middle" fill="#7b8794">{escape(empty)}</text>')
    for index, count in enumerate(counts if shares else ()):
        h = height * count / top
        parts.append(f'<rect x="{left + index * bar + 1:.1f}" y="{base - h:.1f}" width="{bar - 2:.1f}" '
                     f'height="{h:.1f}" fill="{SERIES_COLOURS[0]}" data-count="{count}">'
                     f"<title>{index * 100 // bins}%–{(index + 1) * 100 // bins}%: {count}</title></rect>")
    parts.append(f'<line class="y-axis" x1="{left}" y1="{head}" x2="{left}" y2="{base}" stroke="#7b8794"/>'
                 f'<text x="{left - 4}" y="{head + 4}" font-size="10" text-anchor="end">{top if shares else ""}</text>'
                 f'<text x="{left - 4}" y="{base}" font-size="10" text-anchor="end">0</text>'
                 f'<text x="2" y="{head - 4}" font-size="10">{escape(y_label)}</text>'
                 f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#7b8794"/>'
                 f'<text x="{left}" y="{base + 13}" font-size="10">0%</text>'
                 f'<text x="{width}" y="{base + 13}" font-size="10" text-anchor="end">100%</text>')
    if marker is not None:
        x = left + (width - left) * marker
        parts.append(f'<line class="threshold" x1="{x:.1f}" y1="{head}" x2="{x:.1f}" y2="{base}" stroke="#b42318" '
                     f'stroke-dasharray="4 3"/><text x="{x:.1f}" y="{head - 4}" font-size="10" fill="#b42318" '
                     f'text-anchor="middle">{escape(marker_label)} {percent(marker)}</text>')
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
