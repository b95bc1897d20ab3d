"""GMCNN (`gmcnn`): the official generator's size, its smallest input, the losses, training."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from geoinpaint.baselines.gmcnn.discriminators import GlobalLocalDiscriminator
from geoinpaint.baselines.gmcnn.losses import confidence_weights, gauss_kernel, id_mrf
from geoinpaint.baselines.gmcnn.network import SameConv
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe_untrained
from geoinpaint.methods.registry import build_method

from .overfit import l1_first_and_last
from .test_csa import (  # noqa: F401
    FakeVGG,
    meta_method,
    scene_batch,
)

OFFICIAL_PARAMS = 12_561_891  # baselines.md: the authors' PyTorch GMCNN, = their log's 12.562 M
SMALL = {"width": 0.125, "dilations": [2, 4], "confidence_size": 17}
TINY = {**SMALL, "padding": "zero", "confidence_size": 9, "d_steps": 1, "pretrain_epochs": 1}


def test_gmcnn_generator_is_the_official_size():
    method = meta_method("gmcnn")
    generator = method.nets["generator"]
    n = count_parameters(method.nets)
    assert n == OFFICIAL_PARAMS
    assert abs(n - OFFICIAL_PARAMS) <= 0.1 * OFFICIAL_PARAMS
    assert [count_parameters(c) for c in generator.columns] == [7_132_576, 3_947_040, 1_449_568]
    assert count_parameters(generator.merge) == 32_707
    assert method.variant() == {} and method.notes() == []


def test_gmcnn_discriminators_are_the_official_size():
    # baselines.md: 5,417,730 trainable for 128 px rectangles, 5,466,882 for free-form masks.
    rect = GlobalLocalDiscriminator(256, 128)  # on the CPU: spectral norm is slow on meta
    free_form = GlobalLocalDiscriminator(256)
    assert count_parameters(rect) == 5_417_730
    assert count_parameters(free_form) == 5_466_882


def test_gmcnn_paper_generator_needs_196px_and_says_why():
    generator = meta_method("gmcnn").nets["generator"]
    assert generator.min_side == 196
    with pytest.raises(ValueError, match="at least 196 px"):
        generator(torch.zeros(1, 4, 192, 192))
    # What breaks: the dilation-16 7x7 conv pads 48 px by reflection at 1/4 resolution.
    with pytest.raises(RuntimeError):
        SameConv(1, 1, 7, dilation=16)(torch.zeros(1, 1, 48, 48))
    assert SameConv(1, 1, 7, dilation=16)(torch.zeros(1, 1, 49, 49)).shape[-1] == 49


def test_gmcnn_small_variant_inpaints_64px_in_range():
    method = build_method("gmcnn", SMALL)
    assert method.nets["generator"].min_side == 52
    batch = scene_batch(64, n=2)
    out = method.inpaint(batch.occluded(0.3), batch.masks)
    assert out.shape == (2, 3, 64, 64) and 0 <= out.min() and out.max() <= 1
    torch.testing.assert_close(method.inpaint(batch.occluded(0.9), batch.masks), out)
    assert "CPU variant (width=0.125, dilations=(2, 4))" in method.notes()[0]


def test_confidence_weights_are_zero_outside_and_decay_into_the_hole():
    kernel = torch.outer(gauss_kernel(), gauss_kernel())  # baselines.md: max/min 1.0005
    assert kernel.shape == (65, 65) and kernel.max() / kernel.min() < 1.001
    torch.testing.assert_close(kernel.sum(), torch.tensor(1.0))
    masks = torch.zeros(1, 1, 64, 64)
    masks[..., 16:48, 16:48] = 1
    c = confidence_weights(masks, size=17)[0, 0]
    assert (c[masks[0, 0] == 0] == 0).all()
    inside = c[16:48, 16:48]
    assert (inside > 0).all() and (inside <= 1).all()
    assert c[16, 32] > c[24, 32] > c[32, 32]
    # The separable blur is the authors' 2-D one: one iteration by a direct 2-D convolution.
    k2 = torch.outer(gauss_kernel(17), gauss_kernel(17))[None, None]
    once = F.conv2d(F.pad(1 - masks, (8,) * 4, mode="reflect"), k2) * masks
    torch.testing.assert_close(confidence_weights(masks, size=17, iterations=1), once)


def test_id_mrf_is_zero_for_identical_features_and_grows_otherwise():
    gen = torch.Generator().manual_seed(0)
    a = {k: torch.rand(2, 16, 6, 6, generator=gen) for k in ("relu3_2", "relu4_2")}
    b = {k: torch.rand(2, 16, 6, 6, generator=gen) for k in ("relu3_2", "relu4_2")}
    assert float(id_mrf(a, a)) < 1e-3
    assert float(id_mrf(b, a)) > 1


@pytest.mark.parametrize("gan_loss", ["hinge", "wgan-gp"])
def test_gmcnn_routine_pretrains_then_adds_the_discriminators(gan_loss):
    torch.manual_seed(0)
    method = build_method("gmcnn", {**TINY, "gan_loss": gan_loss})
    batch = scene_batch(32, n=2)
    routine = method.routine(TrainContext("classification", 32, 2, torch.device("cpu")))
    assert set(routine.train_step(batch)) == {"l1", "rec", "ae", "total"}
    routine.end_epoch(0)  # pretraining (1 epoch) is over: G's Adam restarts
    assert not routine.opts["g"].state
    losses = routine.train_step(batch)
    assert {"d", "g_adv"} <= set(losses) and all(torch.isfinite(v) for v in losses.values())
    state = routine.state_dict()
    fresh = method.routine(TrainContext("classification", 32, 2, torch.device("cpu")))
    fresh.load_state_dict(state)
    assert fresh.adversarial


def test_gmcnn_id_mrf_joins_after_pretraining(monkeypatch):
    monkeypatch.setattr("geoinpaint.baselines.gmcnn.routine.VGGFeatures", FakeVGG)
    torch.manual_seed(0)
    method = build_method("gmcnn", {**SMALL, "pretrain_epochs": 0, "d_steps": 1})
    routine = method.routine(TrainContext("classification", 64, 2, torch.device("cpu")))
    losses = routine.train_step(scene_batch(64, n=2))
    assert {"mrf", "d", "g_adv"} <= set(losses) and torch.isfinite(losses["mrf"])
    assert method.provenance()["id_mrf_loss"] == "used"


@pytest.mark.slow
def test_gmcnn_routine_overfits_one_batch():
    # The official lr (1e-5) moves too little in 100 steps, and the 0.125 width's 2-channel
    # merge layer saturates at higher rates: a 0.25 width at lr 1e-3 shows the losses train.
    options = {**SMALL, "width": 0.25, "lr": 1e-3}
    first, last = l1_first_and_last("gmcnn", options, scene_batch(64))
    assert last < 0.5 * first, (first, last)


@pytest.mark.slow
def test_gmcnn_describe_at_paper_settings():
    _, info = describe_untrained("gmcnn", 256)  # on the meta device: shapes, no data
    assert info["params"] == OFFICIAL_PARAMS
    assert abs(info["gflops"] - 134.4) < 1  # baselines.md: 134.4 GFLOPs at 256x256
    assert abs(info["gmacs_thop"] - 67.2) < 0.5  # measured 67.196 (thop 0.1.1)
