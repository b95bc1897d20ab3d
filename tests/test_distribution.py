"""FID and KID checked against closed forms and independent implementations (pytorch-fid's own
file-based pipeline, piq)."""

import dataclasses
import os

import numpy as np
import piq
import pytest
import torch
from PIL import Image

from geoinpaint.metrics import weights
from geoinpaint.metrics.distribution import FID_INCEPTION, InceptionFeatures, fid, kid
from geoinpaint.metrics.weights import WeightsUnavailable, sha256_of


def test_fid_of_diagonal_gaussians_is_closed_form_and_equals_piq():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (4000, 3)) * [1.0, 2.0, 0.5]
    b = rng.normal(0, 1, (4000, 3)) * [1.5, 1.0, 0.5] + [1.0, 0.0, -2.0]
    ma, mb, va, vb = a.mean(0), b.mean(0), a.var(0, ddof=1), b.var(0, ddof=1)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Near-diagonal covariances: the closed form holds to the size of the off-diagonal terms.
    closed = ((ma - mb) ** 2).sum() + (va + vb - 2 * np.sqrt(va * vb)).sum()
    assert abs(ca[0, 1]) < 0.1 and abs(cb[0, 1]) < 0.1
    assert fid(a, b) == pytest.approx(closed, rel=2e-2)
    piq_fid = piq.FID().compute_metric(torch.tensor(a), torch.tensor(b))
    assert fid(a, b) == pytest.approx(float(piq_fid), rel=1e-4)


@pytest.mark.parametrize(("n", "d"), [(60, 8), (12, 40)])
def test_fid_equals_pytorch_fids_frechet_distance_also_with_singular_covariances(n, d):
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(n)
    a = rng.normal(0, 1, (n, d)) @ rng.normal(0, 1, (d, d))
    b = rng.normal(0.2, 1, (n + 3, d)) @ rng.normal(0, 1, (d, d))
    stats = [(f.mean(0), np.cov(f, rowvar=False)) for f in (a, b)]
    ref = calculate_frechet_distance(*stats[0], *stats[1])
    # n < d: pytorch-fid regularises the singular covariances by 1e-6 on the diagonal.
    assert fid(a, b) == pytest.approx(ref, rel=1e-9 if n > d else 1e-5)


def test_kid_equals_piqs_unbiased_polynomial_mmd():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, (40, 16)), rng.normal(0.3, 1.2, (40, 16))
    ref = piq.KID().compute_metric(torch.tensor(a), torch.tensor(b))
    assert kid(a, b) == pytest.approx(float(ref), rel=1e-10)


def test_kid_is_unbiased_near_zero_for_two_samples_of_one_distribution():
    rng = np.random.default_rng(2)
    vals = [kid(rng.normal(0, 1, (20, 8)), rng.normal(0, 1, (20, 8))) for _ in range(200)]
    assert abs(np.mean(vals)) < 3 * np.std(vals) / np.sqrt(len(vals))


def test_inception_offline_is_unavailable_naming_its_file(torch_home):
    with pytest.raises(WeightsUnavailable, match=FID_INCEPTION):
        InceptionFeatures()


@pytest.fixture(scope="session")
def fake_inception(tmp_path_factory) -> str:
    """Randomly initialised FID Inception weights (the real file cannot be fetched offline)."""
    from pytorch_fid import inception as pfi

    orig_load, orig_sd = pfi.load_state_dict_from_url, torch.nn.Module.load_state_dict
    pfi.load_state_dict_from_url = lambda *a, **k: None
    torch.nn.Module.load_state_dict = lambda self, *a, **k: None
    try:
        torch.manual_seed(0)
        net = pfi.fid_inception_v3()
    finally:
        pfi.load_state_dict_from_url, torch.nn.Module.load_state_dict = orig_load, orig_sd
    path = tmp_path_factory.mktemp("fake_inception") / FID_INCEPTION
    torch.save(net.state_dict(), path)
    return str(path)


def test_fid_with_installed_weights_equals_pytorch_fids_own_pipeline_on_the_png_files(
    torch_home, fake_inception, monkeypatch, tmp_path
):
    torch_home.mkdir(parents=True)
    os.link(fake_inception, torch_home / FID_INCEPTION)
    fake = dataclasses.replace(weights.BY_NAME[FID_INCEPTION], sha256=sha256_of(fake_inception))
    monkeypatch.setitem(weights.BY_NAME, FID_INCEPTION, fake)
    rng = np.random.default_rng(0)
    sets = [rng.integers(0, 256, (5, 40, 40, 3)).astype(np.uint8) for _ in range(2)]
    sets[1][:, :20] = sets[0][:, :20]
    dirs = []
    for k, images in enumerate(sets):
        d = tmp_path / f"set{k}"
        d.mkdir()
        for i, img in enumerate(images):
            Image.fromarray(img).save(d / f"{i}.png")
        dirs.append(str(d))
    from pytorch_fid.fid_score import calculate_fid_given_paths

    # 64-d features (the first block) keep this test fast; pool3 differs only in depth.
    ref = calculate_fid_given_paths(dirs, batch_size=5, device="cpu", dims=64, num_workers=0)
    net = InceptionFeatures(dims=64)
    assert fid(net(sets[0]), net(sets[1])) == pytest.approx(ref, rel=1e-5)
