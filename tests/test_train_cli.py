"""`geoinpaint train` and `geoinpaint inpaint` as a user (or a workflow job) runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from geoinpaint.cli import main
from geoinpaint.data.scenes import write_split
from geoinpaint.io import read_image, write_image, write_mask
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.training.state import load_checkpoint

# proposed_b needs no task network; four skips take 32x32 images
OPTIONS = {"encoder": "resnet-small", "skips": 4, "ndf": 8, "batch_size": 2, "alpha1": 0.0}


@pytest.fixture(scope="module")
def train32(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 32x32 training split (2 images per class) and its seed masks."""
    root = tmp_path_factory.mktemp("train32")
    write_split(root / "train", "train", 2, 32, seed=0)
    write_maskset(root / "masks", "cloud", 14, 32, seed=1)
    return root


def train_command(root: Path, out: Path, epochs: int, save_every_s: float = 600.0) -> list[str]:
    options = json.dumps({**OPTIONS, "epochs": epochs})
    return [
        *("train", "--method", "proposed_b", "--task", "classification"),
        *("--train", str(root / "train"), "--masks", str(root / "masks")),
        *("--options", options, "--out", str(out / "model.pt"), "--state", str(out / "state.pt")),
        *("--log-csv", str(out / "log.csv"), "--seed", "3", "--device", "cpu", "--threads", "1"),
        *("--save-every-s", str(save_every_s)),
    ]


def generator_of(checkpoint: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(checkpoint)["networks"]["generator"]


def test_training_killed_at_a_random_point_resumes_to_the_same_model_and_outputs(train32, tmp_path):
    assert main(train_command(train32, tmp_path / "full", epochs=3)) == 0
    cut = tmp_path / "cut"
    cmd = [sys.executable, "-m", "geoinpaint.cli", *train_command(train32, cut, 3, 0.0)]
    # the state is saved after every step (save_every_s 0): kill a little after the first one
    with subprocess.Popen(cmd, stderr=subprocess.DEVNULL, start_new_session=True) as proc:
        deadline = time.monotonic() + 120
        while not (cut / "state.pt").exists():
            assert proc.poll() is None, "training ended before it could be killed"
            assert time.monotonic() < deadline, "no training state appeared"
            time.sleep(0.05)
        time.sleep(np.random.default_rng().uniform(0.0, 1.0))
        os.killpg(proc.pid, signal.SIGKILL)
    assert not (cut / "model.pt").exists(), "killed before the end: no final checkpoint"
    stopped_at = load_checkpoint(cut / "state.pt")
    assert (stopped_at["epoch"], stopped_at["step"]) < (3, 0)
    assert main(train_command(train32, cut, epochs=3)) == 0
    full, resumed = generator_of(tmp_path / "full" / "model.pt"), generator_of(cut / "model.pt")
    assert all(torch.equal(full[k], resumed[k]) for k in full)
    # same model, same outputs: the metrics computed from them cannot differ
    masks = seed_masks_by_name(train32, tmp_path / "masks")
    for run in ("full", "cut"):
        code = main(
            [
                *("inpaint", "--method", "proposed_b", "--images", str(train32 / "train/images")),
                *("--masks", str(masks), "--out", str(tmp_path / f"out_{run}")),
                *("--checkpoint", str(tmp_path / run / "model.pt"), "--device", "cpu"),
            ]
        )
        assert code == 0
    outputs = sorted((tmp_path / "out_full").glob("*.png"))
    assert len(outputs) == 14
    for path in outputs:
        assert np.array_equal(read_image(path), read_image(tmp_path / "out_cut" / path.name))


def seed_masks_by_name(root: Path, masks: Path) -> Path:
    """The seed masks as `<image name>.png`, the layout `geoinpaint inpaint --masks` reads."""
    names = sorted(p.stem for p in (root / "train" / "images").glob("*.png"))
    seeds = sorted((root / "masks").glob("[0-9]*.png"))
    masks.mkdir()
    for name, seed in zip(names, seeds, strict=True):
        (masks / f"{name}.png").write_bytes(seed.read_bytes())
    return masks


def test_inpaint_a_user_folder_keeps_known_pixels_and_names_a_missing_mask(tmp_path, caplog):
    rng = np.random.default_rng(0)
    images, masks = tmp_path / "images", tmp_path / "masks"
    for name in ("a", "b"):
        write_image(images / f"{name}.png", rng.random((24, 40, 3)).astype(np.float32))
        mask = np.zeros((24, 40), np.float32)
        mask[5:12, 8:20] = 1
        write_mask(masks / f"{name}.png", mask)
    out = tmp_path / "out"
    assert main(["inpaint", "--method", "telea", "--images", str(images), "--masks", str(masks),
                 "--out", str(out)]) == 0  # fmt: skip
    for name in ("a", "b"):
        src, done = read_image(images / f"{name}.png"), read_image(out / f"{name}.png")
        known = np.ones((24, 40), bool)
        known[5:12, 8:20] = False
        assert np.array_equal(src[known], done[known])
    (masks / "b.png").unlink()
    assert main(["inpaint", "--method", "telea", "--images", str(images), "--masks", str(masks),
                 "--out", str(tmp_path / "out2")]) == 1  # fmt: skip
    assert f"{masks / 'b.png'}: no mask for {images / 'b.png'}" in caplog.text


def test_inpaint_wants_one_output_folder_per_method(tmp_path, caplog):
    code = main(
        [
            "inpaint",
            "--method",
            "telea",
            "--method",
            "biharmonic",
            "--images",
            str(tmp_path),
            "--masks",
            str(tmp_path),
            "--out",
            str(tmp_path / "o"),
        ]  # fmt: skip
    )
    assert code == 1 and "one --out" in caplog.text
