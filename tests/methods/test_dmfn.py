"""DMFN (`dmfn`, `dmfn-24`): official parameter counts and cost, the small CPU variant, the
losses' geometry, and a one-batch overfit."""

import io

import pytest
import torch
import torch.nn.functional as F

from geoinpaint.baselines.dmfn import DMFN
from geoinpaint.baselines.dmfn.discriminator import GlobalLocalDiscriminator
from geoinpaint.baselines.dmfn.losses import centre_loss, feature_centres, hole_windows
from geoinpaint.data.scenes import write_split
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe
from geoinpaint.methods.registry import build_method, load_method
from geoinpaint.methods.train import train_method
from geoinpaint.training.data import Batch

from .overfit import train_until_halved

SMALL = DMFN.SMALL
OFFICIAL = {"dmfn": 9_037_443, "dmfn-24": 13_036_483}  # baselines.md, measured on the code


def smooth_batch(n: int, size: int) -> Batch:
    """Smooth random images with a hole in the left-centre of each."""
    gen = torch.Generator().manual_seed(0)
    images = F.interpolate(torch.rand(n, 3, 4, 4, generator=gen), size, mode="bilinear")
    masks = torch.zeros(n, 1, size, size)
    masks[..., size // 4 : size // 2, size // 8 : size // 2] = 1
    return Batch(images, masks, torch.zeros(n, dtype=torch.long), torch.arange(n))


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_generator_has_the_official_parameter_count(name):
    with torch.device("meta"):
        method = build_method(name, device=torch.device("meta"))
    params = count_parameters(method.nets["generator"])
    assert params == OFFICIAL[name]  # exact: the same layers as the code / the port
    assert abs(params - OFFICIAL[name]) <= 0.1 * OFFICIAL[name]
    assert method.variant() == {} and method.notes() == []


def test_discriminator_has_the_official_parameter_count():
    with torch.device("meta"):
        assert count_parameters(GlobalLocalDiscriminator(64, 256)) == 36_673_025


def test_small_variant_maps_tiny_images_to_unit_range_without_reading_the_hole():
    method = build_method("dmfn", SMALL)
    batch = smooth_batch(2, 32)
    pred = method.inpaint(batch.images, batch.masks)
    assert pred.shape == (2, 3, 32, 32) and 0 <= pred.min() and pred.max() <= 1
    other = batch.images * (1 - batch.masks) + 0.7 * batch.masks
    assert torch.allclose(method.inpaint(other, batch.masks), pred)
    assert method.variant() == SMALL and "CPU variant" in method.notes()[0]


def test_checkpoint_round_trips_with_weights_only():
    method = build_method("dmfn-24", {"width": 0.125, "blocks": 1})
    buffer = io.BytesIO()
    torch.save(method.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    again = build_method("dmfn-24", state["options"])
    again.load_state_dict(state)
    x, m = torch.rand(1, 3, 16, 16), torch.zeros(1, 1, 16, 16)
    assert torch.equal(again.inpaint(x, m), method.inpaint(x, m))


def test_local_window_is_centred_on_the_hole_and_stays_inside():
    masks = torch.zeros(3, 1, 64, 64)
    masks[0, :, 20:30, 40:50] = 1  # centre (25, 45)
    masks[1, :, 0:4, 60:64] = 1  # corner: the window is shifted inside
    assert hole_windows(masks, 32) == [(9, 29), (0, 32), (16, 16)]  # no hole: image centre


def test_centre_loss_measures_how_far_features_moved():
    features = torch.zeros(1, 2, 8, 8)
    features[0, 0, 2, 6] = features[0, 1, 5, 1] = 1
    centres = feature_centres(features)
    assert torch.allclose(centres, torch.tensor([[[0.5, -0.5], [-0.75, 0.25]]]), atol=1e-4)
    assert centre_loss(features, features) == 0
    assert centre_loss(features.roll(2, dims=2), features) > 0  # moved down: y differs


class PyramidFeatures(torch.nn.Module):
    """A stand-in for the ImageNet VGG19 (missing offline): relu1_1 ... relu5_1 named maps
    with VGG's channel counts at 1, 1/2, ..., 1/16 of the input."""

    def __init__(self, arch, layers):
        super().__init__()
        self.layers = layers
        self.convs = torch.nn.ModuleList(
            torch.nn.Conv2d(3, c, 3, padding=1) for c in (64, 128, 256, 512, 512)
        )

    def forward(self, images):
        return {
            name: F.relu(conv(F.avg_pool2d(images, 2**i)))
            for i, (name, conv) in enumerate(zip(self.layers, self.convs, strict=True))
        }


def test_vgg_terms_reach_the_generator_when_the_features_are_available(monkeypatch):
    monkeypatch.setattr("geoinpaint.baselines.dmfn.routine.VGGFeatures", PyramidFeatures)
    method = build_method("dmfn", SMALL)
    ctx = TrainContext(task="classification", size=32, n_samples=2, device=torch.device("cpu"))
    routine = method.routine(ctx)
    losses = routine.train_step(smooth_batch(2, 32))
    assert losses["vgg"] > 0 and losses["centre"] >= 0
    assert method.provenance()["perceptual_loss"] == "used"


@pytest.mark.slow
def test_one_batch_overfit_halves_the_l1_loss():
    torch.manual_seed(0)
    method = build_method("dmfn", SMALL)
    ctx = TrainContext(task="classification", size=32, n_samples=4, device=torch.device("cpu"))
    routine = method.routine(ctx)
    first, last, steps = train_until_halved(routine, smooth_batch(4, 32))
    assert last["l1"] < 0.5 * first["l1"], (first, last, steps)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, gflops, gmacs",
    # baselines.md: the official model's torch FLOPs and thop MACs, and the port's
    [("dmfn", 91.797, 58.86), ("dmfn-24", 114.88, 64.047)],
)
def test_describe_reproduces_the_measured_cost_at_256(name, gflops, gmacs):
    cost = describe(build_method(name), 256)
    assert cost["params"] == OFFICIAL[name]
    assert cost["gflops"] == pytest.approx(gflops, rel=1e-3)
    assert cost["gmacs_thop"] == pytest.approx(gmacs, rel=1e-3)


@pytest.mark.slow
def test_small_variant_trains_through_the_runner_and_reloads(tmp_path):
    write_split(tmp_path / "train", "train", 1, 64, seed=0)
    write_maskset(tmp_path / "masks", "cloud", 7, 64, seed=1)
    options = {**SMALL, "epochs": 1, "batch_size": 4}
    args = ("classification", tmp_path / "train", tmp_path / "masks", None, options)
    out = tmp_path / "run"
    method = train_method("dmfn", *args, out / "m.pt", out / "state.pt", device="cpu")
    batch = smooth_batch(2, 64)
    reloaded = load_method(out / "m.pt")
    assert reloaded.variant() == SMALL
    x, m = batch.images, batch.masks
    assert torch.equal(reloaded.inpaint(x, m), method.inpaint(x, m))
