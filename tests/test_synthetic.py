import numpy as np
import pytest

from geoinpaint.data.scenes import load_split, write_split
from geoinpaint.data.synthetic import MATERIALS, SCENE_CLASSES, make_scene
from geoinpaint.io import DatasetError


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


def test_segmentation_labels_are_the_map_the_image_was_rendered_from(tmp_path):
    from PIL import Image

    from geoinpaint.data.synthetic import MATERIAL_TO_LOVEDA

    write_split(tmp_path, "test", 1, 48, seed=0, task="segmentation")
    rng = np.random.default_rng([0, 1, 1, 5, 0])  # (seed, task, split, class, index)
    scene = make_scene(5, 48, rng)
    labels = np.asarray(Image.open(tmp_path / "labels" / "residential_0000.png"))
    assert np.array_equal(labels, MATERIAL_TO_LOVEDA[scene.landcover])
    assert labels.min() >= 1 and labels.max() <= 7


def test_crossview_pairs_share_an_id_and_the_panorama_shows_sky_over_ground(tmp_path):
    from geoinpaint.io import read_image

    manifest = write_split(tmp_path, "test", 1, 64, seed=0, task="crossview")
    assert {"aerial", "ground"} <= set(manifest.columns) and len(manifest) == 7
    ground = read_image(tmp_path / manifest["ground"].iloc[3])
    assert ground.shape == (64, 64, 3)
    sky, land = ground[:20].mean(axis=(0, 1)), ground[-20:].mean(axis=(0, 1))
    assert sky[2] > land[2], "the top band is sky (bluer than the ground)"
