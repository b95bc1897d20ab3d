"""Metric definitions checked against closed-form values computed independently of the code."""

import numpy as np
import pytest
from scipy import ndimage

from geoinpaint.metrics.full_reference import (
    MS_SSIM_WEIGHTS,
    full_reference_batch,
    ms_ssim_batch,
    ms_ssim_min_size,
    mse,
    psnr,
    ssim,
)
from geoinpaint.metrics.task import accuracy


def _pair(offset: int):
    rng = np.random.default_rng(0)
    gt = rng.integers(20, 200, (16, 16, 3)).astype(np.uint8)
    return gt, (gt.astype(int) + offset).astype(np.uint8)


@pytest.mark.parametrize("offset", [1, 5, 30])
def test_mse_and_psnr_of_a_constant_offset_are_closed_form(offset):
    gt, out = _pair(offset)
    assert mse(gt, out) == pytest.approx(offset**2)
    assert psnr(gt, out) == pytest.approx(10 * np.log10(255**2 / offset**2))


def test_psnr_uses_mse_over_all_channels_not_the_mean_of_per_channel_psnr():
    gt = np.zeros((4, 4, 3), np.uint8)
    out = gt.copy()
    out[..., 0] = 10  # only red differs: MSE = 100 / 3
    assert psnr(gt, out) == pytest.approx(10 * np.log10(255**2 / (100 / 3)))


def test_psnr_of_identical_images_is_infinite_and_ssim_is_one():
    gt, _ = _pair(0)
    assert psnr(gt, gt) == float("inf") and ssim(gt, gt) == pytest.approx(1.0)


def test_ssim_of_a_constant_offset_matches_the_luminance_term():
    # Constant images: SSIM reduces to (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1).
    gt = np.full((16, 16, 3), 100, np.uint8)
    out = np.full((16, 16, 3), 120, np.uint8)
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 120 + c1) / (100**2 + 120**2 + c1)
    assert ssim(gt, out) == pytest.approx(expected, rel=1e-6)


def test_metrics_refuse_float_images():
    with pytest.raises(TypeError, match="uint8"):
        psnr(np.zeros((4, 4, 3)), np.zeros((4, 4, 3)))


def test_accuracy_is_in_percent():
    assert accuracy(np.array([0, 1, 2, 2]), np.array([0, 1, 2, 0])) == 75.0


def _batch(n=3, h=24, w=20, seed=1):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 256, (n, h, w, 3)).astype(np.uint8)
    out = np.clip(gt.astype(int) + rng.integers(-50, 51, gt.shape), 0, 255).astype(np.uint8)
    masks = np.zeros((n, h, w), np.float32)
    masks[:, 4:15, 3:12] = 1
    return gt, out, masks


def test_batched_psnr_ssim_mse_equal_scikit_image_per_image():
    gt, out, masks = _batch()
    got = full_reference_batch(gt, out, masks)
    for k in range(len(gt)):
        assert got["psnr"][k] == pytest.approx(psnr(gt[k], out[k]), abs=1e-10)
        assert got["ssim"][k] == pytest.approx(ssim(gt[k], out[k]), abs=1e-10)
        assert got["mse"][k] == pytest.approx(mse(gt[k], out[k]), abs=1e-9)


def test_hole_mse_and_psnr_of_an_offset_inside_the_hole_are_closed_form():
    gt, _, masks = _batch()
    hole = masks[..., None].repeat(3, -1) > 0
    gt[hole] = np.minimum(gt[hole], 200)  # so that +7 never clips
    out = gt.copy()
    out[hole] = gt[hole] + 7
    got = full_reference_batch(gt, out, masks)
    frac = masks.mean(axis=(1, 2))
    np.testing.assert_allclose(got["mse_hole"], 49.0)
    np.testing.assert_allclose(got["psnr_hole"], 10 * np.log10(255**2 / 49.0))
    np.testing.assert_allclose(got["mse"], 49.0 * frac)


def _ssim_hole_brute_force(gt, out, mask, win=7):
    """Independent reference: one 7x7 window per valid centre, sample (co)variances."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    r = win // 2
    vals = []
    for ch in range(3):
        x, y = gt[..., ch].astype(float), out[..., ch].astype(float)
        for i in range(r, x.shape[0] - r):
            for j in range(r, x.shape[1] - r):
                if not mask[i, j]:
                    continue
                a = x[i - r : i + r + 1, j - r : j + r + 1].ravel()
                b = y[i - r : i + r + 1, j - r : j + r + 1].ravel()
                cov = np.cov(a, b)  # ddof = 1
                num = (2 * a.mean() * b.mean() + c1) * (2 * cov[0, 1] + c2)
                den = (a.mean() ** 2 + b.mean() ** 2 + c1) * (cov[0, 0] + cov[1, 1] + c2)
                vals.append(num / den)
    return float(np.mean(vals))


def test_hole_ssim_equals_a_brute_force_mean_over_windows_centred_in_the_hole():
    gt, out, masks = _batch(n=2)
    got = full_reference_batch(gt, out, masks)
    for k in range(2):
        ref = _ssim_hole_brute_force(gt[k], out[k], masks[k] > 0)
        assert got["ssim_hole"][k] == pytest.approx(ref, abs=1e-10)


def test_hole_metrics_are_nan_for_an_image_without_hole_pixels():
    gt, out, masks = _batch(n=2)
    masks[1] = 0
    got = full_reference_batch(gt, out, masks)
    for key in ("psnr_hole", "ssim_hole", "mse_hole"):
        assert np.isfinite(got[key][0]) and np.isnan(got[key][1])


def _ms_ssim_reference(gt, out, scales):
    """Independent reference (Wang et al. 2003) with scipy: 11x11 Gaussian (sigma 1.5) over the
    valid positions, cs at every scale, luminance at the coarsest, 2x2 mean pooling."""
    c1, c2 = 0.01**2, 0.03**2
    g = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5**2))
    kernel = np.outer(g, g) / np.outer(g, g).sum()
    w = np.array(MS_SSIM_WEIGHTS[:scales])
    w = w / w.sum()
    per_channel = []
    for ch in range(3):
        x, y = gt[..., ch] / 255.0, out[..., ch] / 255.0
        prod = 1.0
        for s in range(scales):
            if s:  # odd sides: first row and column repeated before 2x2 pooling
                x, y = (
                    np.pad(a, ((a.shape[0] % 2, 0), (a.shape[1] % 2, 0)), "edge") for a in (x, y)
                )
                x = x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).mean((1, 3))
                y = y.reshape(y.shape[0] // 2, 2, y.shape[1] // 2, 2).mean((1, 3))

            def filt(a):
                return ndimage.correlate(a, kernel, mode="constant")[5:-5, 5:-5]

            mx, my = filt(x), filt(y)
            vx, vy, vxy = filt(x * x) - mx**2, filt(y * y) - my**2, filt(x * y) - mx * my
            cs = ((2 * vxy + c2) / (vx + vy + c2)).mean()
            lum = (
                (2 * mx * my + c1) / (mx**2 + my**2 + c1) * (2 * vxy + c2) / (vx + vy + c2)
            ).mean()
            prod *= max(lum if s == scales - 1 else cs, 0) ** w[s]
        per_channel.append(prod)
    return float(np.mean(per_channel))


@pytest.mark.parametrize(("scales", "side"), [(5, 161), (3, 64)])
def test_ms_ssim_equals_an_independent_scipy_implementation(scales, side):
    rng = np.random.default_rng(3)
    base = ndimage.gaussian_filter(rng.random((2, side, side, 3)) * 255, (0, 2, 2, 0))
    gt = base.astype(np.uint8)
    out = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    got = ms_ssim_batch(gt, out, scales)
    for k in range(2):
        assert got[k] == pytest.approx(_ms_ssim_reference(gt[k], out[k], scales), abs=1e-8)


def test_ms_ssim_of_constant_images_is_the_coarsest_luminance_term_to_its_weight():
    gt = np.full((1, 64, 64, 3), 100, np.uint8)
    out = np.full((1, 64, 64, 3), 140, np.uint8)
    c1 = 0.01**2
    lum = (2 * (100 / 255) * (140 / 255) + c1) / ((100 / 255) ** 2 + (140 / 255) ** 2 + c1)
    weight = MS_SSIM_WEIGHTS[2] / sum(MS_SSIM_WEIGHTS[:3])
    assert ms_ssim_batch(gt, out, 3)[0] == pytest.approx(lum**weight, rel=1e-10)


def test_ms_ssim_refuses_images_below_its_minimum_size():
    assert ms_ssim_min_size(5) == 161 and ms_ssim_min_size(3) == 41
    img = np.zeros((1, 64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="at least 161 px"):
        ms_ssim_batch(img, img, 5)


@pytest.mark.parametrize(("scales", "shape"), [(5, (165, 170)), (3, (64, 64)), (3, (47, 53))])
def test_ms_ssim_equals_piq(scales, shape):
    import piq
    import torch

    rng = np.random.default_rng(5)
    base = ndimage.gaussian_filter(rng.random((3, *shape, 3)) * 255, (0, 2, 2, 0))
    gt = base.astype(np.uint8)
    out = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
    x, y = (torch.from_numpy(a).permute(0, 3, 1, 2).double() / 255 for a in (gt, out))
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], dtype=torch.float64)
    expected = piq.multi_scale_ssim(
        x,
        y,
        data_range=1.0,
        kernel_size=11,
        kernel_sigma=1.5,
        reduction="none",
        scale_weights=weights,
    )
    np.testing.assert_allclose(ms_ssim_batch(gt, out, scales), expected.numpy(), atol=1e-12)
