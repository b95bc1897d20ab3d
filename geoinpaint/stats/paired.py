"""Paired comparison of two table rows on the same test images and seeds.

`compare(a, b)` returns the effect `value(a) - value(b)` (the difference of the two table
cells: mean over seeds), its 95 % crossed-bootstrap interval (`stats.bootstrap`), a two-sided
p-value of "no difference" and, given a margin, the p-value of equivalence:

- accuracy (`binary` samples): McNemar's exact test per seed (the exact binomial test of the
  discordant pairs, `scipy.stats.binomtest`), one-sided in each direction, combined over seeds
  by Stouffer's weighted Z (`scipy.stats.combine_pvalues`, weights sqrt(discordant pairs)); the
  two-sided p is twice the smaller combined one-sided p. With one seed this is the exact
  two-sided McNemar test.
- every other column (PSNR, SSIM, MSE, BRISQUE, LPIPS, Recall@K, AP, mIoU, ...): the crossed
  bootstrap's two-sided p (percentile inversion).
- equivalence within `±margin`: two one-sided tests (TOST) on the crossed bootstrap, p = the
  larger of the p-values of "effect > -margin" and "effect < margin" (equivalently: the 90 %
  percentile interval lies inside the margin when p < 0.05), for every column kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from geoinpaint.stats.bootstrap import (
    crossed_bootstrap,
    p_greater,
    p_less,
    p_two_sided,
    percentile_interval,
)
from geoinpaint.stats.statistics import Sample

BOOTSTRAP_TEST = "crossed bootstrap (seeds x images)"
MCNEMAR_TEST = "exact McNemar per seed, Stouffer-combined"


@dataclass(frozen=True)
class Comparison:
    """Row a against row b (effects in the column's table units)."""

    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    p_equivalence: float = math.nan
    n_seeds: int = 0
    n_images: int = 0


def mcnemar(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p that rows with 0/1 outcomes `(K, N)` (seeds x images) differ: exact
    McNemar per seed, one-sided p-values combined over seeds by weighted Stouffer. Seeds
    without a discordant pair carry no information and are left out; none at all gives 1."""
    a, b = np.asarray(a) > 0.5, np.asarray(b) > 0.5
    wins = (a & ~b).sum(axis=1)
    losses = (~a & b).sum(axis=1)
    keep = (wins + losses) > 0
    if not keep.any():
        return 1.0
    wins, n = wins[keep], (wins + losses)[keep]
    weights = np.sqrt(n)
    one_sided = []
    for side in ("greater", "less"):
        p = [
            stats.binomtest(int(w), int(t), 0.5, alternative=side).pvalue
            for w, t in zip(wins, n, strict=True)
        ]
        one_sided.append(stats.combine_pvalues(p, method="stouffer", weights=weights).pvalue)
    return float(min(1.0, 2 * min(one_sided)))


def tost(dist: np.ndarray, margin: float) -> float:
    """p of equivalence within `±margin` from a bootstrap distribution of the effect."""
    if not margin > 0:
        raise ValueError(f"an equivalence margin must be positive, got {margin}")
    return max(p_greater(dist, -margin), p_less(dist, margin))


def compare(
    a: Sample,
    b: Sample,
    n_boot: int = 9999,
    seed: int = 0,
    margin: float | None = None,
    confidence: float = 0.95,
) -> Comparison:
    """Row `a` against row `b` (module docstring); `seed` makes the resampling repeatable."""
    if a.kind != b.kind or a.scale != b.scale:
        raise ValueError(
            f"rows of one column differ in kind: {a.kind}/{a.scale}, {b.kind}/{b.scale}"
        )
    if a.ids != b.ids:
        raise ValueError("paired rows must score the same images in the same order")
    effect = float(np.mean(a.per_seed() - b.per_seed()))
    dist = crossed_bootstrap(a, b, n_boot, seed)
    low, high = percentile_interval(dist, confidence)
    if a.kind == "binary":
        p, test = mcnemar(a.values, b.values), MCNEMAR_TEST
    else:
        p, test = p_two_sided(dist), BOOTSTRAP_TEST
    p_eq = tost(dist, margin) if margin is not None else math.nan
    return Comparison(effect, low, high, p, test, p_eq, a.n_seeds, a.n_images)
