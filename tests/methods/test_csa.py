"""CSA (`csa`): the official networks' sizes, the coherent semantic attention layer, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.csa.attention import coherent_attention, feature_hole
from geoinpaint.baselines.csa.discriminators import FeaturePatchDiscriminator, PatchDiscriminator
from geoinpaint.data.synthetic import make_scene
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe
from geoinpaint.methods.registry import build_method
from geoinpaint.training.data import Batch

from .overfit import l1_first_and_last

OFFICIAL = {"coarse": 54_419_459, "refine": 77_692_291}  # baselines.md, measured
OFFICIAL_PARAMS = 132_111_750
SMALL = {"width": 0.125, "downsamplings": 6}


def meta_method(name: str, options: dict | None = None):
    """The method built on the meta device: parameter shapes without memory or time."""
    with torch.device("meta"):
        return build_method(name, options, device=torch.device("meta"))


def scene_batch(size: int, n: int = 4, seed: int = 0) -> Batch:
    """`n` procedural scenes, each with the same central hole (a quarter of the image)."""
    rng = np.random.default_rng(seed)
    images = np.stack([make_scene(i % 7, size, rng).image for i in range(n)])
    masks = torch.zeros(n, 1, size, size)
    masks[..., size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1
    return Batch(
        torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(),
        masks,
        torch.zeros(n, dtype=torch.long),
        torch.arange(n),
    )


class FakeVGG(nn.Module):
    """Stands in for `VGGFeatures` (its ImageNet file is not on test machines): each named
    layer at VGG's width and resolution, from a frozen pooled 1x1 projection."""

    SHAPES = {"relu3_2": (256, 4), "relu3_3": (256, 4), "relu4_2": (512, 8), "relu4_3": (512, 8)}

    def __init__(self, arch: str, layers: tuple[str, ...]):
        super().__init__()
        self.proj = nn.ModuleDict({k: nn.Conv2d(3, self.SHAPES[k][0], 1) for k in layers})
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: F.relu(p(F.avg_pool2d(x, self.SHAPES[k][1]))) for k, p in self.proj.items()}


def test_csa_generators_are_the_official_size():
    method = meta_method("csa")
    by_net = {k: count_parameters(v) for k, v in method.nets.items()}
    assert by_net == OFFICIAL
    n = count_parameters(method.nets)
    assert n == OFFICIAL_PARAMS
    assert abs(n - OFFICIAL_PARAMS) <= 0.1 * OFFICIAL_PARAMS
    assert method.multiple == 256 and method.variant() == {}


def test_csa_discriminators_are_the_official_size():
    assert count_parameters(PatchDiscriminator(64)) == 2_766_529
    assert count_parameters(FeaturePatchDiscriminator(512)) == 10_487_296


def reference_csa(x: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """The CSA layer as the paper states it, one position at a time: `(C, H, W)`, `(H, W)`."""
    f = x.flatten(1).T
    holes = hole.flatten()
    known = [k for k in range(len(f)) if not holes[k]]
    keys = torch.stack([f[k] / (f[k].norm() + 1e-8) for k in known])
    out, previous = f.clone(), None
    for p in range(len(f)):  # raster order
        if not holes[p]:
            continue
        scores = keys @ f[p]
        best = int(scores.argmax())
        d_max, match = scores[best], f[known[best]]
        if previous is None:
            value = match
        else:
            d_ad = previous @ (f[p] / (f[p].norm() + 1e-8))
            value = d_ad / (d_ad + d_max) * previous + d_max / (d_ad + d_max) * match
        out[p] = previous = value
    return out.T.reshape(x.shape)


def test_csa_layer_matches_a_position_by_position_loop():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(3, 5, 6, 6, generator=gen, dtype=torch.float64)
    hole = torch.zeros(3, 1, 6, 6, dtype=torch.bool)
    hole[0, :, 1:4, 2:5] = True
    hole[1, :, 0, :] = True
    hole[1, :, 3:5, 1] = True  # sample 2 has no hole: passes through
    out = coherent_attention(x, hole)
    for i in range(3):
        torch.testing.assert_close(out[i], reference_csa(x[i], hole[i, 0]))
    torch.testing.assert_close(out[2], x[2])


def test_csa_layer_gradient_is_the_authors_identity_plus_attention():
    x = torch.rand(1, 4, 3, 3, dtype=torch.float64, requires_grad=True)
    hole = torch.zeros(1, 1, 3, 3, dtype=torch.bool)
    hole[..., 1, 1] = True
    coherent_attention(x, hole)[0, :, 1, 1].sum().backward()
    # The hole's output is one known position's value: that position gets the gradient, and
    # the hole itself gets the authors' straight-through identity term.
    grad = x.grad[0].sum(0)
    assert grad[1, 1] == 4 and grad.sum() == 8 and (grad > 0).sum() == 2


def test_feature_hole_is_the_mask_at_one_eighth_resolution():
    masks = torch.zeros(1, 1, 64, 64)
    masks[..., 16:48, 16:48] = 1
    hole = feature_hole(masks)
    assert hole.shape == (1, 1, 8, 8) and hole.dtype == torch.bool
    assert hole[0, 0, 3:5, 3:5].all() and not hole[0, 0, 0].any()


def test_csa_small_variant_inpaints_64px_in_range():
    method = build_method("csa", SMALL)
    batch = scene_batch(64, n=2)
    out = method.inpaint(batch.occluded(0.3), batch.masks)
    assert out.shape == (2, 3, 64, 64) and 0 <= out.min() and out.max() <= 1
    # The occluder never matters: the network input is built from the known pixels only.
    torch.testing.assert_close(method.inpaint(batch.occluded(0.9), batch.masks), out)
    assert method.multiple == 64
    assert "CPU variant (width=0.125, downsamplings=6)" in method.notes()[0]
    with pytest.raises(ValueError, match="multiples of 64"):
        method.inpaint(torch.rand(1, 3, 32, 32), torch.zeros(1, 1, 32, 32))


def csa_after_one_step(options: dict, vgg: bool, monkeypatch) -> tuple[dict, torch.Tensor]:
    """The losses of one training step and the CSA level's 3x3 conv weights after it."""
    with monkeypatch.context() as patch:
        if vgg:
            patch.setattr("geoinpaint.baselines.csa.routine.VGGFeatures", FakeVGG)
        torch.manual_seed(0)
        method = build_method("csa", options)
        routine = method.routine(TrainContext("classification", 64, 2, torch.device("cpu")))
        losses = routine.train_step(scene_batch(64, n=2))
    return losses, method.nets["refine"].encoders[2][-1].weight.detach()


def test_csa_vgg_terms_train_the_generator_unless_detached_like_the_code(monkeypatch):
    _, without = csa_after_one_step(SMALL, False, monkeypatch)
    losses, paper = csa_after_one_step(SMALL, True, monkeypatch)
    assert {"consistency", "d_feature"} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    assert not torch.allclose(paper, without)
    # The authors' code: the consistency and feature-D terms give the generator no gradient.
    _, detached = csa_after_one_step({**SMALL, "official_detach": True}, True, monkeypatch)
    torch.testing.assert_close(detached, without)


def test_each_epoch_logs_the_rate_it_trained_with_under_the_authors_decay():
    """`epochs: 2` scales the 20 + 100 schedule to 0 + 2: factor 1/3, then 0 (the authors'
    extra +1 ends every run with an epoch at rate 0). The log shows those rates, never the
    next epoch's (which would be 0, then a negative -1/3)."""
    torch.manual_seed(0)
    method = build_method("csa", {**SMALL, "epochs": 2, "lr": 1e-3})
    routine = method.routine(TrainContext("classification", 64, 2, torch.device("cpu")))
    logged = []
    for epoch in range(2):
        routine.train_step(scene_batch(64, n=2))
        logged.append(routine.end_epoch(epoch)["lr"])
    assert logged == pytest.approx([1e-3 / 3, 0.0])


@pytest.mark.slow
def test_csa_routine_overfits_one_batch():
    first, last = l1_first_and_last("csa", SMALL, scene_batch(64))
    assert last < 0.5 * first, (first, last)


@pytest.mark.slow
def test_csa_describe_at_paper_settings():
    info = describe(build_method("csa"), size=256)
    assert info["params"] == OFFICIAL_PARAMS
    assert info["params_by_network"] == OFFICIAL
    # baselines.md: 12.10 G (coarse) + 46.07 G (refine convs) + the CSA layer's products
    # (1.9 G for the authors' centre hole); measured here 60.31 G. thop counts a stride-2
    # transposed conv at its output size, hence more MACs than half the FLOPs: 55.20 G.
    assert 59 < info["gflops"] < 62
    assert 54 < info["gmacs_thop"] < 57
