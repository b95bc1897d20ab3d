"""The metrics as the field's libraries compute them, one image at a time: what the suite's
batched metrics are checked against (tests, `benchmarks/bench_metrics.py`). Never used to score.

- PSNR, SSIM, MSE: scikit-image (`metrics.full_reference.psnr`, `ssim`, `mse`);
- MS-SSIM: `piq.multi_scale_ssim` with Wang's weights (the first `scales`, renormalised);
- BRISQUE (LIVE-SVR): the `brisque` PyPI package's `BRISQUE().score`, with its NumPy >= 2
  failure worked around (`PackageBrisque`).
"""

from __future__ import annotations

import numpy as np
from brisque import BRISQUE

from geoinpaint.metrics import full_reference as fr


class PackageBrisque(BRISQUE):
    """The `brisque` package (0.2.0) with its NumPy >= 2 failure worked around: its AGGD fit
    returns 1-element arrays, which `float()` in `scale_features` refuses under NumPy 2.4."""

    def scale_features(self, features):
        return super().scale_features([np.asarray(f).item() for f in features])


def ms_ssim(gt: np.ndarray, out: np.ndarray, scales: int) -> float:
    """`piq.multi_scale_ssim` of two `(H, W, 3) uint8` images, in float64."""
    import piq
    import torch

    x, y = (torch.from_numpy(a[None]).permute(0, 3, 1, 2).double() / 255 for a in (gt, out))
    weights = torch.tensor(fr.MS_SSIM_WEIGHTS[:scales], dtype=torch.float64)
    value = piq.multi_scale_ssim(
        x,
        y,
        data_range=1.0,
        kernel_size=fr.MS_SSIM_KERNEL,
        kernel_sigma=1.5,
        scale_weights=weights / weights.sum(),
    )
    return float(value)


def per_image_loop(gt: np.ndarray, out: np.ndarray, ms_ssim_scales: int) -> dict[str, np.ndarray]:
    """Every reference metric of `(N, H, W, 3) uint8` batches, image by image."""
    brisque = PackageBrisque()
    rows = [
        (
            fr.psnr(g, o),
            fr.ssim(g, o),
            fr.mse(g, o),
            ms_ssim(g, o, ms_ssim_scales),
            brisque.score(o),
        )
        for g, o in zip(gt, out, strict=True)
    ]
    names = ("psnr", "ssim", "mse", "ms_ssim", "brisque_live_svr")
    columns = zip(*rows, strict=True)
    return {name: np.array(values) for name, values in zip(names, columns, strict=True)}
