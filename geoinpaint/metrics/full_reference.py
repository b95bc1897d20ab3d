"""Full-reference image quality on saved 8-bit images (docs/conventions.md, "Metrics").

All three compare a whole `(H, W, 3) uint8` output with its `(H, W, 3) uint8` ground truth,
RGB, data range 255; a set's value is the mean of the per-image values.
"""

from __future__ import annotations

import numpy as np
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity


def _check(gt: np.ndarray, out: np.ndarray) -> None:
    if gt.dtype != np.uint8 or out.dtype != np.uint8:
        raise TypeError(f"metrics take uint8 images, got {gt.dtype} and {out.dtype}")
    if gt.shape != out.shape or gt.ndim != 3 or gt.shape[2] != 3:
        raise ValueError(
            f"expected two (H, W, 3) images of one shape, got {gt.shape} and {out.shape}"
        )


def mse(gt: np.ndarray, out: np.ndarray) -> float:
    """Mean squared error over all pixels and channels, in 0-255^2 units (the papers' MSE)."""
    _check(gt, out)
    return float(mean_squared_error(gt, out))


def psnr(gt: np.ndarray, out: np.ndarray) -> float:
    """PSNR in dB, 10 log10(255^2 / MSE) with MSE over all pixels and channels; inf if equal."""
    _check(gt, out)
    if np.array_equal(gt, out):
        return float("inf")
    return float(peak_signal_noise_ratio(gt, out, data_range=255))


def ssim(gt: np.ndarray, out: np.ndarray) -> float:
    """SSIM (Wang et al. 2004) as scikit-image computes it: 7x7 uniform window, K1 0.01,
    K2 0.03, data range 255, computed per RGB channel and averaged."""
    _check(gt, out)
    return float(structural_similarity(gt, out, data_range=255, channel_axis=-1))
