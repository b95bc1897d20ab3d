import numpy as np
import pytest

from geoinpaint.masks.augmix import COLOUR_OPS, GEOMETRIC_OPS, AugMixConfig, augmix
from geoinpaint.masks.cloud import cloud_anchors, cloud_mask
from geoinpaint.masks.maskmix import MaskMixConfig, maskmix


@pytest.fixture(scope="module")
def seeds():
    rng = np.random.default_rng(0)
    anchors = cloud_anchors(rng, 8)
    return [cloud_mask(rng, 64, anchors) for _ in range(20)]


def test_maskmix_output_is_binary_differs_from_seed_and_keeps_comparable_area(seeds):
    rng = np.random.default_rng(1)
    outs = [(s, maskmix(s, rng)) for s in seeds for _ in range(5)]
    assert all(set(np.unique(o)) <= {0.0, 1.0} for _, o in outs)
    differs = np.mean([not np.array_equal(s, o) for s, o in outs])
    assert differs > 0.7
    ratios = np.array([o.sum() / s.sum() for s, o in outs])
    assert 0.6 < np.median(ratios) < 1.4


def test_maskmix_is_deterministic_by_seed(seeds):
    a = maskmix(seeds[0], np.random.default_rng(3))
    b = maskmix(seeds[0], np.random.default_rng(3))
    assert np.array_equal(a, b)


def test_maskmix_with_no_operations_magnitude_returns_the_seed(seeds):
    cfg = MaskMixConfig(max_rotate=0, max_translate=0, max_shear=0)
    assert np.array_equal(maskmix(seeds[0], np.random.default_rng(0), cfg), seeds[0])


def test_augmix_moves_the_mask_exactly_like_the_image_content():
    # The image shows the mask itself (1 inside, 0 outside): with geometric operations, the mixed
    # image thresholded at 0.5 must equal the returned mask, up to interpolation at the border.
    mask = np.zeros((64, 64), np.float32)
    mask[20:40, 16:30] = 1
    image = np.repeat(mask[..., None], 3, axis=2)
    rng = np.random.default_rng(0)
    cfg = AugMixConfig(severity=10, ops=GEOMETRIC_OPS)
    moved = 0
    for _ in range(20):
        img, m = augmix(image, mask, rng, cfg)
        assert set(np.unique(m)) <= {0.0, 1.0} and img.shape == image.shape
        assert ((img.mean(axis=2) >= 0.5) == (m > 0.5)).mean() > 0.97
        moved += not np.array_equal(m, mask)
    assert moved >= 5, "geometric operations must move the mask along with the content"


def test_augmix_colour_operations_leave_the_mask_alone():
    mask = np.zeros((32, 32), np.float32)
    mask[4:12, 4:20] = 1
    image = np.random.default_rng(1).random((32, 32, 3)).astype(np.float32)
    rng = np.random.default_rng(2)
    for _ in range(5):
        img, m = augmix(image, mask, rng, AugMixConfig(ops=COLOUR_OPS))
        assert np.array_equal(m, mask) and not np.allclose(img, image)


def test_augmix_is_deterministic_by_seed():
    image = np.random.default_rng(0).random((32, 32, 3)).astype(np.float32)
    mask = np.zeros((32, 32), np.float32)
    mask[8:20, 8:20] = 1
    a = augmix(image, mask, np.random.default_rng(5))
    b = augmix(image, mask, np.random.default_rng(5))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
