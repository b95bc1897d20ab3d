"""`proposed-authors-code`: every way the authors' public code trains the Proposed model
differently from the paper, each checked against the paper's default (docs/fidelity.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from geoinpaint.config import load_config
from geoinpaint.experiments.plan import plan
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.registry import build_method, traits
from geoinpaint.models.task_driven import AUTHORS_CODE
from geoinpaint.models.task_driven import routine as routine_module
from geoinpaint.models.task_driven.generator import CoarseToFine
from geoinpaint.training import losses
from geoinpaint.training.data import Batch, InpaintingCollate, InpaintingTrainSet
from tests_paths import REPO

SMALL = {"encoder": "resnet-small", "ndf": 8, "amp": False}
CODE, PAPER = "proposed-authors-code", "proposed"


class FakeTaskNet:
    """A frozen 3-class 'task network' that records what its loss is shown."""

    arch = "fake"

    def __init__(self) -> None:
        self.seen: list[torch.Tensor] = []

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return 10 * images.mean((2, 3))

    def loss(self, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        self.seen.append(images.detach().clone())
        return F.cross_entropy(self.logits(images), targets)


class FakeLPIPS(torch.nn.Module):
    """Stands in for `lpips.LPIPS` (no VGG16 file here): records the range it is fed."""

    def __init__(self, **kwargs) -> None:
        super().__init__()
        self.ranges: list[tuple[float, float]] = []

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        self.ranges.append((float(a.detach().min()), float(a.detach().max())))
        return (a - b).abs().mean((1, 2, 3), keepdim=True)


@pytest.fixture
def fake_lpips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(losses, "require", lambda name: Path(name))
    monkeypatch.setattr(losses, "require_bundled", lambda package, path: Path(path))
    monkeypatch.setattr("lpips.LPIPS", FakeLPIPS)


def routine_for(name: str, monkeypatch: pytest.MonkeyPatch, size: int = 32, **options):
    """The training routine of `name` (small) with a fake frozen task network."""
    task_net = FakeTaskNet()
    monkeypatch.setattr(routine_module, "frozen_task_network", lambda *args: task_net)
    method = build_method(name, {**SMALL, **options})
    ctx = TrainContext("classification", size, 4, torch.device("cpu"), 0, Path("task_net.pt"))
    return method.routine(ctx), task_net


def batch(size: int = 32, n: int = 2, views: bool = False) -> Batch:
    g = torch.Generator().manual_seed(0)
    masks = torch.zeros(n, 1, size, size)
    masks[..., 8:20, 4:24] = 1
    extra = torch.rand(2, n, 3, size, size, generator=g) if views else None
    return Batch(
        torch.rand(n, 3, size, size, generator=g),
        masks,
        torch.arange(n) % 3,
        torch.arange(n),
        extra,
    )


def one_step(routine, b: Batch) -> tuple[dict, dict]:
    """Train one step; returns its losses and, per discriminator, the (input, output) of each
    call in order: real, fake (the D update), then the generator's adversarial term."""
    calls: dict[str, list] = {"dc": [], "dr": []}
    for name, store in calls.items():
        routine.nets[name].register_forward_hook(
            lambda mod, args, out, store=store: store.append((args[0].detach(), out.detach()))
        )
    return routine.train_step(b), calls


def test_preset_is_registered_with_every_code_behaviour_and_is_no_variant_of_itself():
    assert traits(CODE)["preset"] == AUTHORS_CODE
    assert traits(CODE)["label"] == "Proposed (authors' code)"
    method = build_method(CODE, SMALL)
    assert method.variant() == {"encoder": "resnet-small", "ndf": 8}  # the CPU variant only
    paper = build_method(PAPER, SMALL).options
    differ = {k for k in AUTHORS_CODE if getattr(method.options, k) != getattr(paper, k)}
    # every listed behaviour but those the suite's defaults already share with the code
    assert differ == set(AUTHORS_CODE) - {"task_loss", "norm_affine"}
    assert not paper.norm_affine  # InstanceNorm without affine is also the suite's default


def test_table_i_shows_the_authors_code_beside_the_paper(torch_home):
    p = plan(load_config(REPO / "config" / "config.yaml"), REPO / "config" / "experiments")
    rows = [(r.label, r.method) for r in p.tables[("task_driven", "I")].rows]
    assert rows.index(("Proposed (authors' code)", CODE)) == rows.index(("Proposed", PAPER)) + 1


def test_four_skips_as_the_code_six_as_the_paper():
    assert len(build_method(CODE, SMALL).nets["generator"].coarse.encoder) == 4
    assert len(build_method(PAPER, SMALL).nets["generator"].coarse.encoder) == 6


@pytest.mark.parametrize("code", [False, True])
def test_residual_goes_to_the_composited_coarse_map_then_one_more_conv_in_the_code(code):
    net = CoarseToFine(
        "resnet-small", 4, refine_conv=code, residual_on="composite" if code else "coarse"
    ).eval()
    for p in net.refine.head.parameters():  # a zero residual
        torch.nn.init.zeros_(p)
    image, mask = torch.rand(1, 3, 32, 32), torch.zeros(1, 1, 32, 32)
    mask[..., 8:20, 4:28] = 1
    with torch.no_grad():
        coarse, refined = net(image, mask)
        composited = coarse * mask + image * (1 - mask)
        assert not torch.allclose(coarse, composited)
        expected = net.refine_conv(composited) if code else coarse
    assert torch.allclose(refined, expected, atol=1e-6)


@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_has_learned_scale_and_shift_only_when_asked(affine):
    net = build_method(PAPER, {**SMALL, "norm_affine": affine}).nets["generator"]
    norms = [m for m in net.modules() if isinstance(m, torch.nn.InstanceNorm2d)]
    assert norms and all(m.affine == affine for m in norms)
    assert build_method(CODE, SMALL).nets["generator"].coarse.stem[1].affine is False


def test_every_conv_is_drawn_from_normal_0_002_in_the_code(monkeypatch, torch_home):
    code, _ = routine_for(CODE, monkeypatch, size=64)
    paper, _ = routine_for(PAPER, monkeypatch, size=64)

    def stds(routine):
        convs = [m for m in routine.nets["generator"].modules() if isinstance(m, torch.nn.Conv2d)]
        return np.array([float(m.weight.detach().std()) for m in convs if m.weight.numel() >= 500])

    assert np.abs(stds(code) - 0.02).max() < 0.004
    assert np.abs(stds(paper) - 0.02).max() > 0.02
    assert "N(0, 0.02)" in code.method.provenance()["init"]


@pytest.mark.parametrize("rescale", [True, False])
def test_lpips_is_fed_minus_one_to_one_by_the_paper_and_zero_to_one_by_the_code(
    fake_lpips, rescale
):
    loss = losses.PerceptualLoss(rescale=rescale)
    image = torch.rand(2, 3, 16, 16)
    image[0, 0, 0, 0], image[0, 0, 0, 1] = 0.0, 1.0
    loss(image, torch.rand(2, 3, 16, 16))
    assert loss.net.ranges == [(-1.0, 1.0) if rescale else (0.0, 1.0)]


@pytest.mark.parametrize("name", [PAPER, CODE])
def test_generator_loss_weights_gan_form_and_what_d_and_the_task_network_see(
    name, monkeypatch, fake_lpips
):
    routine, task_net = routine_for(name, monkeypatch, skips=4)  # 32 px: a fast step
    code = name == CODE
    assert routine.perceptual.rescale is not code
    b = batch()
    gt, m = b.images, b.masks
    routine.method.nets.train()
    x_in, coarse, refined = (t.detach() for t in routine.method.forward_both(gt, m))
    comp_c, comp_r = coarse * m + gt * (1 - m), refined * m + gt * (1 - m)
    out, calls = one_step(routine, b)
    # LPIPS and both GAN terms x 10 in the code (its training entry point), x 1 in the paper
    weight = 10.0 if code else 1.0
    expected = out["l1"] + weight * (out["gan"] + out["lpips"]) + 5.0 * out["task"]
    assert out["total"].item() == pytest.approx(expected.item(), rel=1e-5)
    # the D updates see Eq. 2's composite in both
    for name_d, comp in (("dc", comp_c), ("dr", comp_r)):
        assert torch.allclose(calls[name_d][1][0], torch.cat([x_in, comp], 1), atol=1e-6)
    # the generator's adversarial term: raw R_coarse and cat(I(1-M), R M) in the code
    shown_c = torch.cat([x_in, coarse if code else comp_c], 1)
    shown_r = torch.cat([gt * (1 - m), refined * m], 1) if code else torch.cat([x_in, comp_r], 1)
    assert torch.allclose(calls["dc"][2][0], shown_c, atol=1e-6)
    assert torch.allclose(calls["dr"][2][0], shown_r, atol=1e-6)
    # LSGAN (MSE to 1) in the code, Eq. 5's log D (BCE with logits) in the paper
    d_out = [calls[d][2][1] for d in ("dc", "dr")]
    if code:
        gan = sum(F.mse_loss(o, torch.ones_like(o)) for o in d_out)
    else:
        gan = sum(F.binary_cross_entropy_with_logits(o, torch.ones_like(o)) for o in d_out)
    assert out["gan"].item() == pytest.approx(float(gan), rel=1e-5)
    # pix2pix's unpadded last convs: 2x2 at 32 px in the code, H / 8 = 4x4 in the paper
    assert d_out[0].shape[-1] == (2 if code else 4)
    # the task network sees the raw refined output in the code, the composite in the paper
    assert torch.allclose(task_net.seen[0], refined if code else comp_r, atol=1e-6)


def test_maskmix_is_a_no_op_in_the_code():
    options = build_method(CODE, SMALL).options
    masks = (np.random.default_rng(0).random((4, 32, 32)) < 0.3).astype(np.float32)
    data = InpaintingTrainSet(
        "classification", np.zeros((4, 32, 32, 3), np.float32), masks, np.zeros(4)
    )
    collate = InpaintingCollate(data, torch.device("cpu"), 0, options.augment, options.maskmix)
    assert np.array_equal(collate(torch.arange(4), 3).masks[:, 0].numpy(), masks)
    assert build_method(PAPER, SMALL).options.augment == "maskmix"
