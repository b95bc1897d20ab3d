"""IGLL (models/igll): architecture counts, edge input without ground truth, GAM's position
encodings, the SVD loss, options, and a one-batch overfit."""

import pytest
import torch
import torch.nn.functional as F

from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import describe
from geoinpaint.methods.registry import build_method, traits
from geoinpaint.metrics.weights import WeightsUnavailable
from geoinpaint.models.igll import IGLL
from geoinpaint.models.igll.attention import FlexibleFeatureSimilarity, GlobalAttention
from geoinpaint.models.igll.discriminator import GlobalLocalDiscriminator, hole_boxes
from geoinpaint.models.igll.edges import EdgeDetector
from geoinpaint.models.igll.losses import (
    discriminator_loss,
    logit_svd_penalty,
    svd_distance,
)
from geoinpaint.models.igll.network import Generator
from geoinpaint.models.igll.pidinet import PiDiNet
from geoinpaint.training.data import Batch
from geoinpaint.training.losses import relativistic_average

from .overfit import train_until_halved

PAPER_PARAMS = 4.458e6  # IGLL Table 3 (generator; PiDiNet and discriminator not included)
PAPER_GMACS = 42.613  # IGLL Table 3 "GFLOPs" = thop MACs at 256 x 256
SMALL = IGLL.SMALL


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def smooth_images(n: int, size: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 6, 6, generator=gen)
    return F.interpolate(coarse, size=size, mode="bicubic", align_corners=False).clamp(0, 1)


def box_masks(n: int, size: int) -> torch.Tensor:
    """Rectangular holes of 14-30 % of the image, one per image, at different places."""
    q, m = size // 8, torch.zeros(n, 1, size, size)
    boxes = [(q, 5 * q, q, 5 * q), (2 * q, 6 * q, q, 4 * q), (4 * q, 7 * q, 4 * q, 8 * q)]
    boxes.append((0, 3 * q, 2 * q, 7 * q))
    for i in range(n):
        t, b, left, r = boxes[i % 4]
        m[i, :, t:b, left:r] = 1
    return m


# -- architecture ---------------------------------------------------------------------------
def test_generator_parameter_count_at_paper_settings():
    with torch.device("meta"):
        generator = Generator()
    assert count(generator) == 4_444_310
    assert abs(count(generator) / PAPER_PARAMS - 1) < 0.10  # -0.31 %
    # the method builds exactly that generator, and nothing else counts as its parameters
    method = build_method("igll")
    assert count(method.nets) == 4_444_310 and list(method.nets) == ["generator"]
    assert method.variant() == {}


def test_ablation_and_multi_head_parameter_counts():
    counts = {}
    for name, kw in {
        "multi-head": {"heads": 3},
        "no-position": {"position": "none"},
        "w/o GAM": {"gam": False},
        "w/o FFSM": {"ffsm": False},
        "w/o prior": {"structure_prior": False},
    }.items():
        with torch.device("meta"):
            counts[name] = count(Generator(**kw))
    # position encodings: 2 GAMs x 128 channels x (64 + 64) positions
    assert counts["no-position"] == 4_444_310 - 2 * 128 * 128
    assert counts["w/o GAM"] == counts["no-position"]
    assert counts["multi-head"] == 4_806_550
    assert counts["w/o FFSM"] == 4_423_686
    assert counts["w/o prior"] == 4_444_310 - 2 * 32 * 25  # no edge channel into PIRN


@pytest.mark.parametrize(
    ("width", "dilation", "expected"), [(60, 24, 710_149), (30, 12, 183_763), (20, 8, 84_477)]
)
def test_pidinet_parameter_counts_match_the_official_models(width, dilation, expected):
    with torch.device("meta"):
        assert count(PiDiNet(width, dilation)) == expected


def test_discriminator_counts_and_shapes():
    with torch.device("meta"):
        assert count(GlobalLocalDiscriminator(4, 64, 256)) == 36_676_225
    disc = GlobalLocalDiscriminator(4, 8, 64)
    masks = box_masks(4, 64)
    boxes = hole_boxes(masks, disc.crop)
    assert disc(torch.rand(4, 4, 64, 64), boxes).shape == (4, 1)
    assert disc(torch.rand(1, 4, 64, 64), boxes[:1]).shape == (1, 1)  # a last batch of one
    # each crop lies inside the image and contains its hole's centre
    for (t, s), m in zip(boxes.tolist(), masks, strict=True):
        rows, cols = torch.nonzero(m[0], as_tuple=True)
        cy, cx = (rows.min() + rows.max()) // 2, (cols.min() + cols.max()) // 2
        assert 0 <= t <= 32 and 0 <= s <= 32 and t <= cy < t + 32 and s <= cx < s + 32


def test_small_variant_inpaints_64px_images_in_range():
    torch.manual_seed(0)
    method = build_method("igll", SMALL)
    assert method.variant() == {"cnum": 8, "d_cnum": 8}
    assert method.multiple == 4
    images, masks = smooth_images(2, 64), box_masks(2, 64)
    pred = method.inpaint(images, masks)
    assert pred.shape == (2, 3, 64, 64) and 0 <= pred.min() and pred.max() <= 1


@pytest.mark.parametrize(
    "options",
    [
        {"gam": False},
        {"ffsm": False},
        {"structure_prior": False},
        {"heads": 3},
        {"position": "none"},
        {"position": "random"},
    ],
)
def test_ablations_run_and_are_noted(options):
    method = build_method("igll", {**SMALL, **options})
    pred = method.predict(smooth_images(2, 32), box_masks(2, 32))
    assert pred.shape == (2, 3, 32, 32)
    assert any("not the paper's IGLL" in n for n in method.notes())


def test_unknown_option_values_are_refused():
    with pytest.raises(ValueError, match="svd_loss"):
        build_method("igll", {"svd_loss": "sometimes"})
    with pytest.raises(ValueError, match="heads"):
        build_method("igll", {"heads": 0})


def test_authors_code_preset():
    preset = traits("igll-authors-code")["preset"]
    assert preset["lr"] == 1e-5 and preset["batch_size"] == 16 and preset["d_steps"] == 5
    o = build_method("igll-authors-code", {"cnum": 8}).options
    assert (o.svd_loss, o.edge_source, o.position) == ("discriminator", "ground_truth", "random")


# -- the edge input never sees the ground truth under the hole --------------------------------
@pytest.mark.parametrize("detector", ["canny", "pidinet"])
def test_edges_of_inputs_differing_only_in_the_hole_are_identical(detector):
    torch.manual_seed(0)
    edges = EdgeDetector(detector, PiDiNet().eval() if detector == "pidinet" else None)
    images, masks = smooth_images(2, 64), box_masks(2, 64)
    other = torch.where(masks.bool(), torch.rand_like(images), images)
    a, b = edges.occluded(images, masks), edges.occluded(other, masks)
    assert torch.equal(a, b)
    assert a.shape == (2, 1, 64, 64) and a[masks.bool()].abs().max() == 0
    assert a.max() > 0  # the known part does have edges


def test_method_edges_and_prediction_ignore_the_occluder():
    torch.manual_seed(0)
    method = build_method("igll", SMALL)
    assert method.provenance()["edge_detector"] == "canny"  # PiDiNet's file is not installed
    assert any("Canny" in n for n in method.notes())
    images, masks = smooth_images(2, 32), box_masks(2, 32)
    other = torch.where(masks.bool(), torch.rand_like(images), images)
    assert torch.equal(method.inpaint(images, masks), method.inpaint(other, masks))


def test_ground_truth_edges_are_a_training_option_only():
    method = build_method("igll", {**SMALL, "edge_source": "ground_truth"})
    images, masks = smooth_images(2, 64), box_masks(2, 64)
    assert method.training_edges(images, masks)[masks.bool()].max() > 0  # the code's leak
    assert method.edges(images, masks)[masks.bool()].max() == 0  # what predict uses
    given = torch.zeros(2, 1, 64, 64)
    with torch.no_grad():
        a = method.predict(images, masks, edges=given)
        b = method.predict(images, masks)
    assert not torch.equal(a, b)


def test_checkpoint_trained_on_pidinet_edges_needs_the_pidinet_file():
    method = build_method("igll", SMALL)
    state = method.state_dict()
    state["provenance"]["edge_detector"] = "pidinet"
    with pytest.raises(WeightsUnavailable, match="table5_pidinet.pth"):
        build_method("igll", SMALL).load_state_dict(state)


# -- GAM -------------------------------------------------------------------------------------
def test_learned_positions_are_trained_and_restored():
    torch.manual_seed(0)
    method = build_method("igll", {**SMALL, "position_size": 32})
    gam = method.nets["generator"].attention_modules()[0]
    assert {"pos_h", "pos_w"} <= {n for n, _ in gam.named_parameters()}
    ctx = TrainContext("classification", 32, 4, torch.device("cpu"))
    routine = method.routine(ctx)
    in_opt = {id(p) for g in routine.opts["g"].param_groups for p in g["params"]}
    assert id(gam.pos_h) in in_opt and id(gam.pos_w) in in_opt
    before = gam.pos_h.detach().clone()
    images, masks = smooth_images(4, 32), box_masks(4, 32)
    routine.train_step(Batch(images, masks, torch.zeros(4, dtype=torch.long), torch.arange(4)))
    assert not torch.equal(gam.pos_h, before)
    restored = build_method("igll", {**SMALL, "position_size": 32})
    restored.load_state_dict(method.state_dict())
    gam2 = restored.nets["generator"].attention_modules()[0]
    assert torch.equal(gam2.pos_h, gam.pos_h) and torch.equal(gam2.pos_w, gam.pos_w)


def test_position_none_and_random_have_no_position_parameters():
    for position in ("none", "random"):
        gam = GlobalAttention(16, position=position, side=8)
        assert not any("pos" in n for n, _ in gam.named_parameters())
    x, mask = torch.rand(1, 16, 8, 8), box_masks(1, 32)
    gam = GlobalAttention(16, position="random", side=8).train()
    assert not torch.equal(gam(x, mask), gam(x, mask))  # redrawn on every training call
    gam.eval()
    assert torch.equal(gam(x, mask), gam(x, mask))  # a fixed draw when evaluating


def test_learned_positions_interpolate_to_other_feature_sizes():
    gam = GlobalAttention(16, side=16)
    assert gam(torch.rand(1, 16, 8, 12), box_masks(1, 32)[..., :48]).shape == (1, 16, 8, 12)


@pytest.mark.parametrize("heads", [1, 3])
def test_gam_attends_from_the_hole_to_the_background_only(heads):
    torch.manual_seed(0)
    gam = GlobalAttention(16, heads=heads, side=8)
    gam.store_attention = True
    x, mask = torch.rand(2, 16, 8, 8), box_masks(2, 32)
    out = gam(x, mask)
    hole = F.interpolate(mask, size=(8, 8), mode="nearest").flatten(1).bool()  # (2, 64)
    attn = gam.attention
    assert attn.shape == (2, heads, 64, 64)
    assert torch.allclose(attn.sum(-1), torch.ones(2, heads, 64))
    assert attn.masked_select(hole[:, None, None, :]).abs().max() == 0
    assert torch.equal(
        out.flatten(2)[~hole[:, None, :].expand(2, 16, 64)],
        x.flatten(2)[~hole[:, None, :].expand(2, 16, 64)],
    )


def test_ffsm_changes_the_hole_only():
    torch.manual_seed(0)
    ffsm = FlexibleFeatureSimilarity(16, GlobalAttention(16, side=8))
    x, mask = torch.rand(2, 16, 8, 8), box_masks(2, 32)
    out = ffsm(x, mask)
    known = F.interpolate(mask, size=(8, 8), mode="nearest") == 0
    assert torch.equal(out.masked_select(known), x.masked_select(known))
    assert not torch.allclose(out, x)


# -- losses ----------------------------------------------------------------------------------
def orthogonal(n: int, seed: int) -> torch.Tensor:
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=torch.Generator().manual_seed(seed)))
    return q.double()


def test_svd_distance_on_matrices_with_known_singular_values():
    u, v = orthogonal(6, 1), orthogonal(6, 2)
    s_a = torch.tensor([9.0, 5.0, 4.0, 2.0, 1.0, 0.5], dtype=torch.float64)
    s_b = torch.tensor([8.0, 5.5, 2.5, 2.0, 0.5, 0.0], dtype=torch.float64)
    a = (u @ torch.diag(s_a) @ v.T)[None, None]
    b = (v @ torch.diag(s_b) @ u.T)[None, None]  # other singular vectors: only values count
    assert torch.allclose(torch.linalg.svdvals(a)[0, 0], s_a)
    assert torch.allclose(svd_distance(a, b), (s_a - s_b).abs().mean()[None])
    assert torch.allclose(svd_distance(a, b, rank=3), (s_a - s_b)[:3].abs().mean()[None])
    # per image: the mean over the colour channels
    two = torch.cat([a, b], 1)
    assert torch.allclose(
        svd_distance(two, torch.cat([b, b], 1)), (s_a - s_b).abs().mean()[None] / 2
    )


def test_svd_distance_gradcheck():
    gen = torch.Generator().manual_seed(0)
    pred = torch.randn(2, 2, 5, 4, dtype=torch.float64, generator=gen, requires_grad=True)
    target = torch.randn(2, 2, 5, 4, dtype=torch.float64, generator=gen) * 3
    assert torch.autograd.gradcheck(lambda p: svd_distance(p, target), (pred,))
    assert torch.autograd.gradcheck(lambda p: svd_distance(p, target, rank=2), (pred,))


def test_discriminator_losses():
    real, fake = torch.randn(4, 1), torch.randn(4, 1)
    assert torch.equal(discriminator_loss(real, fake), relativistic_average(real, fake, True))
    # a positive SVD term on the fake logits makes the discriminator's loss larger
    assert discriminator_loss(real, fake, torch.ones(4, 1)) > discriminator_loss(real, fake)
    expected = (real.norm() - fake.norm()) ** 2  # an N x 1 matrix's singular value: its norm
    assert torch.allclose(logit_svd_penalty(real, fake), expected)


# -- training ------------------------------------------------------------------------------
@pytest.mark.slow
def test_one_batch_overfit_halves_the_hole_l1():
    torch.manual_seed(0)
    method = build_method("igll", {**SMALL, "position_size": 32, "lr": 3e-4})
    routine = method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))
    batch = Batch(
        smooth_images(4, 32), box_masks(4, 32), torch.zeros(4, dtype=torch.long), torch.arange(4)
    )
    first, last, steps = train_until_halved(routine, batch)
    assert last["l1"] < 0.5 * first["l1"], (first, last, steps)


@pytest.mark.slow
def test_describe_paper_model_at_256():
    """thop's MACs fall short of Table 3's 42.613 "GFLOPs": docs/fidelity/igll.md explains."""
    torch.manual_seed(0)
    d = describe(build_method("igll"), 256)
    assert d["params"] == 4_444_310
    assert d["gmacs_thop"] == pytest.approx(26.0907, abs=1e-3)
    assert d["gflops"] == pytest.approx(155.2606, abs=1e-3)
    assert d["gmacs_thop"] < PAPER_GMACS
