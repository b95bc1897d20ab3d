"""Full-reference image quality on saved 8-bit images (docs/conventions.md, "Metrics").

Every metric compares an `(H, W, 3) uint8` output with its `(H, W, 3) uint8` ground truth, RGB,
data range 255; a set's value is the mean of the per-image values. `mse`, `psnr` and `ssim` are
the scikit-image definitions, one image at a time; `full_reference_batch` computes them (and
their hole-region variants) for a batch in torch, `ms_ssim_batch` computes piq's MS-SSIM.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from geoinpaint.metrics.filters import gaussian_taps, separable_filter

# The single-image reference versions below import scikit-image's metrics when called: that
# import pulls scipy.stats (a second per process), which the batched versions never need.


def _check(gt: np.ndarray, out: np.ndarray) -> None:
    if gt.dtype != np.uint8 or out.dtype != np.uint8:
        raise TypeError(f"metrics take uint8 images, got {gt.dtype} and {out.dtype}")
    if gt.shape != out.shape or gt.ndim != 3 or gt.shape[2] != 3:
        raise ValueError(
            f"expected two (H, W, 3) images of one shape, got {gt.shape} and {out.shape}"
        )


def mse(gt: np.ndarray, out: np.ndarray) -> float:
    """Mean squared error over all pixels and channels, in 0-255^2 units (the papers' MSE)."""
    from skimage.metrics import mean_squared_error

    _check(gt, out)
    return float(mean_squared_error(gt, out))


def psnr(gt: np.ndarray, out: np.ndarray) -> float:
    """PSNR in dB, 10 log10(255^2 / MSE) with MSE over all pixels and channels; inf if equal."""
    from skimage.metrics import peak_signal_noise_ratio

    _check(gt, out)
    if np.array_equal(gt, out):
        return float("inf")
    return float(peak_signal_noise_ratio(gt, out, data_range=255))


def ssim(gt: np.ndarray, out: np.ndarray) -> float:
    """SSIM (Wang et al. 2004) as scikit-image computes it: 7x7 uniform window, K1 0.01,
    K2 0.03, data range 255, computed per RGB channel and averaged."""
    from skimage.metrics import structural_similarity

    _check(gt, out)
    return float(structural_similarity(gt, out, data_range=255, channel_axis=-1))


# Batched versions for `geoinpaint evaluate`. They take `(N, H, W, 3) uint8` arrays, compute in
# float64 with torch (CPU or GPU) and agree with the scikit-image functions above
# (tests/test_metrics.py); the hole-region variants use the binary masks `(N, H, W)`, 1 = hole.

SSIM_WIN = 7  # skimage's default window for structural_similarity
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang et al. (2003), finest first
MS_SSIM_KERNEL = 11  # Gaussian window of MS-SSIM (sigma 1.5), as piq and Wang et al. (2003)


def to_tensor(images: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """`(N, H, W, 3) uint8` -> `(N, 3, H, W) float64` in [0, 255] on `device`."""
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected (N, H, W, 3) uint8 images, got {images.shape} {images.dtype}")
    return torch.from_numpy(images).to(device).permute(0, 3, 1, 2).to(torch.float64)


def _ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """skimage's SSIM map at the valid window positions: `(N, 3, H - 6, W - 6)`."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    n = SSIM_WIN**2
    cov_norm = n / (n - 1)  # skimage's sample covariance

    box = torch.full((SSIM_WIN,), 1 / SSIM_WIN, dtype=torch.float64)  # 7x7 mean, valid positions
    ux, uy, xx, yy, xy = separable_filter(torch.cat([x, y, x * x, y * y, x * y], 1), box).split(
        3, 1
    )
    vx = cov_norm * (xx - ux * ux)
    vy = cov_norm * (yy - uy * uy)
    vxy = cov_norm * (xy - ux * uy)
    return ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))


def _psnr(mse_values: torch.Tensor) -> torch.Tensor:
    return 10 * torch.log10(255.0**2 / mse_values)  # inf where the MSE is 0


def full_reference_batch(
    gt: np.ndarray, out: np.ndarray, masks: np.ndarray, device: torch.device | str = "cpu"
) -> dict[str, np.ndarray]:
    """Whole-image and hole-region MSE, PSNR and SSIM of a batch, one value per image.

    Hole-region variants (NaN for an image without hole pixels):
    `mse_hole` = sum of squared errors over the hole pixels and 3 channels / (3 x hole pixels);
    `psnr_hole` = 10 log10(255^2 / mse_hole); `ssim_hole` = the SSIM map of `ssim` (7x7 windows,
    which near the hole's edge also cover known pixels) averaged over the hole pixels at least 3
    pixels from the image border (the valid window centres), per channel, then over channels.
    """
    x, y = to_tensor(gt, device), to_tensor(out, device)
    m = torch.from_numpy(np.ascontiguousarray(masks) > 0.5).to(device).to(torch.float64)
    m = m[:, None]
    sq = (x - y) ** 2
    mse_all = sq.mean(dim=(1, 2, 3))
    n_hole = m.sum(dim=(1, 2, 3))
    mse_hole = (sq * m).sum(dim=(1, 2, 3)) / (3 * n_hole)
    smap = _ssim_map(x, y)
    pad = SSIM_WIN // 2
    m_valid = m[:, :, pad:-pad, pad:-pad]
    n_valid = m_valid.sum(dim=(1, 2, 3))
    ssim_hole = (smap * m_valid).sum(dim=(1, 2, 3)) / (3 * n_valid)
    nan = torch.tensor(float("nan"), dtype=torch.float64, device=device)
    res = {
        "psnr": _psnr(mse_all),
        "ssim": smap.mean(dim=(1, 2, 3)),
        "mse": mse_all,
        "psnr_hole": torch.where(n_hole > 0, _psnr(mse_hole), nan),
        "ssim_hole": torch.where(n_valid > 0, ssim_hole, nan),
        "mse_hole": torch.where(n_hole > 0, mse_hole, nan),
    }
    return {k: v.cpu().numpy() for k, v in res.items()}


def ms_ssim_min_size(scales: int) -> int:
    """Smallest image side MS-SSIM with `scales` scales accepts: the 11x11 window must fit the
    coarsest scale, `(11 - 1) * 2^(scales - 1) + 1` (161 for 5 scales, 41 for 3)."""
    return (MS_SSIM_KERNEL - 1) * 2 ** (scales - 1) + 1


def ms_ssim_batch(
    gt: np.ndarray, out: np.ndarray, scales: int = 5, device: torch.device | str = "cpu"
) -> np.ndarray:
    """MS-SSIM (Wang et al. 2003) per image, the values `piq.multi_scale_ssim` computes.

    11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, 2x2 average pooling between scales
    (an odd side first repeats its first row/column), contrast-structure at the finer scales and
    SSIM at the coarsest (each clipped at 0), per RGB channel, then the mean over channels.
    `scales=5` is the standard definition with Wang's five weights; fewer scales use Wang's first
    `scales` weights renormalised to sum 1. The window is applied separably (`metrics.filters`;
    piq convolves with the 2-D window, 40x slower in float64 on the CPU); tests check the result
    against piq and against an independent scipy version.

    Raises:
        ValueError: an image side is below `ms_ssim_min_size(scales)`.
    """
    side = min(gt.shape[1:3])
    if side < ms_ssim_min_size(scales):
        raise ValueError(
            f"MS-SSIM with {scales} scales needs images of at least {ms_ssim_min_size(scales)} px "
            f"per side, these are {gt.shape[2]}x{gt.shape[1]}"
        )
    # float64: in float32 the variances' cancellation moves MS-SSIM by up to ~2e-4, visible
    # at 4 decimals.
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], dtype=torch.float64, device=device)
    weights = weights / weights.sum()
    x, y = to_tensor(gt, device) / 255.0, to_tensor(out, device) / 255.0
    c1, c2 = 0.01**2, 0.03**2
    window = gaussian_taps(MS_SSIM_KERNEL, 1.5)
    terms = []
    for scale in range(scales):
        if scale:
            pad = max(x.shape[2] % 2, x.shape[3] % 2)
            x = F.avg_pool2d(F.pad(x, [pad, 0, pad, 0], mode="replicate"), 2)
            y = F.avg_pool2d(F.pad(y, [pad, 0, pad, 0], mode="replicate"), 2)
        stats = separable_filter(torch.cat([x, y, x * x, y * y, x * y], 1), window)
        mx, my, xx, yy, xy = stats.split(3, 1)
        cs = (2 * (xy - mx * my) + c2) / (xx - mx**2 + yy - my**2 + c2)
        if scale < scales - 1:
            terms.append(cs.mean(dim=(-1, -2)))
        else:
            lum = (2 * mx * my + c1) / (mx**2 + my**2 + c1)
            terms.append((lum * cs).mean(dim=(-1, -2)))
    clipped = torch.relu(torch.stack(terms))  # (scales, N, 3)
    value = torch.prod(clipped ** weights.view(-1, 1, 1), dim=0).mean(dim=1)
    return value.cpu().numpy()
