"""HINT (`hint`): the official generator's size, mask-aware down-sampling, SCAL, training."""

from __future__ import annotations

import pytest
import torch

from geoinpaint.baselines.hint.network import SCAL, MaskAwareDownsample
from geoinpaint.methods.describe import count_parameters, describe_untrained
from geoinpaint.methods.registry import build_method

from .overfit import l1_first_and_last
from .test_han import meta_method, scene_batch

OFFICIAL_PARAMS = 72_265_248  # baselines.md: ChrisChen1023/HINT (IGLL's 21.167 M matches nothing)
OFFICIAL_MODULES = {  # baselines.md, per official module
    "embed": 3_456,
    "enc1": 374_836,
    "down1": 12_096,
    "enc2": 2_175_348,
    "latent": 45_185_248,
    "up3": 2_654_208,
    "reduce3": 73_728,
    "dec1": 1_450_228,
    "output": 2_592,
}
SMALL = {"width": 0.125, "blocks": [1, 1, 1, 1], "ffn_factor": 1.0}


def test_hint_generator_is_the_official_size():
    method = meta_method("hint")
    n = count_parameters(method.nets)
    assert n == OFFICIAL_PARAMS
    assert abs(n - OFFICIAL_PARAMS) <= 0.1 * OFFICIAL_PARAMS
    generator = method.nets["generator"]
    assert {k: count_parameters(getattr(generator, k)) for k in OFFICIAL_MODULES} == (
        OFFICIAL_MODULES
    )
    assert method.variant() == {} and method.notes() == []


def test_mpd_pairs_each_feature_with_the_mask_of_its_own_subpixel():
    mpd = MaskAwareDownsample(4)  # 4 -> 2 channels, unshuffled to 8, fused to 8
    torch.nn.init.ones_(mpd.fuse.weight)
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., 0::2, 1::2] = 1  # holes at sub-pixel position 1 (top-right) of every 2x2 cell
    out = mpd(torch.zeros(1, 4, 4, 4), mask)
    # Only the outputs of sub-pixel 1 (channels 1 and 5) see a mask; the rest see zeros.
    touched = out.abs().flatten(2).sum(-1)[0] > 0
    assert touched.tolist() == [False, True, False, False, False, True, False, False]


def test_scal_keeps_the_shape_and_has_one_temperature_per_head():
    scal = SCAL(16, heads=4)
    assert scal.temperature.shape == (4, 1, 1)
    assert scal(torch.randn(2, 16, 8, 6)).shape == (2, 16, 8, 6)


def test_small_hint_inpaints_a_64px_batch_without_reading_the_occluder():
    batch = scene_batch(64, n=2)
    method = build_method("hint", SMALL)
    assert set(method.variant()) == {"width", "blocks", "ffn_factor"}
    pred = method.inpaint(batch.occluded(1.0), batch.masks)
    other = method.inpaint(batch.occluded(0.3), batch.masks)
    assert pred.shape == (2, 3, 64, 64) and 0 <= pred.min() and pred.max() <= 1
    assert torch.equal(pred, other)


@pytest.mark.slow
def test_hint_overfits_one_batch():
    # At the paper's lr (1e-4) 100 steps cut L1 by about a quarter; 1e-3 shows the fit sooner.
    first, last = l1_first_and_last("hint", {**SMALL, "lr": 1e-3}, scene_batch(32))
    assert last < 0.5 * first


@pytest.mark.slow
def test_hint_describe_reports_the_official_costs():
    _, cost = describe_untrained("hint", 256)  # on the meta device: shapes, no data
    assert cost["params"] == OFFICIAL_PARAMS
    assert cost["gmacs_thop"] == pytest.approx(211.67, rel=1e-3)  # baselines.md, thop-0.1.1
    assert cost["gflops"] == pytest.approx(441.28, rel=1e-3)  # baselines.md, torch counter
