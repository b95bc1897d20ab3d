"""Concentrated masks, as in IGLL: one contiguous rectangular region of a given area.

IGLL reports 10 %, 25 % and 77 % hole settings. The region is an axis-aligned rectangle with a
random aspect ratio, placed at a random position fully inside the image; its pixel area is
within +-1 % (absolute) of the target.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 0.01


def concentrated_mask(rng: np.random.Generator, size: int, fraction: float) -> np.ndarray:
    """One rectangle `(size, size) float32 in {0, 1}`, hole fraction within +-1 % of `fraction`."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    # Aspect ratio h / w such that both sides fit: h = sqrt(f a) S <= S and w = sqrt(f / a) S <= S.
    lo, hi = max(fraction, 0.5), min(1 / fraction, 2.0)
    for _ in range(100):
        aspect = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        h = min(size, max(1, int(round(np.sqrt(fraction * aspect) * size))))
        w = min(size, max(1, int(round(fraction * size * size / h))))
        if abs(h * w / size**2 - fraction) <= TOLERANCE:
            y, x = int(rng.integers(0, size - h + 1)), int(rng.integers(0, size - w + 1))
            mask = np.zeros((size, size), np.float32)
            mask[y : y + h, x : x + w] = 1
            return mask
    raise RuntimeError(f"cannot place a {fraction:.0%} rectangle within +-1 % at {size}x{size}")
