"""Inpaint a frozen test set with a method; score a folder of saved outputs, one row per image."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geoinpaint.atomic import write_text
from geoinpaint.io import (
    MANIFEST,
    MASK_THRESHOLD,
    ImageReadError,
    gray_pixels,
    ids_digest,
    read_image,
    read_mask_values,
    sha256_file,
    to_uint8,
    write_image,
)
from geoinpaint.methods.adapter import composite, inpaint_batches
from geoinpaint.methods.base import Method
from geoinpaint.runtime import DeviceChoice, resolve_device
from geoinpaint.testsets import TestSet, load_testset

__all__ = ["composite", "evaluate_folders", "inpaint_folder", "inpaint_testset"]

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


MODEL_RECORD = "model.json"
"""Written beside a trained method's outputs: the method, its provenance and the notes a table
must carry (e.g. a loss left out for a missing weights file); `evaluate` copies it into the
set record."""
MASK_RECORD = "masks.json"
"""Written beside a user's repaired images: the mask rule and the masks that were thresholded."""


def _json(record: dict) -> str:
    return json.dumps(record, indent=1, sort_keys=True) + "\n"


def write_model_record(method: Method, out_dir: Path) -> None:
    """`model.json` in `out_dir` for a trained method or another tool's outputs (provenance
    and notes)."""
    if not method.trained and not method.by_id:
        return
    record = {"method": method.name, "provenance": method.provenance(), "notes": method.notes()}
    write_text(Path(out_dir) / MODEL_RECORD, _json(record))


def inpaint_testset(method: Method, ts: TestSet, out_dir: Path, batch: int = 16) -> None:
    """Inpaint every image of a loaded frozen test set with a built method; save composited
    PNGs."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if method.by_id:
        method.check(ts.ids, ts.gt.shape[1:3])
    batches = inpaint_batches(method, ts.occluded, ts.masks, batch, truth=ts.gt, ids=ts.ids)
    for sl, images in batches:
        for rec_id, img in zip(ts.ids[sl], images, strict=True):
            write_image(out_dir / f"{rec_id}.png", img)
    write_model_record(method, out_dir)


def _user_images(images_dir: Path) -> list[Path]:
    """The images of a user's folder; two files of one stem (`a.png`, `a.jpg`) are refused,
    since both would be repaired into `a.png`."""
    if not images_dir.is_dir():
        raise FileNotFoundError(f"{images_dir}: folder of images not found")
    files = sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"{images_dir}: no images ({', '.join(IMAGE_SUFFIXES)})")
    stems: dict[str, Path] = {}
    for f in files:
        if f.stem in stems:
            raise ValueError(
                f"{stems[f.stem]} and {f} share the name {f.stem!r}: both would be repaired into "
                f"{f.stem}.png with the mask {f.stem}.png; rename one"
            )
        stems[f.stem] = f
    return files


def _user_mask(
    mask_path: Path, image_path: Path, image: np.ndarray, thresholded: dict[str, int]
) -> np.ndarray:
    """A user's mask, thresholded at `MASK_THRESHOLD` (lossy masks are common); a mask that is
    all hole is refused (nothing to inpaint from)."""
    if not mask_path.is_file():
        raise ImageReadError(f"{mask_path}: no mask for {image_path}")
    values = read_mask_values(mask_path, image.shape[:2])
    if gray := gray_pixels(values):
        thresholded[mask_path.name] = gray
    mask = (values >= MASK_THRESHOLD).astype(np.float32)
    if mask.all():
        raise ImageReadError(
            f"{mask_path} marks every pixel as hole: there is nothing to fill from"
        )
    return mask


def inpaint_folder(
    method: Method, images_dir: Path, masks_dir: Path, out_dir: Path, batch: int = 16
) -> int:
    """Repair a user's occluded images with a built method: `<stem>.png/.jpg/.tif` in
    `images_dir` with a mask `<stem>.png` (255 = hole) of the same size in `masks_dir`; writes
    composited `<stem>.png` and `masks.json` (the mask rule, and the masks with values between
    0 and 255 that were thresholded) into `out_dir` and returns how many images. Every input is
    read and checked before anything is written; images are processed in batches of one size."""
    images_dir, masks_dir, out_dir = Path(images_dir), Path(masks_dir), Path(out_dir)
    files = _user_images(images_dir)
    groups: dict[tuple[int, ...], list[tuple[str, np.ndarray, np.ndarray]]] = {}
    thresholded: dict[str, int] = {}
    for f in files:
        image = read_image(f)
        mask = _user_mask(masks_dir / f"{f.stem}.png", f, image, thresholded)
        groups.setdefault(image.shape, []).append((f.stem, image, mask))
    for name, n in thresholded.items():
        log.warning("%s: %d pixel(s) between 0 and 255, thresholded (>= 128 = hole)", name, n)
    for items in groups.values():
        stems = [n for n, _, _ in items]
        images = np.stack([i for _, i, _ in items])
        masks = np.stack([m for _, _, m in items])
        for sl, done in inpaint_batches(method, images, masks, batch):
            for stem, img in zip(stems[sl], done, strict=True):
                write_image(out_dir / f"{stem}.png", img)
    rule = f"a pixel is a hole when its value is >= {MASK_THRESHOLD:g} of the maximum (128/255)"
    write_text(out_dir / MASK_RECORD, _json({"rule": rule, "thresholded": thresholded}))
    write_model_record(method, out_dir)
    return len(files)


def load_outputs(ts: TestSet, folder: Path) -> np.ndarray:
    """Read `<id>.png` of every test image in `folder` as uint8, each the size of its gt."""
    folder = Path(folder)
    outs = []
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: folder of outputs not found")
    for name, gt in zip(ts.ids, ts.gt, strict=True):
        img = to_uint8(read_image(folder / f"{name}.png"))
        if img.shape != gt.shape:
            raise ValueError(
                f"{folder / (name + '.png')} is {img.shape[1]}x{img.shape[0]}, "
                f"expected {gt.shape[1]}x{gt.shape[0]} like its ground truth"
            )
        outs.append(img)
    return np.stack(outs)


def testset_record(testset_dir: Path, ids: Sequence[object]) -> dict[str, str]:
    """What a set record says of the test set it was scored on (tables check it)."""
    return {
        "testset": str(testset_dir),
        "testset_manifest_sha256": sha256_file(testset_dir / MANIFEST),
        "ids_sha256": ids_digest(ids),
    }


def evaluate_folders(
    testset_dir: Path,
    images_dirs: Sequence[Path],
    task_net: Path | None,
    task: str = "classification",
    device: DeviceChoice = "auto",
) -> list[tuple[pd.DataFrame, dict[str, object]]]:
    """Score each folder of saved images against a frozen test set of `task`.

    The test set and the frozen network `task_net` are loaded once for all folders (one process
    per table instead of one per row: loading torch and a network costs seconds). Image quality
    comes from `metrics.suite.score_set` for every task; the task columns from `tasks.scoring`
    (e.g. the cross-view rank of the true aerial match, the segmentation pixel accuracy).

    Returns:
        Per folder: one row per image (id, label, the task's per-image columns, hole fraction
        and every per-image metric of `metrics.suite.PER_IMAGE`, NaN where not computed), and
        the set record written as `<stem>.set.json`: `task`, `n_images`, the test set
        (`testset`, `testset_manifest_sha256`, `ids_sha256`), FID, KID,
        `fid_n_images`, the task's set values (Recall@K and AP, mIoU and per-class IoU),
        `unavailable` (metric -> reason) and `weights` (pretrained file -> sha256 of what was
        used).
    """
    from geoinpaint.metrics.suite import score_set  # torch: imported where it is needed
    from geoinpaint.tasks.scoring import TaskScores
    from geoinpaint.tasks.spec import get_task

    spec = get_task(task)
    if spec.has_network and task_net is None:
        raise ValueError(f"scoring the {task} task needs its frozen task network (--task-net)")
    ts = load_testset(testset_dir)
    gt = to_uint8(ts.gt)
    scorer = spec.load("scorer")(ts, task_net, device) if spec.has_network else None
    results = []
    for folder in images_dirs:
        outputs = load_outputs(ts, folder)
        task_scores = scorer(outputs) if scorer is not None else TaskScores({}, {})
        scores = score_set(gt, outputs, ts.masks, resolve_device(device))
        df = pd.DataFrame(
            {
                "id": ts.ids,
                "label": ts.labels.astype(int),
                **task_scores.per_image,
                "hole_fraction": ts.manifest["hole_fraction"].astype(float).to_numpy(),
                **scores.per_image,
            }
        )
        record = {
            **testset_record(Path(testset_dir), ts.ids),
            "task": task,
            "n_images": len(df),
            **scores.set_values,
            **task_scores.set_values,
            "unavailable": {**scores.unavailable, **task_scores.unavailable},
            "weights": {**scores.weights, **task_scores.weights},
        }
        model_record = Path(folder) / MODEL_RECORD
        if model_record.is_file():
            record["model"] = json.loads(model_record.read_text())
        results.append((df, record))
    return results


def evaluate_folder(
    testset_dir: Path,
    images_dir: Path,
    task_net: Path,
    task: str = "classification",
    device: DeviceChoice = "auto",
) -> tuple[pd.DataFrame, dict[str, object]]:
    """`evaluate_folders` for one folder."""
    return evaluate_folders(testset_dir, [images_dir], task_net, task, device)[0]
