"""The crossed (two-way) bootstrap over training seeds and test images, and its p-values.

Every seed scores the same test images, so seeds and images are crossed factors, and a paired
difference between two rows varies with both: a seed that trained one method badly shifts all
its images, and an image that is hard stays hard in every seed. Each resample draws K seeds
with replacement and, independently, N images with replacement (one draw of images shared by
all seeds of the resample and by both rows: paired); its value is the mean over the drawn
seeds of the row difference on the drawn images (Owen 2007, "The pigeonhole bootstrap"). With
one seed it is the ordinary paired bootstrap over images.

p-values invert the percentile interval: the one-sided p of "effect > c" is the share of
resampled effects at or below c, counted as (1 + #) / (B + 1) so that it is never 0.
"""

from __future__ import annotations

import numpy as np

from geoinpaint.stats.statistics import Sample

CHUNK = 512  # resamples per block: bounds memory at (CHUNK, N) weights


def crossed_bootstrap(a: Sample, b: Sample, n_boot: int, seed: int) -> np.ndarray:
    """`(n_boot,)` resampled `value(a) - value(b)`, in table units (NaN where undefined).

    Args:
        a, b: the two rows' samples: same seeds, same images in the same order.
        n_boot: number of resamples B.
        seed: seeds the resampling (same arguments, same result).
    """
    if a.values.shape[:2] != b.values.shape[:2]:
        raise ValueError(
            f"paired rows need the same seeds x images, got {a.values.shape[:2]} and "
            f"{b.values.shape[:2]}"
        )
    k, n = a.n_seeds, a.n_images
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    for start in range(0, n_boot, CHUNK):
        m = min(CHUNK, n_boot - start)
        seeds = rng.integers(0, k, size=(m, k))
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=m).astype(np.float64)
        diff = np.stack(
            [a.statistic(weights, s) - b.statistic(weights, s) for s in range(k)], axis=1
        )
        out[start : start + m] = np.take_along_axis(diff, seeds, axis=1).mean(axis=1)
    return out


def percentile_interval(dist: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The two-sided percentile interval of a bootstrap distribution (NaN resamples left out)."""
    tail = 50 * (1 - confidence)
    low, high = np.nanpercentile(dist, [tail, 100 - tail])
    return float(low), float(high)


def p_greater(dist: np.ndarray, null: float = 0.0) -> float:
    """One-sided p of "effect > null"."""
    d = dist[~np.isnan(dist)]
    return float((1 + np.sum(d <= null)) / (d.size + 1))


def p_less(dist: np.ndarray, null: float = 0.0) -> float:
    """One-sided p of "effect < null"."""
    d = dist[~np.isnan(dist)]
    return float((1 + np.sum(d >= null)) / (d.size + 1))


def p_two_sided(dist: np.ndarray, null: float = 0.0) -> float:
    """Two-sided p of "effect != null": twice the smaller one-sided p, at most 1."""
    return min(1.0, 2 * min(p_greater(dist, null), p_less(dist, null)))
