"""LPIPS: offline it is unavailable naming its file; with a trunk file installed it equals an
independent implementation of the LPIPS formula (Zhang et al. 2018, Eq. 1) on the same weights."""

import dataclasses

import numpy as np
import pytest
import torch
import torchvision

from geoinpaint.metrics import weights
from geoinpaint.metrics.perceptual import LPIPS, LPIPS_TRUNK
from geoinpaint.metrics.weights import WeightsUnavailable, require_bundled, sha256_of


def test_lpips_offline_is_unavailable_naming_the_alexnet_file(torch_home):
    with pytest.raises(WeightsUnavailable, match=LPIPS_TRUNK):
        LPIPS()


@pytest.fixture
def installed_fake_alexnet(torch_home, monkeypatch):
    """A random AlexNet trunk in the hub cache (the real one is not fetchable offline); the
    classifier, unused by LPIPS, is stored as zero-stride views to keep the file small."""
    torch.manual_seed(0)
    state = torchvision.models.alexnet(weights=None).state_dict()
    state = {
        k: (v if k.startswith("features") else torch.zeros(1).expand(v.shape))
        for k, v in state.items()
    }
    torch_home.mkdir(parents=True)
    path = torch_home / LPIPS_TRUNK
    torch.save(state, path)
    fake = dataclasses.replace(weights.BY_NAME[LPIPS_TRUNK], sha256=sha256_of(path))
    monkeypatch.setitem(weights.BY_NAME, LPIPS_TRUNK, fake)
    return path


def _lpips_reference(x, y, trunk_state):
    """Eq. 1: sum over AlexNet's 5 ReLU outputs of the spatial mean of the channel-weighted
    squared difference of unit-normalised features; inputs in [-1, 1], LPIPS's scaling layer."""
    net = torchvision.models.alexnet(weights=None).features
    net.load_state_dict(
        {k[len("features.") :]: v for k, v in trunk_state.items() if "features" in k}
    )
    lins = torch.load(require_bundled("lpips", "weights/v0.1/alex.pth"), map_location="cpu")
    shift = torch.tensor([-0.030, -0.088, -0.188])[None, :, None, None]
    scale = torch.tensor([0.458, 0.448, 0.450])[None, :, None, None]
    fx, fy = (x - shift) / scale, (y - shift) / scale
    total = torch.zeros(len(x))
    for layer, (lo, hi) in enumerate([(0, 2), (2, 5), (5, 8), (8, 10), (10, 12)]):
        fx, fy = net[lo:hi](fx), net[lo:hi](fy)
        nx = fx / (fx.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        ny = fy / (fy.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        w = lins[f"lin{layer}.model.1.weight"]
        total += ((nx - ny) ** 2 * w).sum(1).mean(dim=(1, 2))
    return total.numpy()


def test_lpips_with_an_installed_trunk_equals_the_formula(installed_fake_alexnet):
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 256, (3, 64, 64, 3)).astype(np.uint8)
    out = np.clip(gt.astype(int) + rng.integers(-60, 61, gt.shape), 0, 255).astype(np.uint8)
    got = LPIPS()(gt, out)
    x = torch.from_numpy(gt).permute(0, 3, 1, 2).float() / 127.5 - 1
    y = torch.from_numpy(out).permute(0, 3, 1, 2).float() / 127.5 - 1
    with torch.no_grad():
        ref = _lpips_reference(x, y, torch.load(installed_fake_alexnet, weights_only=True))
    np.testing.assert_allclose(got, ref, rtol=1e-4)
    assert (got > 0).all() and LPIPS()(gt, gt) == pytest.approx(0, abs=1e-7)
