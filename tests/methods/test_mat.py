"""MAT (`geoinpaint.baselines.mat`): the official generator's and discriminator's sizes, the
mask-aware attention, the StyleGAN2 resampling, the small CPU variant, deterministic inference,
the training routine, a one-batch overfit and `describe()`."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.mat import MAT, MATOptions
from geoinpaint.baselines.mat import routine as mat_routine
from geoinpaint.baselines.mat.discriminator import Discriminator
from geoinpaint.baselines.mat.layers import Conv2dLayer, upsample
from geoinpaint.baselines.mat.network import Generator
from geoinpaint.baselines.mat.transformer import PartialConv, WindowAttention
from geoinpaint.data.scenes import write_split
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe
from geoinpaint.methods.options import make_options
from geoinpaint.methods.registry import build_method, load_method
from geoinpaint.methods.train import train_method
from geoinpaint.training.data import Batch

from .overfit import train_until_halved

# baselines.md, measured on fenglinglwb/MAT (generator = mapping + stage 1 + stage 2)
OFFICIAL = {512: 61_562_518, 256: 59_779_834}
OFFICIAL_STAGE1 = {512: 12_063_865, 256: 10_895_842}
OFFICIAL_D = {512: 36_231_618, 256: 36_083_330}
SMALL = MAT.SMALL  # also sets size 64 and the EMA ramp-up
ARCH = {k: v for k, v in SMALL.items() if k in MAT.ARCHITECTURE}


def smooth_batch(n: int = 4, side: int = 64) -> Batch:
    """Smooth random images, each with the same square hole."""
    gen = torch.Generator().manual_seed(0)
    low = torch.rand(n, 3, 4, 4, generator=gen)
    images = F.interpolate(low, size=side, mode="bilinear", align_corners=False)
    masks = torch.zeros(n, 1, side, side)
    masks[..., side // 4 : side * 5 // 8, side // 4 : side * 5 // 8] = 1
    return Batch(images, masks, torch.zeros(n, dtype=torch.long), torch.arange(n))


@pytest.mark.parametrize("size", [256, 512])
def test_mat_networks_are_the_official_sizes(size):
    with torch.device("meta"):
        generator, disc = Generator(size), Discriminator(size)
    assert count_parameters(generator) == OFFICIAL[size]
    assert count_parameters(generator.first_stage) == OFFICIAL_STAGE1[size]
    assert count_parameters(generator.mapping) == 2_101_248
    assert count_parameters(disc) == OFFICIAL_D[size]
    if size == 512:
        assert (count_parameters(disc.main), count_parameters(disc.stage1)) == (
            28_982_913,
            7_248_705,
        )
    assert abs(count_parameters(generator) / OFFICIAL[512] - 1) < 0.1


def test_stage_one_alone_is_the_papers_mat_network():
    with torch.device("meta"):
        alone = Generator(512, two_stage=False)
    assert count_parameters(alone) == OFFICIAL_STAGE1[512] + 2_101_248


def test_contextual_attention_ignores_holes_and_fills_windows_with_a_valid_token():
    torch.manual_seed(0)
    attn = WindowAttention(8, 2)
    x = torch.randn(2, 4, 8)  # two windows of four tokens
    valid = torch.tensor([[1.0, 0, 0, 0], [0, 0, 0, 0]]).view(2, 4, 1)
    out, new_valid = attn(x, valid, None)
    changed = x.clone()
    changed[0, 1:] = torch.randn(3, 8)  # the invalid tokens of window 0
    out2, _ = attn(changed, valid, None)
    # every query of window 0 attends (almost) only to its one valid token
    first = attn.proj(attn.v(x[0, :1])).expand(4, 8)
    assert torch.allclose(out[0], first, atol=1e-5)
    assert torch.allclose(out2[0], out[0], atol=1e-5)
    assert new_valid[0].eq(1).all() and new_valid[1].eq(0).all()


def test_partial_conv_rescales_by_the_valid_fraction_and_grows_the_mask():
    conv = PartialConv(1, 1, 3)
    valid = torch.zeros(1, 1, 6, 6)
    valid[..., 2:4, 2:4] = 1
    out, new_valid = conv(torch.ones(1, 1, 6, 6), valid)
    plain = conv.conv(torch.ones(1, 1, 6, 6))
    assert new_valid[..., 1:5, 1:5].eq(1).all() and new_valid.sum() == 16
    assert torch.allclose(out[..., 1, 1], plain[..., 1, 1] * 9)  # one valid pixel of nine
    assert out[..., 0, 0].eq(0).all()


def test_resampling_convs_halve_and_double_sides_and_keep_a_constant_level():
    x = torch.randn(2, 4, 16, 12)
    assert Conv2dLayer(4, 5, 3, down=2)(x).shape == (2, 5, 8, 6)
    assert Conv2dLayer(4, 5, 1, down=2)(x).shape == (2, 5, 8, 6)
    assert Conv2dLayer(4, 5, 3, up=2)(x).shape == (2, 5, 32, 24)
    up = upsample(torch.ones(1, 1, 8, 8))
    assert up.shape == (1, 1, 16, 16) and torch.allclose(up[..., 2:-2, 2:-2], torch.ones(12, 12))


def test_small_mat_fills_64px_repeatably_without_reading_the_hole():
    torch.manual_seed(0)
    method = build_method("mat", SMALL)
    assert method.variant() == ARCH
    batch = smooth_batch(2)
    pred = method.inpaint(batch.occluded(0.0), batch.masks)
    assert pred.shape == (2, 3, 64, 64) and 0 <= pred.min() and pred.max() <= 1
    # fixed test seed: the same call gives the same output (z, noise maps, noise)
    assert torch.equal(method.inpaint(batch.occluded(0.0), batch.masks), pred)
    assert torch.equal(method.inpaint(batch.occluded(0.7), batch.masks), pred)
    known = batch.masks == 0
    assert torch.allclose(
        pred.expand_as(batch.images)[known.expand_as(batch.images)],
        batch.images[known.expand_as(batch.images)],
        atol=1e-6,
    )
    # a multiple of the built size works, as in the official test script; other sides do not
    big = smooth_batch(1, 128)
    assert method.inpaint(big.images, big.masks).shape == (1, 3, 128, 128)
    with pytest.raises(ValueError, match="option size"):
        method.inpaint(batch.images[..., :32, :32], batch.masks[..., :32, :32])


def test_mat_checkpoint_loads_with_weights_only(tmp_path):
    method = build_method("mat", SMALL)
    torch.save(method.state_dict(), tmp_path / "mat.pt")
    state = torch.load(tmp_path / "mat.pt", weights_only=True)
    build_method("mat", state["options"]).load_state_dict(state)


class TinyVGG(nn.Module):
    """Stands in for `VGGFeatures` (whose ImageNet file is not installed in tests): every
    requested layer is one fixed random conv of the input, at a halved resolution."""

    def __init__(self, arch, layers):
        super().__init__()
        self.layers, self.conv = layers, nn.Conv2d(3, 8, 3, padding=1).requires_grad_(False)

    def forward(self, x):
        return {name: F.avg_pool2d(self.conv(x), 2) for name in self.layers}


def small_routine(monkeypatch, **options):
    monkeypatch.setattr(mat_routine, "VGGFeatures", TinyVGG)
    method = build_method("mat", {**SMALL, **options})
    return method, method.routine(TrainContext("classification", 64, 4, torch.device("cpu")))


def test_mat_routine_trains_both_heads_with_lazy_r1_and_an_ema_generator(monkeypatch):
    torch.manual_seed(0)
    method, routine = small_routine(monkeypatch, ema_rampup=0.0)  # the official EMA
    g, d = routine.opts["g"].param_groups[0], routine.opts["d"].param_groups[0]
    assert g["lr"] == pytest.approx(0.8e-3) and g["betas"] == (0.0, pytest.approx(0.99**0.8))
    assert d["lr"] == pytest.approx(1e-3 * 16 / 17)
    before = [p.clone() for p in method.nets["generator"].parameters()]
    losses = routine.train_step(smooth_batch())
    assert {"l1", "g_adv", "g_adv_stage1", "d", "r1", "perceptual"} <= set(losses)
    assert losses["r1"] > 0  # R1 runs at iteration 0, then every 16
    after = list(method.nets["generator"].parameters())
    live = list(routine.nets["g_train"].parameters())
    moved = [not torch.equal(a, b) for a, b in zip(before, after, strict=True)]
    assert any(moved) and not any(p.requires_grad for p in after)
    # the EMA moved a little towards the trained generator, far less than it
    gap = sum((a - b).abs().sum() for a, b in zip(after, live, strict=True))
    assert gap > 0
    state = routine.state_dict()
    _, fresh = small_routine(monkeypatch)
    fresh.load_state_dict(state)
    assert (fresh.iteration, fresh.nimg) == (1, 4)


def test_mat_refuses_images_of_another_size_than_its_size_option(monkeypatch):
    small = make_options(MATOptions, SMALL)
    assert MAT.size_problem(small, 64) == ""
    assert "set the mat option size: 256" in MAT.size_problem(small, 256)
    monkeypatch.setattr(mat_routine, "VGGFeatures", TinyVGG)
    method = build_method("mat", SMALL)
    with pytest.raises(ValueError, match="size: 32"):
        method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))


@pytest.mark.slow
def test_mat_overfits_one_batch(monkeypatch):
    torch.manual_seed(0)
    _, routine = small_routine(monkeypatch, hflip=False)
    first, last, steps = train_until_halved(routine, smooth_batch())
    assert last["l1"] < 0.5 * first["l1"], (first, last, steps)


@pytest.mark.slow
def test_describe_paper_mat():
    torch.manual_seed(0)
    info = describe(build_method("mat"), size=256)
    assert info["params"] == OFFICIAL[256]
    assert info["gflops"] == pytest.approx(280.2, rel=0.01)  # baselines.md
    assert info["gmacs_thop"] == pytest.approx(196.35, rel=0.01)  # convs and linears only


@pytest.mark.slow
def test_small_mat_trains_through_the_runner_and_reloads_with_the_same_outputs(tmp_path):
    write_split(tmp_path / "train", "train", 2, 64, seed=0)
    write_maskset(tmp_path / "masks", "cloud", 14, 64, seed=1)
    options = {**SMALL, "epochs": 1, "batch_size": 4}
    args = ("classification", tmp_path / "train", tmp_path / "masks", None, options)
    out = tmp_path / "run"
    method = train_method("mat", *args, out / "mat.pt", out / "state.pt", device="cpu")
    batch = smooth_batch(2)
    reloaded = load_method(out / "mat.pt")
    assert torch.equal(
        reloaded.inpaint(batch.images, batch.masks), method.inpaint(batch.images, batch.masks)
    )
