"""Student-t confidence intervals of a mean over a few replicates (the seeds of a table cell)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided t-interval: `mean ± half_width` over `n` values.

    `half_width` is NaN when `n < 2` (one seed has no spread to estimate)."""

    mean: float
    half_width: float
    n: int
    confidence: float = 0.95

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width


def t_interval(values, confidence: float = 0.95) -> Interval:
    """The mean of `values` (NaN ignored) and the half-width of its two-sided t-interval,
    `t_{(1+c)/2, n-1} * s / sqrt(n)` with the sample standard deviation `s` (ddof 1)."""
    x = np.asarray(values, np.float64).ravel()
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, 0, confidence)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, n, confidence)
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sem
    return Interval(mean, half, n, confidence)
