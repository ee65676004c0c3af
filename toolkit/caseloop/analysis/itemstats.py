"""Classical item statistics over a trainee x item matrix of points: pure functions, no I/O.

Definitions (each with its source; README "Revising content" explains how to read them):
- facility: mean of score / max score (Moodle quiz statistics, "facility index"); its interval is
  Wilson's score interval (Wilson 1927), exact for right/wrong items and conservative for partial
  credit, whose variance never exceeds f(1 - f);
- sd: sample standard deviation of score / max score (Moodle, "standard deviation");
- discrimination: corrected item-rest correlation, the Pearson correlation of the item's points
  with the points on the rest of the module (Moodle, "discrimination index"); its interval uses
  Fisher's z transformation, tanh(atanh(r) +- z / sqrt(n - 3));
- efficiency: cov(item, rest) / the largest covariance the two score distributions allow,
  obtained by pairing both sorted ascending (Moodle, "discriminative efficiency");
- upper_lower: facility in the top 27 % of trainees by module total minus facility in the bottom
  27 % (Kelley 1939, J. Educ. Psych. 30:17-24); ties are broken by trainee id;
- share_zero / share_full: share of trainees with no points / all points;
- alpha: Cronbach's alpha of the module (Cronbach 1951, Psychometrika 16:297-334; Moodle's
  "coefficient of internal consistency"), its interval by Feldt (1965, Psychometrika 30:357-370);
  alpha_if_deleted: alpha of the module without the item.
Only trainees with a score on every item count (listwise deletion, as R psych::alpha
use="complete.obs"). A statistic needs at least `MIN_TRAINEES[statistic]` trainees; below that
it is left empty and `too_few` names it.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

# Fewest trainees each statistic is defined for (or means anything at all).
MIN_TRAINEES = {
    "facility": 1,
    "sd": 2,
    "discrimination": 3,       # a correlation of two points is always +-1
    "efficiency": 3,
    "upper_lower": 4,          # two disjoint groups of at least one trainee
    "discrimination interval": 4,   # Fisher's z needs n - 3 > 0
    "alpha": 3,                # Feldt's interval needs n - 1 >= 2 degrees of freedom
}
ITEM_COLUMNS = ["item", "n", "max_score", "facility", "facility_low", "facility_high", "sd", "discrimination",
                "discrimination_low", "discrimination_high", "efficiency", "upper_lower", "share_zero",
                "share_full", "alpha_if_deleted"]


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(share: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a share observed on n trainees."""
    if n < 1 or np.isnan(share):
        return np.nan, np.nan
    z = _z(confidence)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def correlation_interval(r: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Fisher-z interval of a Pearson correlation on n trainees."""
    if n < MIN_TRAINEES["discrimination interval"] or np.isnan(r):
        return np.nan, np.nan
    centre, half = np.arctanh(np.clip(r, -0.999999, 0.999999)), _z(confidence) / np.sqrt(n - 3)
    return float(np.tanh(centre - half)), float(np.tanh(centre + half))


def cronbach_alpha(points: pd.DataFrame) -> float:
    """Cronbach's alpha of the items (columns) over the trainees (rows); NaN when undefined."""
    n, k = points.shape
    if k < 2 or n < 2:
        return np.nan
    total_variance = points.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return np.nan
    return float(k / (k - 1) * (1 - points.var(ddof=1).sum() / total_variance))


def alpha_interval(alpha: float, n: int, k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt's interval for Cronbach's alpha of k items on n trainees."""
    if n < MIN_TRAINEES["alpha"] or k < 2 or np.isnan(alpha):
        return np.nan, np.nan
    from scipy.stats import f

    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    return float(1 - (1 - alpha) * f.isf(tail, df1, df2)), float(1 - (1 - alpha) * f.isf(1 - tail, df1, df2))


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < MIN_TRAINEES["discrimination"] or x.std() == 0 or y.std() == 0:
        return np.nan
    return float(np.corrcoef(x, y)[0, 1])


def _efficiency(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < MIN_TRAINEES["efficiency"]:
        return np.nan
    best = np.cov(np.sort(x), np.sort(y))[0, 1]
    return np.nan if best == 0 else float(np.cov(x, y)[0, 1] / best)


def _upper_lower(share: pd.Series, total: pd.Series, group_share: float) -> float:
    n = len(share)
    size = max(1, round(group_share * n))
    if n < MIN_TRAINEES["upper_lower"] or 2 * size > n:
        return np.nan
    order = sorted(total.index, key=lambda trainee: (-total[trainee], str(trainee)))
    return float(share[order[:size]].mean() - share[order[-size:]].mean())


def item_statistics(points: pd.DataFrame, max_points: pd.Series, confidence: float = 0.95,
                    group_share: float = 0.27) -> pd.DataFrame:
    """One row per item (column of `points`, trainees as rows) with the statistics in `ITEM_COLUMNS`."""
    complete = points.dropna()
    total = complete.sum(axis=1)
    n = len(complete)
    rows = []
    for item in complete.columns:
        x = complete[item].to_numpy(dtype=float)
        rest = (total - complete[item]).to_numpy(dtype=float)
        share = complete[item] / max_points[item]
        facility = float(share.mean()) if n >= MIN_TRAINEES["facility"] else np.nan
        r = _correlation(x, rest)
        others = complete.drop(columns=item)
        rows.append({
            "item": item, "n": n, "max_score": float(max_points[item]), "facility": facility,
            **dict(zip(["facility_low", "facility_high"], wilson_interval(facility, n, confidence), strict=True)),
            "sd": float(share.std(ddof=1)) if n >= MIN_TRAINEES["sd"] else np.nan,
            "discrimination": r,
            **dict(zip(["discrimination_low", "discrimination_high"], correlation_interval(r, n, confidence),
                       strict=True)),
            "efficiency": _efficiency(x, rest), "upper_lower": _upper_lower(share, total, group_share),
            "share_zero": float((share == 0).mean()) if n else np.nan,
            "share_full": float((share == 1).mean()) if n else np.nan,
            "alpha_if_deleted": cronbach_alpha(others) if n >= MIN_TRAINEES["alpha"] else np.nan,
        })
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def scale_statistics(points: pd.DataFrame, confidence: float = 0.95) -> dict[str, float]:
    """Cronbach's alpha of all items together, with Feldt's interval and the counts it rests on."""
    complete = points.dropna()
    n, k = complete.shape
    alpha = cronbach_alpha(complete) if n >= MIN_TRAINEES["alpha"] else np.nan
    low, high = alpha_interval(alpha, n, k, confidence)
    return {"n": n, "items": k, "alpha": alpha, "alpha_low": low, "alpha_high": high}


def too_few(n: int) -> list[str]:
    """The statistics that n trainees are too few to compute."""
    return [name for name, minimum in MIN_TRAINEES.items() if n < minimum]
