"""Item statistics against a hand-computed grade matrix, independent implementations and a published example."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats as sps

from caseloop.analysis import itemstats

# Five trainees, three right/wrong items, worked by hand:
#   totals 3, 2, 1, 1, 0 (mean 1.4, variance 5.2 / 4 = 1.3)
#   i1: 1 1 1 0 0, facility 0.6, variance 1.2 / 4 = 0.3; rest = 2 1 0 1 0 (mean 0.8)
#       cov(i1, rest) sums 0.48 + 0.08 - 0.32 - 0.12 + 0.48 = 0.6; r = 0.6 / sqrt(1.2 * 2.8) = 0.32733
#       sorted pairing (0 0 1 1 1 with 0 0 1 1 2) sums 1.6, so efficiency = 0.6 / 1.6 = 0.375
#   i3: 1 0 0 0 0, facility 0.2, variance 0.8 / 4 = 0.2, SD 0.44721
#   alpha = 3/2 * (1 - (0.3 + 0.3 + 0.2) / 1.3) = 0.576923
#   alpha without i3: totals 2 2 1 1 0 (variance 0.7), 2 * (1 - 0.6 / 0.7) = 0.285714
#   Kelley groups of round(0.27 * 5) = 1: top trainee t1 (3), bottom t5 (0): 1 - 0 = 1 on every item
HAND = pd.DataFrame({"i1": [1, 1, 1, 0, 0], "i2": [1, 1, 0, 1, 0], "i3": [1, 0, 0, 0, 0]},
                    index=pd.Index(["t1", "t2", "t3", "t4", "t5"], name="trainee"), dtype=float)
ONE_POINT = pd.Series(1.0, index=HAND.columns)


def test_hand_built_matrix():
    stats = itemstats.item_statistics(HAND, ONE_POINT).set_index("item")
    assert stats.loc["i1", "facility"] == pytest.approx(0.6)
    assert stats.loc["i3", "facility"] == pytest.approx(0.2)
    assert stats.loc["i1", "sd"] == pytest.approx(np.sqrt(0.3))
    assert stats.loc["i3", "sd"] == pytest.approx(0.447214, abs=1e-6)
    assert stats.loc["i1", "discrimination"] == pytest.approx(0.6 / np.sqrt(1.2 * 2.8))
    assert stats.loc["i1", "efficiency"] == pytest.approx(0.375)
    assert stats["upper_lower"].tolist() == [1.0, 1.0, 1.0]
    assert stats.loc["i1", "share_zero"] == pytest.approx(0.4) and stats.loc["i1", "share_full"] == pytest.approx(0.6)
    assert stats.loc["i3", "alpha_if_deleted"] == pytest.approx(2 / 7)
    assert itemstats.scale_statistics(HAND)["alpha"] == pytest.approx(0.576923, abs=1e-6)


def test_points_are_scaled_by_max_score_for_facility_but_not_for_correlations():
    doubled = HAND.assign(i1=HAND["i1"] * 2)
    stats = itemstats.item_statistics(doubled, ONE_POINT.mask(ONE_POINT.index == "i1", 2.0))
    assert stats.set_index("item").loc["i1", "facility"] == pytest.approx(0.6)
    assert stats.set_index("item").loc["i1", "discrimination"] == pytest.approx(0.6 / np.sqrt(1.2 * 2.8))


@pytest.fixture(scope="module")
def cohort() -> tuple[pd.DataFrame, pd.Series]:
    """40 trainees x 6 items with partial credit, scores driven by a latent skill (seeded)."""
    rng = np.random.default_rng(7)
    skill = rng.normal(size=40)
    max_points = pd.Series([1, 1, 2, 3, 1, 2], index=[f"q{i}" for i in range(6)], dtype=float)
    points = pd.DataFrame({item: np.clip(np.round((skill + rng.normal(size=40) + 0.5) * top) / 2, 0, top)
                           for item, top in max_points.items()},
                          index=pd.Index([f"t{i:02d}" for i in range(40)], name="trainee"))
    return points, max_points


def test_against_scipy_and_pingouin(cohort):
    points, max_points = cohort
    stats = itemstats.item_statistics(points, max_points).set_index("item")
    for item in points.columns:
        rest = points.drop(columns=item).sum(axis=1)
        r, _ = sps.pearsonr(points[item], rest)
        assert stats.loc[item, "discrimination"] == pytest.approx(r)
        assert stats.loc[item, "alpha_if_deleted"] == pytest.approx(pg.cronbach_alpha(points.drop(columns=item))[0])
        low, high = pg.compute_esci(stat=r, nx=len(points), eftype="r", decimals=10)
        assert (stats.loc[item, "discrimination_low"], stats.loc[item, "discrimination_high"]) == \
            pytest.approx((low, high), abs=1e-9)
        assert stats.loc[item, "sd"] == pytest.approx(np.std(points[item] / max_points[item], ddof=1))
    alpha, interval = pg.cronbach_alpha(points)
    scale = itemstats.scale_statistics(points)
    assert scale["alpha"] == pytest.approx(alpha)
    assert [round(scale["alpha_low"], 3), round(scale["alpha_high"], 3)] == pytest.approx(list(interval))


def test_facility_interval_is_wilsons(cohort):
    for successes, n in [(0, 10), (3, 10), (31, 31), (17, 40)]:
        expected = sps.binomtest(successes, n).proportion_ci(0.95, method="wilson")
        assert itemstats.wilson_interval(successes / n, n) == pytest.approx((expected.low, expected.high))


def test_efficiency_divides_by_the_largest_covariance_any_pairing_allows(cohort):
    """Brute force: no reordering of the rest scores beats the sorted pairing Moodle divides by."""
    points, max_points = cohort
    small = points.iloc[:7, :3]
    stats = itemstats.item_statistics(small, max_points[small.columns]).set_index("item")
    for item in small.columns:
        x, rest = small[item].to_numpy(), small.drop(columns=item).sum(axis=1).to_numpy()
        best = max(np.cov(x, np.array(order))[0, 1] for order in itertools.permutations(rest))
        assert stats.loc[item, "efficiency"] == pytest.approx(np.cov(x, rest)[0, 1] / best)


def test_upper_lower_against_a_direct_count(cohort):
    points, max_points = cohort
    stats = itemstats.item_statistics(points, max_points).set_index("item")
    total = points.sum(axis=1)
    ranked = sorted(points.index, key=lambda t: (-total[t], t))
    size = round(0.27 * len(points))
    for item in points.columns:
        share = points[item] / max_points[item]
        expected = share[ranked[:size]].mean() - share[ranked[-size:]].mean()
        assert stats.loc[item, "upper_lower"] == pytest.approx(expected)


def test_published_example_pingouin_docs_and_r_psych():
    """pingouin's documented example "cronbach_wide_missing" after listwise deletion: alpha = 0.8016949152542373,
    the value R's psych::alpha(data, use="complete.obs") gives (pingouin.cronbach_alpha docstring)."""
    data = pg.read_dataset("cronbach_wide_missing")
    assert itemstats.scale_statistics(data)["alpha"] == pytest.approx(0.8016949152542373, abs=1e-12)


def test_two_trainees_are_too_few_for_correlations():
    two = HAND.iloc[:2]
    stats = itemstats.item_statistics(two, ONE_POINT)
    assert stats["discrimination"].isna().all() and stats["efficiency"].isna().all()
    assert stats["upper_lower"].isna().all() and stats["alpha_if_deleted"].isna().all()
    assert stats["facility"].notna().all()
    assert set(itemstats.too_few(2)) == {"discrimination", "efficiency", "upper_lower", "discrimination interval",
                                         "alpha"}
    assert itemstats.too_few(31) == []


def test_trainees_missing_a_score_are_left_out():
    with_gap = HAND.copy()
    with_gap.loc["t5", "i2"] = np.nan
    stats = itemstats.item_statistics(with_gap, ONE_POINT)
    assert stats["n"].eq(4).all()
