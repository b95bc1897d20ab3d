"""PD-GAN (`pdgan`): prior, SPDNorm generator, discriminator, two-stage routine."""

import math

import pytest
import torch

from geoinpaint.baselines.pdgan import PDGAN
from geoinpaint.baselines.pdgan.discriminator import MultiscaleDiscriminator
from geoinpaint.baselines.pdgan.generator import SPDNormGenerator, hard_map, positional_norm
from geoinpaint.baselines.pdgan.prior import PConvUNet
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe
from geoinpaint.methods.registry import build_method, traits
from methods.test_rfr import smooth_batch, train_and_reload

from .overfit import train_until_halved

OFFICIAL_G = 186_007_263  # baselines.md: SPDNormGenerator(ngf=64), parameters()
OFFICIAL_PRIOR = 30_021_376 + 18_098_499  # PConv encoder (trainable) + decoder
OFFICIAL_D = 5_533_826
# `PDGAN.SMALL` at 32x32 (4 levels: the prior's innermost level must stay >= 2x2).
TINY = {**PDGAN.SMALL, "levels": 4, "size": 32}


def test_pdgan_networks_have_the_official_parameter_counts():
    with torch.device("meta"):
        g, prior, d = SPDNormGenerator(), PConvUNet(), MultiscaleDiscriminator()
    # The code also holds 86 never-trained all-ones dilation weights and 6 unused scalars `v`.
    assert count_parameters(g) == OFFICIAL_G - 92
    assert abs(count_parameters(g) - OFFICIAL_G) / OFFICIAL_G < 0.10
    assert count_parameters(prior) == OFFICIAL_PRIOR == 48_119_875
    assert count_parameters(d) == OFFICIAL_D


def test_hard_map_weights_rings_grown_into_the_hole_by_exp_minus_k():
    valid = torch.zeros(1, 1, 1, 12)
    valid[..., :3] = 1  # known columns 0-2, the hole from column 3 on
    got = hard_map(valid, dilations=4, kernel=3)[0, 0, 0]
    want = [1.0] * 3 + [math.exp(-k) for k in (1, 2, 3, 4)] + [math.exp(-4)] * 5
    assert torch.allclose(got, torch.tensor(want))


def test_positional_norm_normalises_each_pixel_across_channels():
    x = torch.randn(2, 16, 5, 5) * 3 + 1
    y = positional_norm(x)
    assert torch.allclose(y.mean(1), torch.zeros(2, 5, 5), atol=1e-5)
    assert torch.allclose(y.var(1), torch.ones(2, 5, 5), atol=1e-3)


def test_pdgan_is_registered_with_its_label_and_names_its_cpu_variant():
    assert traits("pdgan")["label"] == "PD-GAN" and traits("pdgan")["trained"]
    method = build_method("pdgan", TINY)
    assert set(method.variant()) == {"width", "levels", "size"}
    assert any("CPU variant" in n for n in method.notes())


def test_pdgan_output_is_its_seeded_sample_whatever_the_batch_or_the_occluder():
    torch.manual_seed(0)
    method = build_method("pdgan", TINY)
    batch = smooth_batch(32, n=3)
    pred = method.inpaint(batch.occluded(1.0), batch.masks)
    assert pred.shape == (3, 3, 32, 32) and 0 <= pred.min() and pred.max() <= 1
    torch.manual_seed(123)  # the global RNG plays no part in inference
    alone = method.inpaint(batch.occluded(torch.rand(3, 3, 32, 32))[1:2], batch.masks[1:2])
    assert torch.allclose(pred[1:2], alone, atol=1e-6)
    other = build_method("pdgan", {**TINY, "sample_seed": 1})
    other.load_state_dict(method.state_dict())
    assert not torch.allclose(other.inpaint(batch.occluded(1.0), batch.masks), pred)


def test_pdgan_refuses_an_image_size_it_was_not_built_for():
    method = build_method("pdgan", TINY)
    with pytest.raises(ValueError, match="built for 32x32"):
        method.inpaint(torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64))
    assert "built for 256x256" in PDGAN.size_problem(PDGAN.Options(), 64)
    assert PDGAN.size_problem(method.options, 32) == ""
    with pytest.raises(ValueError, match="at least 2x2"):
        build_method("pdgan", {**TINY, "levels": 5})


def unchanged(before: list[torch.Tensor], net: torch.nn.Module) -> bool:
    return all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))


def test_pdgan_trains_the_prior_first_then_the_gan_with_the_prior_frozen():
    torch.manual_seed(0)
    method = build_method("pdgan", {**TINY, "epochs": 2, "prior_epochs": 1})
    routine = method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))
    batch = smooth_batch(32)
    generator = [p.clone() for p in method.nets["generator"].parameters()]
    assert routine.training_prior and "hole" in routine.train_step(batch)
    assert unchanged(generator, method.nets["generator"])
    # the rate the epoch trained with: the prior's (then G's, below)
    assert routine.end_epoch(0)["lr"] == pytest.approx(1e-3)
    assert not routine.training_prior
    prior = [p.clone() for p in method.nets["prior"].parameters()]
    losses = routine.train_step(batch)
    assert {"g_adv", "fm", "tv", "d", "l1"} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    assert unchanged(prior, method.nets["prior"])
    assert routine.opts["g"].param_groups[0]["lr"] == pytest.approx(5e-4)
    assert routine.opts["d"].param_groups[0]["lr"] == pytest.approx(2e-3)


@pytest.mark.slow
def test_small_pdgan_prior_overfits_one_batch():
    torch.manual_seed(0)
    method = build_method("pdgan", TINY)
    routine = method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))
    first, last, steps = train_until_halved(routine, smooth_batch(32))
    assert last["l1"] < 0.5 * first["l1"], (first, last, steps)


@pytest.mark.slow
def test_pdgan_describe_runs_at_paper_settings():
    torch.manual_seed(0)
    info = describe(build_method("pdgan"), size=256)
    assert info["params_by_network"] == {"prior": 48_119_875, "generator": OFFICIAL_G - 92}
    assert info["gflops"] > 100 and info["gmacs_thop"] > 0


@pytest.mark.slow
def test_small_pdgan_trains_both_stages_through_the_runner_and_reloads(tmp_path):
    options = {**TINY, "epochs": 2, "prior_epochs": 1, "batch_size": 4}
    pred = train_and_reload("pdgan", options, tmp_path)
    assert pred.shape == (2, 3, 32, 32) and torch.isfinite(pred).all()
