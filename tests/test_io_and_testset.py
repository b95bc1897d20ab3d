import numpy as np
import pytest

from geoinpaint.io import (
    DatasetError,
    ImageReadError,
    read_image,
    read_mask,
    write_image,
    write_mask,
)
from geoinpaint.testsets import load_testset


def test_image_roundtrip_is_exact_at_8_bit(tmp_path):
    img = np.random.default_rng(0).integers(0, 256, (8, 8, 3)).astype(np.float32) / 255
    write_image(tmp_path / "a.png", img)
    assert np.array_equal(read_image(tmp_path / "a.png"), img)


def test_corrupt_image_error_names_the_file(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(ImageReadError, match="broken.png: not a readable image"):
        read_image(bad)


def test_wrong_size_mask_error_names_sizes(tmp_path):
    write_mask(tmp_path / "m.png", np.ones((16, 12)))
    with pytest.raises(ImageReadError, match=r"m.png is 12x16, expected 16x16"):
        read_mask(tmp_path / "m.png", (16, 16))


def test_testset_manifest_records_band_and_checksums(testset):
    ts = load_testset(testset)
    assert ((ts.manifest["hole_fraction"] >= 0.15) & (ts.manifest["hole_fraction"] <= 0.6)).all()
    assert np.allclose(ts.masks.mean(axis=(1, 2)), ts.manifest["hole_fraction"])
    known = ts.masks[..., None] == 0
    assert np.array_equal(np.where(known, ts.occluded, 0), np.where(known, ts.gt, 0))


def test_modified_testset_is_detected(testset, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(testset, copy)
    first = sorted((copy / "masks").iterdir())[0]
    write_mask(first, np.zeros((32, 32)))
    with pytest.raises(DatasetError, match="checksum differs"):
        load_testset(copy)


def test_a_manifest_listing_an_id_twice_is_refused(testset, tmp_path):
    import shutil

    import pandas as pd

    copy = tmp_path / "copy"
    shutil.copytree(testset, copy)
    manifest = pd.read_csv(copy / "manifest.csv")
    manifest.iloc[1, 0] = manifest.iloc[0, 0]
    manifest.to_csv(copy / "manifest.csv", index=False)
    with pytest.raises(DatasetError, match="listed more than once"):
        load_testset(copy)


def test_a_test_set_is_never_written_over_a_folder_geoinpaint_did_not_write(scenes, tmp_path):
    from geoinpaint.masks.maskset import write_maskset
    from geoinpaint.testsets import build_testset

    write_maskset(tmp_path / "masks", "cloud", 14, 32, seed=0)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    with pytest.raises(FileExistsError, match="did not write"):
        build_testset(scenes / "test", tmp_path / "masks", mine, seed=0, fill="cloud")
    assert [p.name for p in mine.iterdir()] == ["thesis.tex"]
    build_testset(scenes / "test", tmp_path / "masks", tmp_path / "ts", seed=0, fill="cloud")
    build_testset(scenes / "test", tmp_path / "masks", tmp_path / "ts", seed=0, fill="cloud")
    assert len(load_testset(tmp_path / "ts").ids) == 14
