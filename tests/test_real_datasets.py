"""Real-dataset adapters on generated fake trees in the official layouts, and on the real AID
sample beside the checkout (skipped when absent)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from geoinpaint.data.importing import import_classification
from geoinpaint.data.real import scan_aid, scan_cvusa, scan_loveda, scan_rice, scan_rsscn7
from geoinpaint.data.real.aid import CLASSES as AID_CLASSES
from geoinpaint.data.real.rsscn7 import FOLDERS
from geoinpaint.data.scenes import load_split
from geoinpaint.io import DatasetError
from tests_paths import AID_MINI


def _img(path: Path, size=(16, 16), mode="RGB", value=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    arr = (
        np.full(shape, 3, np.uint8)
        if value is not None
        else np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    )
    Image.fromarray(arr).save(path)


@pytest.fixture
def rsscn7(tmp_path):
    for folder in FOLDERS:
        for i in range(1, 5):
            _img(tmp_path / folder / f"{folder[0]}{i:03d}.jpg")
    return tmp_path


@pytest.fixture
def aid(tmp_path):
    for cls in AID_CLASSES:
        for i in (1, 2, 10):
            _img(tmp_path / cls / f"{cls.lower()}_{i}.jpg")
    return tmp_path


@pytest.fixture
def loveda(tmp_path):
    for split in ("Train", "Val"):
        for domain in ("Urban", "Rural"):
            for n in (0, 1):
                _img(tmp_path / split / domain / "images_png" / f"{n}.png")
                _img(tmp_path / split / domain / "masks_png" / f"{n}.png", mode="L", value=3)
    return tmp_path


@pytest.fixture
def cvusa(tmp_path):
    rows = []
    for i in range(3):
        a, g = f"bingmap/19/{i:07d}.jpg", f"streetview/panos/{i:07d}.jpg"
        _img(tmp_path / a)
        _img(tmp_path / g, size=(32, 8))
        rows.append([a, g, f"streetview/annotations/{i:07d}.png"])
    (tmp_path / "splits").mkdir()
    pd.DataFrame(rows).to_csv(tmp_path / "splits" / "train-19zl.csv", header=False, index=False)
    return tmp_path


@pytest.fixture
def rice(tmp_path):
    for k in ("cloud", "label", "mask"):
        for n in (0, 1):
            _img(tmp_path / "RICE2" / k / f"{n}.png")
    return tmp_path


def test_rsscn7_fake_tree_is_scanned_per_class(rsscn7):
    m = scan_rsscn7(rsscn7, strict=False)
    assert len(m) == 28 and sorted(m["label"].unique()) == list(range(7))


def test_rsscn7_strict_mode_wants_the_official_counts(rsscn7):
    with pytest.raises(DatasetError, match="aGrass: 4 images, expected 400"):
        scan_rsscn7(rsscn7, strict=True)


def test_rsscn7_missing_class_folder_names_it_and_the_source(rsscn7):
    import shutil

    shutil.rmtree(rsscn7 / "dRiverLake")
    with pytest.raises(DatasetError, match=r"dRiverLake: folder not found.*Get the data from"):
        scan_rsscn7(rsscn7, strict=False)


def test_empty_class_is_rejected(aid):
    for f in (aid / "Beach").iterdir():
        f.unlink()
    with pytest.raises(DatasetError, match="Beach: no beach_<n>.jpg images"):
        scan_aid(aid)


def test_unreadable_image_is_named(aid):
    (aid / "Port" / "port_2.jpg").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="port_2.jpg: unreadable image"):
        scan_aid(aid)


def test_aid_fake_tree_orders_files_numerically(aid):
    m = scan_aid(aid, size=(16, 16))
    assert len(m) == 90
    assert [Path(p).name for p in m["path"][:3]] == [
        "airport_1.jpg",
        "airport_2.jpg",
        "airport_10.jpg",
    ]


def test_loveda_fake_tree_and_wrong_size_label_map(loveda):
    assert len(scan_loveda(loveda, "train")) == 4 and len(scan_loveda(loveda, "test")) == 4
    _img(loveda / "Train" / "Rural" / "masks_png" / "1.png", size=(8, 8), mode="L", value=1)
    with pytest.raises(DatasetError, match=r"1.png is 8x8, expected 16x16 like its image"):
        scan_loveda(loveda, "train")


def test_cvusa_pairs_come_from_the_official_split_file(cvusa):
    m = scan_cvusa(cvusa, "train")
    assert list(m["pair_id"]) == [0, 1, 2] and m["aerial"].str.contains("bingmap").all()
    (cvusa / "streetview" / "panos" / "0000001.jpg").unlink()
    with pytest.raises(DatasetError, match="0000001.jpg: listed in .*train-19zl.csv row 2"):
        scan_cvusa(cvusa, "train")
    with pytest.raises(DatasetError, match="val-19zl.csv: split file not found"):
        scan_cvusa(cvusa, "test")


def test_rice2_needs_cloud_label_and_mask(rice):
    assert len(scan_rice(rice, "RICE2")) == 2
    (rice / "RICE2" / "mask" / "1.png").unlink()
    with pytest.raises(DatasetError, match="the mask file of"):
        scan_rice(rice, "RICE2")


def test_import_splits_each_class_half_and_half(rsscn7, tmp_path):
    out = import_classification(scan_rsscn7(rsscn7, strict=False), tmp_path / "out", 24, seed=0)
    assert len(out["train"]) == len(out["test"]) == 14
    images, labels, _ = load_split(tmp_path / "out" / "train")
    assert images.shape == (14, 24, 24, 3) and np.bincount(labels).tolist() == [2] * 7


@pytest.mark.skipif(not AID_MINI.is_dir(), reason=f"{AID_MINI} not present")
def test_real_aid_sample_scans_and_imports(tmp_path):
    m = scan_aid(AID_MINI, size=(150, 150))
    assert len(m) == 240 and m["class_name"].nunique() == 30
    out = import_classification(m, tmp_path, 64, seed=0)
    assert len(out["train"]) == len(out["test"]) == 120


def _prepare(dataset: str, task: str, root: Path, out: Path, **extra) -> None:
    from geoinpaint.cli import main

    args = ["prepare", "--dataset", dataset, "--task", task, "--root", str(root)]
    args += ["--out", str(out), "--size", "32", *(f"--{k}={v}" for k, v in extra.items())]
    assert main(args) == 0


@pytest.fixture
def cvusa_both(cvusa):
    """The fake CVUSA tree with a val split too (the test split)."""
    (cvusa / "splits" / "val-19zl.csv").write_text(
        (cvusa / "splits" / "train-19zl.csv").read_text()
    )
    return cvusa


@pytest.mark.parametrize(
    ("dataset", "task", "tree", "n_train"),
    [
        ("rsscn7", "classification", "rsscn7", 14),
        ("cvusa", "crossview", "cvusa_both", 3),
        ("loveda", "segmentation", "loveda", 4),
    ],
)
def test_every_task_reads_its_real_dataset_through_the_registry(
    dataset, task, tree, n_train, request, tmp_path
):
    from geoinpaint.tasks.splits import load_task_split

    root = request.getfixturevalue(tree)
    _prepare(dataset, task, root, tmp_path / "out", limit=0 if dataset != "rsscn7" else 14)
    images, targets, manifest = load_task_split(task, tmp_path / "out" / "train")
    assert images.shape[1:] == (32, 32, 3) and len(images) == n_train == len(targets)
    if task == "segmentation":
        assert targets.shape == (n_train, 32, 32) and set(np.unique(targets)) == {3}
    _, _, test = load_task_split(task, tmp_path / "out" / "test")
    assert len(test) > 0


def test_a_bad_root_leaves_an_existing_split_untouched(rsscn7, tmp_path):
    from geoinpaint.cli import main

    out = tmp_path / "out"
    _prepare("rsscn7", "classification", rsscn7, out, limit=14)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    args = ["prepare", "--dataset", "rsscn7", "--task", "classification"]
    assert main([*args, "--root", str(tmp_path / "nowhere"), "--out", str(out)]) == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


@pytest.mark.skipif(not AID_MINI.is_dir(), reason=f"{AID_MINI} not present")
def test_the_real_aid_sample_goes_through_the_registry(tmp_path):
    from geoinpaint.tasks.splits import load_task_split

    _prepare("aid", "inpainting", AID_MINI, tmp_path / "out")
    images, labels, _ = load_task_split("inpainting", tmp_path / "out" / "train")
    assert images.shape == (120, 32, 32, 3) and len(set(labels)) == 30


@pytest.fixture
def clearview(tmp_path):
    for kind in ("clouds", "scan_line"):
        for n in range(4):
            for part in ("noisy", "label"):
                _img(tmp_path / "cv" / kind / part / f"{n}.png")
            mask = np.zeros((16, 16), np.uint8)
            mask[4 : 8 + n, 2:10] = 255
            (tmp_path / "cv" / kind / "mask").mkdir(parents=True, exist_ok=True)
            Image.fromarray(mask).save(tmp_path / "cv" / kind / "mask" / f"{n}.png")
    return tmp_path / "cv"


def test_clear_view_triplets_are_scanned_and_a_missing_mask_is_named(clearview):
    from geoinpaint.data.real import scan_clearview

    m = scan_clearview(clearview)
    assert len(m) == 8 and set(m["kind"]) == {"clouds", "scan_line"}
    (clearview / "clouds" / "mask" / "2.png").unlink()
    with pytest.raises(DatasetError, match=r"mask: no mask file for .*clouds/label/2.png"):
        scan_clearview(clearview)


def test_a_datasets_own_holes_become_a_frozen_mask_set_in_test_order(clearview, tmp_path):
    from geoinpaint.cli import main
    from geoinpaint.masks.maskset import load_maskset

    _prepare("clear-view", "inpainting", clearview, tmp_path / "out")
    test = tmp_path / "out" / "test"
    manifest = pd.read_csv(test / "manifest.csv")
    args = ["masks", "--kind", "dataset", "--source", str(test), "--n", "0", "--size", "32"]
    assert main([*args, "--out", str(tmp_path / "own")]) == 0
    masks, own = load_maskset(tmp_path / "own")
    assert len(masks) == len(manifest) and list(own["source"]) == list(manifest["own_mask"])
    assert 0 < masks.mean() < 1
