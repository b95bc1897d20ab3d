"""RFR-Net (`rfr`) and the shared partial convolution it is built on."""

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from geoinpaint.baselines.rfr import RFR
from geoinpaint.baselines.rfr.attention import KnowledgeConsistentAttention
from geoinpaint.baselines.rfr.network import RFRNet
from geoinpaint.data.scenes import write_split
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe
from geoinpaint.methods.registry import build_method, load_method, traits
from geoinpaint.methods.train import train_method
from geoinpaint.nn.partial_conv import PartialConv2d
from geoinpaint.training.data import Batch

from .overfit import train_until_halved

OFFICIAL_PARAMS = 31_224_065  # baselines.md, measured on the authors' RFRNet()
SMALL = RFR.SMALL


def smooth_batch(size: int, n: int = 4) -> Batch:
    """Smooth random images with a fixed rectangular hole each."""
    gen = torch.Generator().manual_seed(0)
    coarse = torch.rand(n, 3, 4, 4, generator=gen)
    images = F.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
    masks = torch.zeros(n, 1, size, size)
    masks[..., size // 4 : size // 2, size // 4 : 3 * size // 4] = 1
    return Batch(images, masks, torch.zeros(n, dtype=torch.long), torch.arange(n))


def train_and_reload(name: str, options: dict, root: Path) -> torch.Tensor:
    """Train `name` through the suite's runner on a 32x32 split (14 images), reload the
    checkpoint and inpaint two test images: the whole life of a trained method."""
    write_split(root / "train", "train", 2, 32, seed=0)
    write_maskset(root / "masks", "cloud", 14, 32, seed=1)
    out = root / "model.pt"
    trained = train_method(
        name, "classification", root / "train", root / "masks", None, options, out,
        root / "state.pt", seed=0, device="cpu", threads=1,
    )  # fmt: skip
    method = load_method(out, expect=name)
    batch = smooth_batch(32, n=2)
    pred = method.inpaint(batch.occluded(1.0), batch.masks)
    assert torch.allclose(pred, trained.inpaint(batch.occluded(1.0), batch.masks))
    return pred


# -- the partial convolution ------------------------------------------------------------------
def partial_conv_by_formula(conv: PartialConv2d, x: torch.Tensor, valid: torch.Tensor):
    """x' = W^T (X . M) sum(1) / sum(M) + b where sum(M) > 0, else 0; one window at a time."""
    k, s, p = conv.kernel_size[0], conv.stride[0], conv.padding[0]
    m = valid.expand_as(x)
    xp, mp = F.pad(x * m, (p,) * 4), F.pad(m, (p,) * 4)
    n, c, h, w = xp.shape
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    out = torch.zeros(n, conv.out_channels, ho, wo)
    new = torch.zeros(n, 1, ho, wo)
    for i in range(ho):
        for j in range(wo):
            win, mwin = (
                xp[..., i * s : i * s + k, j * s : j * s + k],
                mp[..., i * s : i * s + k, j * s : j * s + k],
            )
            total = mwin.sum((1, 2, 3))[:, None]
            val = torch.einsum("nckl,ockl->no", win, conv.weight) * (c * k * k) / total.clamp(min=1)
            if conv.bias is not None:
                val = val + conv.bias
            out[:, :, i, j] = val * (total > 0)
            new[:, :, i, j] = (total > 0).float()
    return out, new


@pytest.mark.parametrize("channels", [1, 5])
@pytest.mark.parametrize("bias", [True, False])
def test_partial_conv_matches_its_formula_with_one_or_per_channel_masks(channels, bias):
    torch.manual_seed(0)
    conv = PartialConv2d(5, 4, 3, 2, 1, bias=bias)
    x = torch.randn(2, 5, 9, 9)
    valid = (torch.rand(2, channels, 9, 9) > 0.6).float()
    valid[0, :, :5, :5] = 0  # a window with no known pixel at all
    out, new = conv(x, valid)
    want, want_new = partial_conv_by_formula(conv, x, valid)
    assert torch.allclose(out, want, atol=1e-5) and torch.equal(new, want_new)
    assert (new == 0).any()


def test_partial_conv_one_channel_mask_equals_the_repeated_mask():
    torch.manual_seed(0)
    conv = PartialConv2d(6, 3, 7, 1, 3, bias=False)
    x, valid = torch.randn(2, 6, 12, 12), (torch.rand(2, 1, 12, 12) > 0.5).float()
    one, _ = conv(x, valid)
    many, _ = conv(x, valid.expand(-1, 6, -1, -1))
    assert torch.allclose(one, many, atol=1e-5)


def test_partial_conv_refuses_a_mask_with_the_wrong_channel_count():
    with pytest.raises(ValueError, match="3-channel mask"):
        PartialConv2d(4, 4, 3, 1, 1)(torch.randn(1, 4, 8, 8), torch.ones(1, 3, 8, 8))


# -- knowledge-consistent attention -----------------------------------------------------------
def kca_per_sample(kca, x, valid, prev):
    """The attention as the paper describes it, one sample at a time with convolutions: keys
    are the L2-normalised 1x1 patches, scores propagated by a 3x3 sum, softmax over keys."""
    n, c, h, w = x.shape
    outs, scores_all = [], []
    for i in range(n):
        keys = x[i].reshape(c, h * w).t() + 1e-7
        keys = (keys / keys.norm(dim=1, keepdim=True)).view(h * w, c, 1, 1)
        scores = F.conv2d(x[i : i + 1], keys)
        scores = F.conv2d(scores, torch.ones(h * w, 1, 3, 3), padding=1, groups=h * w)
        scores = scores.softmax(1)
        if prev is not None:
            r = kca.ratio.abs() + 1e-7
            scores = (prev[0][i : i + 1] * prev[1][i : i + 1] + scores * r) / (
                prev[1][i : i + 1] + r
            )
        scores_all.append(scores)
        outs.append(F.conv_transpose2d(scores, keys))
    att = torch.cat(outs)
    return kca.combiner(torch.cat([att, x], 1)), torch.cat(scores_all)


def test_kca_matches_the_per_sample_convolution_form_and_carries_its_scores():
    torch.manual_seed(0)
    kca = KnowledgeConsistentAttention(8)
    with torch.no_grad():
        kca.ratio.fill_(0.7)
    x1, x2 = torch.randn(2, 8, 6, 6), torch.randn(2, 8, 6, 6)
    valid = (torch.rand(2, 1, 12, 12) > 0.5).float()
    out1, state = kca(x1, valid)
    want1, scores1 = kca_per_sample(kca, x1, valid, None)
    assert torch.allclose(out1, want1, atol=1e-5) and torch.allclose(state[0], scores1, atol=1e-6)
    assert state[1].shape == (2, 1, 6, 6)
    out2, _ = kca(x2, valid, state)
    want2, _ = kca_per_sample(kca, x2, valid, state)
    assert torch.allclose(out2, want2, atol=1e-5)


# -- the network and the method ---------------------------------------------------------------
def test_rfr_generator_has_the_official_parameter_count():
    with torch.device("meta"):
        n = count_parameters(RFRNet())
    assert n == 31_224_065
    assert abs(n - OFFICIAL_PARAMS) / OFFICIAL_PARAMS < 0.10


def test_rfr_is_registered_with_its_label_and_names_its_cpu_variant():
    assert traits("rfr")["label"] == "RFR" and traits("rfr")["trained"]
    method = build_method("rfr", SMALL)
    assert method.variant() == {"width": 0.125}
    assert any("CPU variant" in n for n in method.notes())


def test_small_rfr_inpaints_without_reading_the_occluder():
    torch.manual_seed(0)
    method = build_method("rfr", SMALL)
    batch = smooth_batch(32, n=2)
    pred = method.inpaint(batch.occluded(1.0), batch.masks)
    assert pred.shape == (2, 3, 32, 32) and 0 <= pred.min() and pred.max() <= 1
    other = method.inpaint(batch.occluded(torch.rand(2, 3, 32, 32)), batch.masks)
    assert torch.allclose(pred, other)


def test_rfr_finetuning_lowers_the_rate_and_freezes_batchnorm():
    torch.manual_seed(0)
    method = build_method("rfr", {**SMALL, "epochs": 2, "finetune_epochs": 1})
    routine = method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))
    assert not routine.finetuning and routine.opts["g"].param_groups[0]["lr"] == 2e-4
    routine.end_epoch(0)
    assert routine.finetuning and routine.opts["g"].param_groups[0]["lr"] == pytest.approx(5e-5)
    bn = method.nets["generator"].bn1
    before = bn.running_mean.clone()
    routine.train_step(smooth_batch(32))
    assert torch.equal(bn.running_mean, before)


def test_rfr_refuses_more_finetuning_epochs_than_epochs():
    with pytest.raises(ValueError, match="finetune_epochs"):
        build_method("rfr", {**SMALL, "epochs": 1, "finetune_epochs": 2})


@pytest.mark.slow
def test_small_rfr_overfits_one_batch():
    torch.manual_seed(0)
    method = build_method("rfr", SMALL)
    routine = method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))
    first, last, steps = train_until_halved(routine, smooth_batch(32))
    assert last["l1"] < 0.5 * first["l1"], (first, last, steps)


@pytest.mark.slow
def test_rfr_describe_runs_at_paper_settings():
    torch.manual_seed(0)
    info = describe(build_method("rfr"), size=256)
    assert info["params"] == 31_224_065
    assert info["gflops"] > 200 and info["gmacs_thop"] > 0


@pytest.mark.slow
def test_small_rfr_trains_through_the_runner_with_finetuning_and_reloads(tmp_path):
    options = {**SMALL, "epochs": 2, "finetune_epochs": 1, "batch_size": 4}
    pred = train_and_reload("rfr", options, tmp_path)
    assert pred.shape == (2, 3, 32, 32) and torch.isfinite(pred).all()
