"""BRISQUE checked against independent implementations on the same images."""

import numpy as np
import piq
import pytest
import skimage
import torch
from skimage import data

from geoinpaint.metrics.full_reference import to_tensor
from geoinpaint.metrics.no_reference import (
    _half,
    brisque_batch,
    live_svr_features,
    live_svr_model,
)
from geoinpaint.metrics.references import PackageBrisque
from geoinpaint.metrics.weights import WeightsUnavailable


def _images():
    rng = np.random.default_rng(0)
    noisy = np.clip(data.astronaut()[200:264, 200:264] + rng.normal(0, 25, (64, 64, 3)), 0, 255)
    return [
        data.astronaut()[:64, :64],
        data.chelsea()[100:164, 100:164],
        data.coffee()[:96, :80],
        noisy.astype(np.uint8),
        (rng.random((33, 35, 3)) * 255).astype(np.uint8),
    ]


@pytest.mark.parametrize("k", range(5))
def test_live_svr_score_equals_the_brisque_package_score(k):
    img = _images()[k]
    assert brisque_batch(img[None])[0] == pytest.approx(PackageBrisque().score(img), abs=1e-6)


def test_live_svr_features_equal_the_brisque_package_features():
    pkg = PackageBrisque()
    img = _images()[1]
    gray = skimage.color.rgb2gray(img)
    import cv2

    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_CUBIC)
    ref = [np.asarray(f).item() for g in (gray, small) for f in pkg.calculate_brisque_features(g)]
    got = live_svr_features(to_tensor(img[None]))[0].numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("shape", [(64, 64), (33, 35), (7, 9)])
def test_half_scale_equals_opencv_bicubic_resize(shape):
    import cv2

    g = np.random.default_rng(1).random(shape)
    ref = cv2.resize(g, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_CUBIC)
    got = _half(_half(torch.from_numpy(g), 0), 1).numpy()
    np.testing.assert_allclose(got, ref, atol=1e-12)


def test_live_svr_model_is_the_brisque_packages_live_model():
    model = live_svr_model()
    assert model["sv"].shape == (770, 36) and model["coef"].shape == (770,)
    assert model["rho"] == -155.845 and model["gamma"] == 0.05


def test_live_svr_batches_score_each_image_as_alone():
    imgs = np.stack([im for im in _images() if im.shape == (64, 64, 3)])
    batched = brisque_batch(imgs)
    alone = [brisque_batch(im[None])[0] for im in imgs]
    np.testing.assert_allclose(batched, alone, rtol=1e-12)


def test_noise_raises_the_live_svr_score():
    clean, noisy = _images()[0], _images()[3]
    clean_part = data.astronaut()[200:264, 200:264]
    assert brisque_batch(noisy[None])[0] > brisque_batch(clean_part[None])[0]
    assert np.isfinite(brisque_batch(clean[None])[0])


def test_matlab_svr_offline_is_unavailable_naming_its_file(torch_home):
    with pytest.raises(WeightsUnavailable, match="brisque_svm_weights.pt"):
        brisque_batch(_images()[0][None], "matlab-svr")


def test_matlab_svr_with_an_installed_model_file_is_piqs_brisque(torch_home):
    # A stand-in SVR (the real file is not fetchable offline): piq loads it from the hub cache.
    torch_home.mkdir(parents=True)
    gen = torch.Generator().manual_seed(0)
    coef, sv = torch.randn(20, generator=gen), torch.rand(20, 36, generator=gen) * 2 - 1
    torch.save((coef, sv), torch_home / "brisque_svm_weights.pt")
    imgs = np.stack(_images()[:2])
    got = brisque_batch(imgs, "matlab-svr")
    ref = piq.brisque(to_tensor(imgs), data_range=255.0, reduction="none").numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    assert np.isfinite(got).all()
