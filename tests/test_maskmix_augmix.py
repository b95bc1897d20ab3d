"""MaskMix (paper Eq. 7) and AugMix (its Table VIII) as the training-time augmentations."""

import numpy as np
import pytest
import torch
from scipy.stats import entropy, ks_2samp

from geoinpaint.config import load_config
from geoinpaint.experiments.options import base_options
from geoinpaint.experiments.plan import plan
from geoinpaint.masks.augmix import (
    COLOUR_OPS,
    GEOMETRIC_OPS,
    AugMixConfig,
    augmix,
    jensen_shannon,
    moves_content,
)
from geoinpaint.masks.cloud import cloud_anchors, cloud_mask
from geoinpaint.masks.maskmix import MaskMixConfig, keep_area, maskmix
from geoinpaint.masks.maskset import load_maskset, write_maskset
from geoinpaint.methods.options import make_options
from geoinpaint.methods.registry import traits
from geoinpaint.models.task_driven.options import TaskDrivenOptions
from geoinpaint.training.data import InpaintingCollate, InpaintingTrainSet
from tests_paths import REPO


@pytest.fixture(scope="module")
def seeds():
    rng = np.random.default_rng(0)
    anchors = cloud_anchors(rng, 8)
    return [cloud_mask(rng, 64, anchors) for _ in range(20)]


@pytest.mark.parametrize("phi", ["seed-area", "threshold"])
def test_maskmix_output_is_binary_and_differs_from_seed(seeds, phi):
    rng, cfg = np.random.default_rng(1), MaskMixConfig(phi=phi)
    outs = [(s, maskmix(s, rng, cfg)) for s in seeds for _ in range(5)]
    assert all(set(np.unique(o)) <= {0.0, 1.0} for _, o in outs)
    assert np.mean([not np.array_equal(s, o) for s, o in outs]) > 0.7


def test_maskmix_seed_area_keeps_every_seeds_hole_area_and_threshold_shrinks_it(seeds):
    rng = np.random.default_rng(2)
    for s in seeds:
        assert maskmix(s, rng).sum() == s.sum()
    shrunk = [maskmix(s, rng, MaskMixConfig(phi="threshold")).sum() / s.sum() for s in seeds]
    assert np.median(shrunk) < 0.97


def test_keep_area_takes_the_highest_mixed_values_and_breaks_ties_by_neighbourhood():
    mixed = np.zeros((16, 16), np.float32)
    mixed[2:6, 2:6] = 0.7  # 16 pixels above the tie level
    mixed[8:16, 0:16] = 0.3  # a tie level: 128 pixels
    mixed[7, 3] = 0.3  # an isolated tied pixel, far from the rest of the mix
    out = keep_area(mixed, 40)
    assert out.sum() == 40 and out[2:6, 2:6].all()
    assert out[7, 3] == 0  # tied but isolated: last in line


def test_maskmix_is_deterministic_by_seed(seeds):
    a = maskmix(seeds[0], np.random.default_rng(3))
    b = maskmix(seeds[0], np.random.default_rng(3))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("phi", ["seed-area", "threshold"])
def test_maskmix_with_no_operations_magnitude_returns_the_seed(seeds, phi):
    cfg = MaskMixConfig(max_rotate=0, max_translate=0, max_shear=0, phi=phi)
    assert np.array_equal(maskmix(seeds[0], np.random.default_rng(0), cfg), seeds[0])


@pytest.fixture(scope="module")
def embedded():
    """The embedded default's config and plan."""
    config = load_config(REPO / "config" / "config.yaml")
    return config, plan(config, REPO / "config" / "experiments")


def _options(method: str, options: dict) -> TaskDrivenOptions:
    """A registered method's options (its preset over `options`) without building it."""
    return make_options(TaskDrivenOptions, {**options, **traits(method)["preset"]})


def _hole_areas(data: InpaintingTrainSet, options, draws: int) -> np.ndarray:
    collate = InpaintingCollate(data, torch.device("cpu"), 0, options.augment, options.maskmix)
    areas, epoch = [], 0
    while len(areas) < draws:
        batch = collate(torch.arange(len(data)), epoch)
        areas += batch.masks.mean((1, 2, 3)).tolist()
        epoch += 1
    return np.array(areas[:draws])


@pytest.mark.parametrize(  # cloud seed masks (Table I) and strokes (Tables II, III)
    "role", ["rsscn7", pytest.param("cvusa", marks=pytest.mark.slow)]
)
def test_embedded_proposed_trains_on_the_hole_areas_of_proposed_minus(embedded, role, tmp_path):
    """Done-when of the fidelity issue: Proposed (MaskMix) and Proposed- (none) see hole-area
    distributions that a two-sample KS test over 500 draws cannot tell apart (p > 0.01) with
    the default MaskMix, where the fixed 0.5 threshold shrinks them (p < 0.01)."""
    config, p = embedded
    (seed_masks,) = {
        f"{r.train_maskset}_seed{r.seed}"
        for r in p.runs.values()
        if r.role == role and r.method == "proposed"
    }
    spec = p.masksets[(role, seed_masks)]
    write_maskset(tmp_path, spec.kind, spec.n, spec.size, spec.seed, **dict(spec.options))
    masks, _ = load_maskset(tmp_path)
    keep = np.linspace(0, len(masks) - 1, config["train_images"]).round().astype(int)
    data = InpaintingTrainSet("classification", np.zeros((len(keep), 1, 1, 3)), masks[keep], keep)
    options = {m: _options(m, base_options(m, config)) for m in ("proposed", "proposed-")}
    assert options["proposed"].augment == "maskmix" and options["proposed-"].augment == "none"
    proposed = _hole_areas(data, options["proposed"], 500)
    minus = _hole_areas(data, options["proposed-"], 500)
    assert ks_2samp(proposed, minus).pvalue > 0.01
    fixed = _options("proposed", {"maskmix": {"phi": "threshold"}})
    assert ks_2samp(_hole_areas(data, fixed, 500), minus).pvalue < 0.01


def _image_and_mask(size: int = 32):
    image = np.random.default_rng(1).random((size, size, 3)).astype(np.float32)
    mask = np.zeros((size, size), np.float32)
    mask[4:12, 4:20] = 1
    return image, mask


def test_augmix_changes_the_image_and_leaves_the_mask_bit_identical():
    image, mask = _image_and_mask()
    data = InpaintingTrainSet(
        "classification", np.stack([image] * 4), np.stack([mask] * 4), np.zeros(4, np.int64)
    )
    for jsd in (False, True):
        collate = InpaintingCollate(data, torch.device("cpu"), 0, "augmix", jsd=jsd)
        batch = collate(torch.arange(4), 0)
        assert np.array_equal(batch.masks[:, 0].numpy(), data.masks)
        augmented = batch.views[0] if jsd else batch.images
        assert not torch.allclose(augmented, torch.from_numpy(data.images).permute(0, 3, 1, 2))
        if jsd:  # Hendrycks et al.: the clean image and two AugMix draws
            assert torch.equal(batch.images, torch.from_numpy(data.images).permute(0, 3, 1, 2))
            assert batch.views.shape == (2, 4, 3, 32, 32)
            assert not torch.equal(batch.views[0], batch.views[1])


def _pointwise(out: np.ndarray, image: np.ndarray) -> bool:
    """Every pixel's output is a function of its own input value: nothing moved."""
    return all(np.ptp(out[image == v], axis=0).max() < 1e-6 for v in np.unique(image))


def test_augmix_geometric_operations_move_content_and_colour_ones_keep_it():
    image = np.zeros((32, 32, 3), np.float32)
    image[8:20, 8:20] = 1
    rng = np.random.default_rng(0)
    geometric = AugMixConfig(severity=10, ops=GEOMETRIC_OPS)
    assert sum(not _pointwise(augmix(image, rng, geometric), image) for _ in range(10)) > 5
    assert all(
        _pointwise(augmix(image, rng, AugMixConfig(ops=COLOUR_OPS)), image) for _ in range(10)
    )
    assert moves_content(AugMixConfig()) == list(GEOMETRIC_OPS)
    assert moves_content(AugMixConfig(ops=COLOUR_OPS)) == []


def test_augmix_is_deterministic_by_seed_and_rejects_unknown_operations():
    image, _ = _image_and_mask()
    assert np.array_equal(
        augmix(image, np.random.default_rng(5)), augmix(image, np.random.default_rng(5))
    )
    with pytest.raises(ValueError, match="sharpness"):
        AugMixConfig(ops=("rotate", "sharpness"))


def test_jensen_shannon_matches_the_entropy_definition_and_is_zero_for_equal_predictions():
    logits = [torch.randn(5, 7, generator=torch.Generator().manual_seed(k)) for k in range(3)]
    probs = [torch.softmax(z, 1).numpy().astype(np.float64) for z in logits]
    mixture = np.mean(probs, axis=0)
    expected = np.mean(
        [entropy(m) - np.mean([entropy(p[i]) for p in probs]) for i, m in enumerate(mixture)]
    )
    assert jensen_shannon(*logits).item() == pytest.approx(expected, rel=1e-4)
    assert jensen_shannon(logits[0], logits[0], logits[0]).item() == pytest.approx(0, abs=1e-6)
    maps = [torch.randn(2, 7, 4, 4) for _ in range(3)]  # per-pixel class maps work too
    assert jensen_shannon(*maps).item() > 0
