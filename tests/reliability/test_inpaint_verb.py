"""`geoinpaint inpaint` on a user's folder: the originals are never touched, a wrong or missing
checkpoint is refused, and every mask problem is named before anything is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from geoinpaint.io import read_image, write_image, write_mask
from geoinpaint.methods.registry import build_method
from geoinpaint.methods.train import save_method

from .helpers import fails_naming, no_temporaries, snapshot

SIZE = 32


@pytest.fixture
def user(tmp_path: Path) -> Path:
    """A user's folder: images/a.png, images/b.png and masks/a.png, masks/b.png."""
    rng = np.random.default_rng(1)
    for name in ("a", "b"):
        write_image(tmp_path / "images" / f"{name}.png", rng.random((SIZE, SIZE, 3)))
        mask = np.zeros((SIZE, SIZE))
        mask[8:20, 10:24] = 1
        write_mask(tmp_path / "masks" / f"{name}.png", mask)
    return tmp_path


def inpaint(user: Path, out: Path, *extra: object, method: str = "telea") -> list[object]:
    return ["inpaint", "--method", method, "--images", user / "images", "--masks",
            user / "masks", "--out", out, *extra]  # fmt: skip


@pytest.mark.parametrize(
    "out", ["images", "masks", "images/repaired", "masks/sub/deeper"], ids=lambda o: o
)
def test_out_equal_to_or_inside_an_input_is_refused_and_the_originals_stay(user, out, caplog):
    before = snapshot(user)
    fails_naming(caplog, inpaint(user, user / out), user / out, "overlaps the input")
    assert snapshot(user) == before


def test_an_output_folder_holding_the_inputs_is_refused(user, caplog):
    before = snapshot(user)
    fails_naming(caplog, inpaint(user, "out", "--into", user), user, "overlaps the input")
    assert snapshot(user) == before


def test_out_over_an_external_methods_folder_is_refused_and_its_files_stay(user, caplog):
    (user / "theirs").mkdir()
    (user / "theirs" / "a.png").write_bytes((user / "images" / "a.png").read_bytes())
    before = snapshot(user)
    options = json.dumps({"folder": str(user / "theirs")})
    argv = inpaint(user, user / "theirs", "--options", options, method="external")
    fails_naming(caplog, argv, user / "theirs", "overlaps the input --options folder")
    assert snapshot(user) == before


def test_a_users_folder_is_never_replaced_as_a_whole(user, tmp_path, caplog):
    mine = tmp_path / "mine"
    (mine / "notes.txt").parent.mkdir()
    (mine / "notes.txt").write_text("precious")
    fails_naming(caplog, inpaint(user, "telea", "--into", mine), mine, "did not write")
    assert (mine / "notes.txt").read_text() == "precious"
    no_temporaries(tmp_path)


def test_a_trained_method_without_a_checkpoint_is_refused(user, tmp_path, caplog):
    fails_naming(caplog, inpaint(user, tmp_path / "out", method="proposed"), "--checkpoint")
    assert not (tmp_path / "out").exists()


@pytest.fixture
def proposed_b_checkpoint(tmp_path: Path) -> Path:
    method = build_method("proposed_b", {"encoder": "resnet-small", "skips": 4, "ndf": 8})
    save_method(method, tmp_path / "proposed_b.pt", meta={"task": "classification"})
    return tmp_path / "proposed_b.pt"


def test_a_checkpoint_of_another_method_is_refused(user, proposed_b_checkpoint, caplog):
    argv = inpaint(user, user / "out", "--checkpoint", proposed_b_checkpoint, method="csa")
    fails_naming(caplog, argv, proposed_b_checkpoint, "'proposed_b'")
    assert not (user / "out").exists()


def test_a_task_network_checkpoint_is_refused_as_an_inpainting_model(user, tmp_path, caplog):
    ckpt = tmp_path / "task_net.pt"
    torch.save({"task": "classification", "arch": "vgg-small", "state_dict": {}}, ckpt)
    argv = inpaint(user, user / "out", "--checkpoint", ckpt, method="proposed_b")
    fails_naming(caplog, argv, ckpt, "not an inpainting-method checkpoint")


def test_a_truncated_checkpoint_is_refused_naming_it(user, proposed_b_checkpoint, caplog):
    data = proposed_b_checkpoint.read_bytes()
    proposed_b_checkpoint.write_bytes(data[: len(data) // 2])
    argv = inpaint(user, user / "out", "--checkpoint", proposed_b_checkpoint, method="proposed_b")
    fails_naming(caplog, argv, proposed_b_checkpoint, "not a readable checkpoint")


class _RunsCode:
    def __reduce__(self):
        return (os.makedirs, ("pwned",))


def test_a_checkpoint_carrying_code_is_refused_and_the_code_never_runs(
    user, tmp_path, caplog, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    ckpt = tmp_path / "evil.pt"
    torch.save({"format": "geoinpaint-method-1", "payload": _RunsCode()}, ckpt)
    argv = inpaint(user, user / "out", "--checkpoint", ckpt, method="proposed_b")
    fails_naming(caplog, argv, ckpt, "not a readable checkpoint")
    assert not (tmp_path / "pwned").exists()


def _bad_mask(user: Path, kind: str) -> Path:
    path = user / "masks" / "b.png"
    if kind == "colour":
        red = np.zeros((SIZE, SIZE, 3), np.uint8)
        red[8:20, 10:24, 0] = 255
        Image.fromarray(red).save(path)
    elif kind == "full":
        write_mask(path, np.ones((SIZE, SIZE)))
    elif kind == "wrong size":
        write_mask(path, np.zeros((SIZE, SIZE + 8)))
    elif kind == "missing":
        path.unlink()
    elif kind == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    return path


@pytest.mark.parametrize(
    "kind,why",
    [
        ("colour", "colour mask"),
        ("full", "every pixel"),
        ("wrong size", "expected 32x32"),
        ("missing", "no mask for"),
        ("truncated", "not a readable image"),
    ],
)
def test_a_bad_mask_is_named_before_any_output_changes(user, kind, why, caplog):
    out = user / "out"
    from geoinpaint.cli import main

    assert main([str(a) for a in inpaint(user, out)]) == 0
    before = snapshot(out)
    bad = _bad_mask(user, kind)
    fails_naming(caplog, inpaint(user, out), bad, why)
    assert snapshot(out) == before  # a.png, repaired earlier, is untouched too
    no_temporaries(user)


def test_two_images_of_one_name_are_refused(user, caplog):
    write_image(user / "images" / "a.jpg", np.zeros((SIZE, SIZE, 3)))
    fails_naming(caplog, inpaint(user, user / "out"), user / "images" / "a.jpg", "share the name")
    assert not (user / "out").exists()


def test_an_empty_mask_gives_its_image_back_unchanged(user, tmp_path):
    from geoinpaint.cli import main

    write_mask(user / "masks" / "a.png", np.zeros((SIZE, SIZE)))
    assert main([str(a) for a in inpaint(user, tmp_path / "out")]) == 0
    assert np.array_equal(read_image(tmp_path / "out" / "a.png"), read_image(user / "images/a.png"))


def test_lossy_masks_are_thresholded_at_128_and_the_rule_is_recorded(user, tmp_path):
    from geoinpaint.cli import main

    mask = np.zeros((SIZE, SIZE), np.uint8)
    mask[8:20, 10:24] = 255
    mask[8, 10], mask[9, 10] = 127, 128  # what a JPEG or anti-aliasing leaves at the edges
    (user / "masks" / "a.png").unlink()
    Image.fromarray(mask).save(user / "masks" / "a.png")
    assert main([str(a) for a in inpaint(user, tmp_path / "out")]) == 0
    record = json.loads((tmp_path / "out" / "masks.json").read_text())
    assert record["thresholded"] == {"a.png": 2} and "128" in record["rule"]
    done, src = read_image(tmp_path / "out" / "a.png"), read_image(user / "images" / "a.png")
    assert np.array_equal(done[8, 10], src[8, 10])  # 127: known, kept
