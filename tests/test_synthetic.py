import numpy as np
import pytest

from geoinpaint.data.scenes import DatasetError, load_split, write_split
from geoinpaint.data.synthetic import MATERIALS, SCENE_CLASSES, make_scene


def test_scene_is_a_pure_function_of_its_seed():
    a = make_scene(3, 48, np.random.default_rng(7))
    b = make_scene(3, 48, np.random.default_rng(7))
    c = make_scene(3, 48, np.random.default_rng(8))
    assert np.array_equal(a.image, b.image) and np.array_equal(a.landcover, b.landcover)
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("label", range(len(SCENE_CLASSES)))
def test_every_class_renders_an_rgb_image_in_range_with_its_landcover(label):
    scene = make_scene(label, 64, np.random.default_rng(label))
    assert scene.image.shape == (64, 64, 3) and scene.image.dtype == np.float32
    assert 0.0 <= scene.image.min() and scene.image.max() <= 1.0
    assert scene.landcover.shape == (64, 64) and scene.landcover.max() < len(MATERIALS)
    assert scene.image.std() > 0.02, "a scene must have texture"


def test_split_files_are_byte_identical_for_the_same_seed(tmp_path):
    write_split(tmp_path / "a", "train", 2, 32, seed=3)
    write_split(tmp_path / "b", "train", 2, 32, seed=3)
    write_split(tmp_path / "c", "train", 2, 32, seed=4)
    for name in (tmp_path / "a" / "images").iterdir():
        assert name.read_bytes() == (tmp_path / "b" / "images" / name.name).read_bytes()
    assert (tmp_path / "a" / "manifest.csv").read_text() != (
        tmp_path / "c" / "manifest.csv"
    ).read_text()


def test_train_and_test_splits_differ(scenes):
    train, _, _ = load_split(scenes / "train")
    test, labels, manifest = load_split(scenes / "test")
    assert len(test) == 2 * len(SCENE_CLASSES)
    assert sorted(set(labels)) == list(range(len(SCENE_CLASSES)))
    assert not any(np.array_equal(t, s) for t in test for s in train)


def test_missing_split_names_the_manifest(tmp_path):
    with pytest.raises(DatasetError, match="manifest.csv: manifest not found"):
        load_split(tmp_path)
