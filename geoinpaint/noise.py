"""Smooth random fields shared by the procedural scenes, the cloud masks and the cloud fill."""

from __future__ import annotations

import numpy as np


def smooth_noise(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise rescaled to [0, 1]; `sigma` in pixels sets the blob size."""
    from scipy import ndimage  # on first use: most job processes never call it

    field = ndimage.gaussian_filter(rng.standard_normal((size, size)), sigma, mode="wrap")
    lo, hi = field.min(), field.max()
    return ((field - lo) / (hi - lo + 1e-12)).astype(np.float32)
