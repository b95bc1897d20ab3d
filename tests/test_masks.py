import numpy as np
import pytest

from geoinpaint.masks.cloud import cloud_anchors, cloud_mask
from geoinpaint.masks.fill import FILLS, occlude


@pytest.fixture(scope="module")
def anchors():
    return cloud_anchors(np.random.default_rng(0), n=8)


@pytest.mark.parametrize("size", [32, 64, 128])
def test_cloud_mask_is_binary_and_its_hole_fraction_lies_in_the_band(anchors, size):
    rng = np.random.default_rng(size)
    for _ in range(30):
        m = cloud_mask(rng, size, anchors, 0.15, 0.60)
        assert set(np.unique(m)) <= {0.0, 1.0}
        assert 0.15 <= m.mean() <= 0.60


def test_cloud_mask_respects_a_narrow_custom_band(anchors):
    rng = np.random.default_rng(1)
    fractions = [cloud_mask(rng, 64, anchors, 0.30, 0.35).mean() for _ in range(20)]
    assert min(fractions) >= 0.30 and max(fractions) <= 0.35


def test_cloud_mask_is_deterministic_by_seed(anchors):
    a = cloud_mask(np.random.default_rng(5), 64, anchors)
    b = cloud_mask(np.random.default_rng(5), 64, anchors)
    c = cloud_mask(np.random.default_rng(6), 64, anchors)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_cloud_mask_rejects_an_empty_band(anchors):
    with pytest.raises(ValueError, match="min_fraction"):
        cloud_mask(np.random.default_rng(0), 64, anchors, 0.5, 0.4)


@pytest.mark.parametrize("fill", FILLS)
def test_occlusion_keeps_known_pixels_exact_and_changes_the_hole(anchors, fill):
    rng = np.random.default_rng(0)
    image = rng.random((64, 64, 3)).astype(np.float32) * 0.5
    mask = cloud_mask(rng, 64, anchors)
    out = occlude(image, mask, fill, rng)
    known = mask == 0
    assert np.array_equal(out[known], image[known])
    assert np.abs(out[~known] - image[~known]).mean() > 0.05


def test_cloud_fill_is_bright_inside_the_hole(anchors):
    rng = np.random.default_rng(0)
    image = np.zeros((64, 64, 3), np.float32)
    mask = cloud_mask(rng, 64, anchors)
    out = occlude(image, mask, "cloud", rng)
    assert out[mask == 1].mean() > 0.6
