"""How a share reads on every page: a whole percentage, rounded half up (12.5 % is 13 %, not 12 %).

Python's `format(0.125, ".0%")` rounds half to even and shows 12 %; leads compare these numbers
with a calculator, so every report, reason and chart goes through `percent`.
"""

from __future__ import annotations

import math


def whole_percent(share: float) -> int:
    """SHARE (0..1) as a whole percentage, halves rounded up. The product is first rounded to nine
    decimals, so 0.145 (which binary stores as 0.14499...) counts as the 14.5 % it was written as."""
    return math.floor(round(float(share) * 100, 9) + 0.5)


def percent(share: float | None) -> str:
    """SHARE as text like "13%"; "—" when there is no value (None or NaN)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    return f"{whole_percent(float(share))}%"


def percentage_points(change: float | None) -> str:
    """A change of share as signed whole percentage points, like "+13" or "−5" (halves away from zero)."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "—"
    size = whole_percent(abs(float(change)))
    return f"{'−' if change < 0 and size else '+'}{size}"
