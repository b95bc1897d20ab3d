"""One batched pass scores every metric of a row, or says why it could not."""

import numpy as np
import pytest

from geoinpaint.metrics.full_reference import full_reference_batch
from geoinpaint.metrics.no_reference import brisque_batch
from geoinpaint.metrics.suite import PER_IMAGE, score_set


@pytest.fixture
def row():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 256, (5, 48, 48, 3)).astype(np.uint8)
    out = np.clip(gt.astype(int) + rng.integers(-30, 31, gt.shape), 0, 255).astype(np.uint8)
    masks = np.zeros((5, 48, 48), np.float32)
    masks[:, 10:30, 5:25] = 1
    return gt, out, masks


def test_offline_pass_scores_what_needs_no_weights_and_names_every_missing_file(row, torch_home):
    gt, out, masks = row
    s = score_set(gt, out, masks, batch_size=2)  # batches of 2, 2, 1
    assert set(s.per_image) == set(PER_IMAGE)
    ref = full_reference_batch(gt, out, masks)
    for key in ("psnr", "ssim", "mse", "psnr_hole", "ssim_hole", "mse_hole"):
        np.testing.assert_allclose(s.per_image[key], ref[key])
    np.testing.assert_allclose(s.per_image["brisque_live_svr"], brisque_batch(out))
    assert np.isfinite(s.per_image["ms_ssim_3s"]).all()  # 48 px >= 41
    assert "161 px" in s.unavailable["ms_ssim"] and np.isnan(s.per_image["ms_ssim"]).all()
    assert "alexnet-owt-7be5be79.pth" in s.unavailable["lpips"]
    assert "brisque_svm_weights.pt" in s.unavailable["brisque_matlab_svr"]
    for key in ("fid", "kid", "fid_n_images"):
        assert "pt_inception-2015-12-05-6726825d.pth" in s.unavailable[key]
        assert s.set_values[key] is None
    assert s.weights == {}


def test_mismatched_shapes_are_an_error(row):
    gt, out, masks = row
    with pytest.raises(ValueError, match="shapes differ"):
        score_set(gt, out[:, :40], masks)
