"""Metric definitions checked against closed-form values computed independently of the code."""

import numpy as np
import pytest

from geoinpaint.metrics.full_reference import mse, psnr, ssim
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
