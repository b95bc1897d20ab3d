"""Inpaint a frozen test set with a method; score a folder of saved outputs, one row per image."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from geoinpaint.data.io import read_image, to_uint8, write_image
from geoinpaint.data.testset import TestSet, load_testset
from geoinpaint.registry import build_method
from geoinpaint.runtime import DeviceChoice, limit_threads, resolve_device

log = logging.getLogger(__name__)


def composite(pred: np.ndarray, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """`pred * M + images * (1 - M)` for `(N, H, W, 3)` images and `(N, H, W)` masks."""
    m = masks[..., None]
    return pred * m + images * (1 - m)


def run_method(
    method: str, testset_dir: Path, out_dir: Path, batch_size: int = 16, threads: int = 1
) -> None:
    """Inpaint every image of a frozen test set with `method`; save composited 8-bit PNGs."""
    ts = load_testset(testset_dir)
    model = build_method(method)
    limit_threads(threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in tqdm(range(0, len(ts.ids), batch_size), desc=f"inpaint {method}", unit="batch"):
        sl = slice(i, i + batch_size)
        pred = model.inpaint(ts.occluded[sl], ts.masks[sl])
        if pred.shape != ts.occluded[sl].shape:
            raise ValueError(
                f"method {method!r} returned {pred.shape}, expected {ts.occluded[sl].shape}"
            )
        for name, img in zip(
            ts.ids[sl], composite(pred, ts.occluded[sl], ts.masks[sl]), strict=True
        ):
            write_image(out_dir / f"{name}.png", img)


def load_outputs(ts: TestSet, folder: Path) -> np.ndarray:
    """Read `<id>.png` of every test image in `folder` as uint8, each the size of its gt."""
    folder = Path(folder)
    outs = []
    for name, gt in zip(ts.ids, ts.gt, strict=True):
        img = to_uint8(read_image(folder / f"{name}.png"))
        if img.shape != gt.shape:
            raise ValueError(
                f"{folder / (name + '.png')} is {img.shape[1]}x{img.shape[0]}, "
                f"expected {gt.shape[1]}x{gt.shape[0]} like its ground truth"
            )
        outs.append(img)
    return np.stack(outs)


def evaluate_folders(
    testset_dir: Path,
    images_dirs: Sequence[Path],
    task_net: Path,
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
        the set record written as `<stem>.set.json`: `task`, `n_images`, FID, KID,
        `fid_n_images`, the task's set values (Recall@K and AP, mIoU and per-class IoU),
        `unavailable` (metric -> reason) and `weights` (pretrained file -> sha256 of what was
        used).
    """
    from geoinpaint.metrics.suite import score_set  # torch: imported where it is needed
    from geoinpaint.tasks.scoring import SCORERS

    if task not in SCORERS:
        raise ValueError(f"unknown task {task!r}, expected one of {sorted(SCORERS)}")
    ts = load_testset(testset_dir)
    gt = to_uint8(ts.gt)
    scorer = SCORERS[task](ts, task_net, device)
    results = []
    for folder in images_dirs:
        outputs = load_outputs(ts, folder)
        task_scores = scorer(outputs)
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
            "task": task,
            "n_images": len(df),
            **scores.set_values,
            **task_scores.set_values,
            "unavailable": {**scores.unavailable, **task_scores.unavailable},
            "weights": scores.weights,
        }
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
