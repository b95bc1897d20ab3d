"""HAN (`han`): the official generator's size and cost, the hourglass attention, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from geoinpaint.baselines.han import losses as vgg_losses
from geoinpaint.baselines.han.discriminator import EdgeConnectDiscriminator
from geoinpaint.baselines.han.network import LaplaceAttention, laplace_grid
from geoinpaint.data.synthetic import make_scene
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe
from geoinpaint.methods.registry import build_method
from geoinpaint.training.data import Batch

from .overfit import l1_first_and_last

OFFICIAL_PARAMS = 19_446_475  # baselines.md: dengyecode/hourglassattention, = IGLL Table 3
IGLL_THOP_GMACS = 114.737283  # IGLL Table 3 "GFLOPs": thop-0.1.1 MACs at 256x256
OFFICIAL_D_PARAMS = 2_763_776
SMALL = {"width": 0.125}


def meta_method(name: str, options: dict | None = None):
    """The method built on the meta device: parameter shapes without memory or time."""
    with torch.device("meta"):
        return build_method(name, options, device=torch.device("meta"))


def scene_batch(size: int, n: int = 4, seed: int = 0) -> Batch:
    """`n` procedural scenes with a fixed central hole (a quarter of each image) each."""
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


def cpu_context(size: int) -> TrainContext:
    return TrainContext(task="classification", size=size, n_samples=4, device=torch.device("cpu"))


class StubVGG(torch.nn.Module):
    """Stands in for the ImageNet VGG19 (not installed here): one conv per requested layer."""

    def __init__(self, arch: str, layers: tuple[str, ...]):
        super().__init__()
        self.convs = torch.nn.ModuleDict({k: torch.nn.Conv2d(3, 4, 3, padding=1) for k in layers})

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: conv(images) for k, conv in self.convs.items()}


def test_han_generator_is_the_official_size():
    method = meta_method("han")
    n = count_parameters(method.nets)
    assert n == OFFICIAL_PARAMS
    assert abs(n - OFFICIAL_PARAMS) <= 0.1 * OFFICIAL_PARAMS
    generator = method.nets["generator"]
    assert count_parameters(generator.encoder) == 2_732_608
    assert [count_parameters(b) for b in generator.blocks] == [1_967_617] * 8
    assert [b.attention.patch for b in generator.blocks] == [1, 2, 4, 8, 8, 4, 2, 1]
    assert method.variant() == {} and method.notes() == []


def test_han_discriminator_is_the_official_size():
    assert count_parameters(EdgeConnectDiscriminator(3)) == OFFICIAL_D_PARAMS


def test_laplace_prior_is_minus_the_grid_distance_between_patches():
    grid = laplace_grid(2, 3, torch.device("cpu"))
    # Tokens numbered row by row: token 0 is (0, 0), token 5 is (1, 2).
    assert grid.shape == (6, 6)
    assert grid[0, 5] == -3 and grid[5, 0] == -3 and grid[1, 4] == -1
    assert torch.all(grid.diagonal() == 0)


def test_laplace_attention_splits_patches_over_four_heads_per_patch_side():
    attention = LaplaceAttention(8, patch=2)
    tokens = attention._tokens(torch.randn(1, 8, 4, 6))
    assert attention.heads == 8
    assert tokens.shape == (1, 8, 6, 8 * 2 * 2 // 8)
    assert attention(torch.randn(2, 8, 4, 6)).shape == (2, 8, 4, 6)


def test_small_han_inpaints_a_64px_batch_without_reading_the_occluder():
    batch = scene_batch(64, n=2)
    method = build_method("han", SMALL)
    assert method.variant() == SMALL and "CPU variant" in method.notes()[0]
    torch.manual_seed(0)
    pred = method.inpaint(batch.occluded(1.0), batch.masks)
    torch.manual_seed(0)  # the official input noise: same seed, same noise
    other = method.inpaint(batch.occluded(0.3), batch.masks)
    assert pred.shape == (2, 3, 64, 64) and 0 <= pred.min() and pred.max() <= 1
    assert torch.allclose(pred, other)


@pytest.mark.parametrize("name", ["han", "hint"])
def test_missing_vgg19_drops_perceptual_and_style_terms_with_a_note(name, torch_home):
    method = build_method(name, {"width": 0.125})
    losses = method.routine(cpu_context(32)).train_step(scene_batch(32, n=2))
    assert "perceptual" not in losses and "style" not in losses
    assert any(n.startswith("perceptual and style loss: not used") for n in method.notes())


@pytest.mark.parametrize("name", ["han", "hint"])
def test_vgg_terms_enter_the_generator_loss_when_vgg19_is_there(name, monkeypatch):
    monkeypatch.setattr(vgg_losses, "VGGFeatures", StubVGG)
    method = build_method(name, {"width": 0.125})
    losses = method.routine(cpu_context(32)).train_step(scene_batch(32, n=2))
    assert losses["perceptual"] > 0 and losses["style"] > 0
    assert method.provenance()["perceptual_and_style_loss"] == "used"


@pytest.mark.slow
def test_han_overfits_one_batch():
    first, last = l1_first_and_last("han", SMALL, scene_batch(32))
    assert last < 0.5 * first


@pytest.mark.slow
def test_han_costs_match_igll_table3():
    """thop MACs within 0.1 % of IGLL's 114.737 G (it matches to the last digit here)."""
    cost = describe(build_method("han"), 256)
    assert cost["params"] == OFFICIAL_PARAMS
    assert cost["gmacs_thop"] == pytest.approx(IGLL_THOP_GMACS, rel=1e-3)
    assert cost["gflops"] == pytest.approx(274.84, rel=1e-3)  # baselines.md, torch counter
