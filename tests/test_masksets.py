import numpy as np
import pytest

from geoinpaint.io import DatasetError, write_mask
from geoinpaint.masks.concentrated import concentrated_mask
from geoinpaint.masks.irregular import MaskFolder, stroke_mask
from geoinpaint.masks.maskset import load_maskset, write_maskset
from geoinpaint.testsets import build_testset
from tests_paths import IRREGULAR_MINI


@pytest.mark.parametrize("fraction", [0.10, 0.25, 0.77])
@pytest.mark.parametrize("size", [64, 256])
def test_concentrated_mask_is_one_rectangle_within_one_percent(fraction, size):
    rng = np.random.default_rng(0)
    for _ in range(20):
        m = concentrated_mask(rng, size, fraction)
        assert abs(m.mean() - fraction) <= 0.01
        ys, xs = np.nonzero(m)
        assert m[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].all(), "one filled rectangle"


@pytest.mark.parametrize("size", [32, 64, 256])
def test_stroke_masks_stay_in_the_irregular_band(size):
    rng = np.random.default_rng(size)
    fractions = [stroke_mask(rng, size, 0.10, 0.20).mean() for _ in range(20)]
    assert min(fractions) >= 0.10 and max(fractions) <= 0.20


@pytest.mark.parametrize(
    ("kind", "kw"),
    [
        ("cloud", {}),
        ("irregular", {"min_fraction": 0.1, "max_fraction": 0.2}),
        ("concentrated", {"fraction": 0.25}),
    ],
)
def test_mask_sets_are_byte_identical_by_seed_and_record_hole_fractions(tmp_path, kind, kw):
    a = write_maskset(tmp_path / "a", kind, 6, 48, seed=1, **kw)
    write_maskset(tmp_path / "b", kind, 6, 48, seed=1, **kw)
    c = write_maskset(tmp_path / "c", kind, 6, 48, seed=2, **kw)
    for name in a["mask"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert list(a["sha256"]) != list(c["sha256"])
    masks, manifest = load_maskset(tmp_path / "a")
    assert np.allclose(masks.mean(axis=(1, 2)), manifest["hole_fraction"])
    assert set(np.unique(masks)) <= {0.0, 1.0}


def test_modified_mask_set_is_detected(tmp_path):
    write_maskset(tmp_path, "concentrated", 2, 16, seed=0, fraction=0.25)
    write_mask(tmp_path / "00000.png", np.zeros((16, 16)))
    with pytest.raises(DatasetError, match="00000.png: checksum differs"):
        load_maskset(tmp_path)


def test_testset_rejects_masks_of_another_size(scenes, tmp_path):
    write_maskset(tmp_path / "m", "concentrated", 14, 48, seed=0, fraction=0.25)
    with pytest.raises(DatasetError, match=r"00000.png is 48x48, expected 32x32 like its image"):
        build_testset(scenes / "test", tmp_path / "m", tmp_path / "t", seed=0, fill="white")


def test_testset_needs_a_mask_per_image(scenes, tmp_path):
    write_maskset(tmp_path / "m", "concentrated", 3, 32, seed=0, fraction=0.25)
    with pytest.raises(DatasetError, match="has 3 masks"):
        build_testset(scenes / "test", tmp_path / "m", tmp_path / "t", seed=0, fill="white")


@pytest.mark.skipif(not IRREGULAR_MINI.is_dir(), reason=f"{IRREGULAR_MINI} not present")
def test_nvidia_irregular_masks_are_kept_to_the_band():
    folder = MaskFolder(IRREGULAR_MINI)
    rng = np.random.default_rng(0)
    for _ in range(10):
        m = folder.sample(rng, 128, 0.10, 0.20)
        assert 0.10 <= m.mean() <= 0.20 and m.shape == (128, 128)


@pytest.mark.skipif(not IRREGULAR_MINI.is_dir(), reason=f"{IRREGULAR_MINI} not present")
def test_nvidia_mask_hole_fractions_match_the_published_bins():
    folder = MaskFolder(IRREGULAR_MINI)
    fractions = {f.stem: folder.load(i, 512).mean() for i, f in enumerate(folder.files)}
    # Published in the sample's README: 00000 0.057, 02000 0.139, 06000 0.373, 10000 0.598.
    for name, expected in {"00000": 0.057, "02000": 0.139, "06000": 0.373, "10000": 0.598}.items():
        assert fractions[name] == pytest.approx(expected, abs=0.002)
