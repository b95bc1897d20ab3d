"""MISF (`geoinpaint.baselines.misf`): the official architecture's size, the per-pixel filtering,
the small CPU variant, a one-batch overfit and `describe()`."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.misf import routine as misf_routine
from geoinpaint.baselines.misf.discriminator import EdgePatchGAN
from geoinpaint.baselines.misf.network import MISFGenerator, feature_kernels, per_pixel_filter
from geoinpaint.data.scenes import write_split
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe_untrained
from geoinpaint.methods.registry import build_method, load_method
from geoinpaint.methods.train import train_method
from geoinpaint.training.data import Batch

from .overfit import train_until_halved

OFFICIAL_GENERATOR = 23_059_493  # baselines.md, measured on tsingqguo/misf
UNUSED_CONV_FINAL = 327  # the official KPN's conv_final, never called
OFFICIAL_DISCRIMINATOR = 2_763_776
SMALL = {"width": 0.125}


def smooth_batch(n: int = 4, side: int = 32) -> Batch:
    """Smooth random images with a fixed square hole each."""
    gen = torch.Generator().manual_seed(0)
    low = torch.rand(n, 3, 4, 4, generator=gen)
    images = F.interpolate(low, size=side, mode="bilinear", align_corners=False)
    masks = torch.zeros(n, 1, side, side)
    masks[..., side // 4 : side * 5 // 8, side // 4 : side * 5 // 8] = 1
    return Batch(images, masks, torch.zeros(n, dtype=torch.long), torch.arange(n))


def test_misf_generator_is_the_official_size_less_its_unused_conv():
    with torch.device("meta"):
        generator, disc = MISFGenerator(), EdgePatchGAN()
    assert count_parameters(generator) == 23_059_166 == OFFICIAL_GENERATOR - UNUSED_CONV_FINAL
    assert count_parameters(generator.kpb) == 12_284_898 - UNUSED_CONV_FINAL
    assert abs(count_parameters(generator) / OFFICIAL_GENERATOR - 1) < 0.1
    assert count_parameters(disc) == OFFICIAL_DISCRIMINATOR


def test_per_pixel_filter_is_a_depthwise_3x3_with_a_kernel_per_pixel():
    torch.manual_seed(0)
    x, kernels = torch.rand(1, 2, 5, 6), torch.rand(1, 2, 9, 5, 6)
    padded = F.pad(x, (1, 1, 1, 1))
    expected = torch.zeros_like(x)
    for tap in range(9):
        i, j = divmod(tap, 3)  # row-major taps, offset (i - 1, j - 1)
        expected += kernels[:, :, tap] * padded[:, :, i : i + 5, j : j + 6]
    assert torch.allclose(per_pixel_filter(x, kernels), expected, atol=1e-6)


def test_feature_kernels_stretch_predicted_maps_along_channels_like_nearest_interpolation():
    maps = torch.rand(2, 8 // 4 * 9, 3, 3)  # kernels for 8 feature channels
    stretched = F.interpolate(maps[None], size=(8 * 9, 3, 3), mode="nearest")[0]
    assert torch.equal(feature_kernels(maps, 8), stretched.view(2, 8, 9, 3, 3))


def test_small_misf_fills_64px_and_non_square_inputs_without_reading_the_hole():
    torch.manual_seed(0)
    method = build_method("misf", SMALL)
    assert method.variant() == SMALL and method.multiple == 4
    for side in (64, (32, 48)):
        batch = smooth_batch(2, 64)
        h, w = (side, side) if isinstance(side, int) else side
        images, masks = batch.images[..., :h, :w], batch.masks[..., :h, :w]
        pred = method.inpaint(images, masks)
        assert pred.shape == images.shape and 0 <= pred.min() and pred.max() <= 1
        other = method.inpaint(images * (1 - masks) + 0.3 * masks, masks)
        assert torch.allclose(pred, other)


def test_misf_checkpoint_loads_with_weights_only(tmp_path):
    method = build_method("misf", SMALL)
    torch.save(method.state_dict(), tmp_path / "misf.pt")
    state = torch.load(tmp_path / "misf.pt", weights_only=True)
    build_method("misf", state["options"]).load_state_dict(state)


class TinyVGG(nn.Module):
    """Stands in for `VGGFeatures` (whose ImageNet file is not installed in tests): every
    requested layer is one random conv of the input, at a halved resolution."""

    def __init__(self, arch, layers):
        super().__init__()
        self.layers, self.conv = layers, nn.Conv2d(3, 4, 3, padding=1)
        self.register_buffer("mean", torch.full((1, 3, 1, 1), 0.5))
        self.register_buffer("std", torch.full((1, 3, 1, 1), 0.25))
        self.seen = []

    def forward(self, x):
        self.seen.append(x.detach())
        return {name: F.avg_pool2d(self.conv(x), 2) for name in self.layers}


def test_misf_vgg_terms_see_the_unnormalised_images(monkeypatch):
    monkeypatch.setattr(misf_routine, "VGGFeatures", TinyVGG)
    method = build_method("misf", SMALL)
    routine = method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))
    losses = routine.train_step(smooth_batch())
    assert losses["perceptual"] > 0 and losses["style"] > 0
    # the official loss feeds [0, 1] images to VGG19: x * std + mean undoes VGGFeatures' shift
    assert routine.vgg.seen[0].min() >= 0.5 - 1e-6 and routine.vgg.seen[0].max() <= 0.75 + 1e-6


@pytest.mark.slow
def test_misf_overfits_one_batch():
    torch.manual_seed(0)
    method = build_method("misf", {**SMALL, "lr": 1e-3})
    routine = method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))
    first, last, steps = train_until_halved(routine, smooth_batch())
    assert last["l1"] < 0.5 * first["l1"], (first, last, steps)
    assert "perceptual loss" in " ".join(method.notes()) or routine.vgg is not None


@pytest.mark.slow
def test_misf_describe_matches_the_official_flops():
    _, info = describe_untrained("misf")  # on the meta device: shapes, no data
    assert info["params"] == 23_059_166
    assert info["gflops"] == pytest.approx(261.0, rel=0.01)  # baselines.md
    assert info["gmacs_thop"] > 0


@pytest.mark.slow
def test_small_misf_trains_through_the_runner_and_reloads(tmp_path):
    write_split(tmp_path / "train", "train", 2, 64, seed=0)
    write_maskset(tmp_path / "masks", "cloud", 14, 64, seed=1)
    options = {**SMALL, "epochs": 1, "batch_size": 4}
    args = ("classification", tmp_path / "train", tmp_path / "masks", None, options)
    out = tmp_path / "run"
    method = train_method("misf", *args, out / "misf.pt", out / "state.pt", device="cpu")
    batch = smooth_batch(2, 64)
    reloaded = load_method(out / "misf.pt")
    assert torch.equal(
        reloaded.inpaint(batch.images, batch.masks), method.inpaint(batch.images, batch.masks)
    )
