"""Holm's step-down correction of a family of p-values (Holm 1979)."""

from __future__ import annotations

import numpy as np


def holm(p_values) -> np.ndarray:
    """Holm-adjusted p-values, in the input order; NaN entries stay NaN and do not count.

    With the m p-values sorted ascending, p_(i) becomes max over j <= i of
    min(1, (m - j + 1) * p_(j)): rejecting where the adjusted p < alpha controls the
    family-wise error rate at alpha under any dependence.
    """
    p = np.asarray(p_values, np.float64)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    if idx.size == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    m = idx.size
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out
