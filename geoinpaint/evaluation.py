"""Score a folder of saved outputs on a frozen test set, one row per image."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from geoinpaint.data.io import read_image, to_uint8, write_image
from geoinpaint.data.testset import TestSet, load_testset
from geoinpaint.metrics.suite import score_set
from geoinpaint.registry import build_method
from geoinpaint.runtime import resolve_device
from geoinpaint.tasks.frozen import FrozenClassifier

log = logging.getLogger(__name__)


def composite(pred: np.ndarray, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """`pred * M + images * (1 - M)` for `(N, H, W, 3)` images and `(N, H, W)` masks."""
    m = masks[..., None]
    return pred * m + images * (1 - m)


def run_method(method: str, testset_dir: Path, out_dir: Path, batch_size: int = 16) -> None:
    """Inpaint every image of a frozen test set with `method`; save composited 8-bit PNGs."""
    ts = load_testset(testset_dir)
    model = build_method(method)
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


def evaluate_folder(
    testset_dir: Path, images_dir: Path, classifier: Path, device: str = "auto"
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Score the images in `images_dir` against a frozen test set.

    Returns:
        One row per image (id, label, classifier prediction, hole fraction and every per-image
        metric of `metrics.suite.PER_IMAGE`, NaN where not computed), and the set record
        (`n_images`, FID, KID, `fid_n_images`, `unavailable`: metric -> reason, `weights`:
        pretrained file -> sha256 of what was used) written as `<stem>.set.json`.
    """
    ts = load_testset(testset_dir)
    outputs = load_outputs(ts, images_dir)
    gts = to_uint8(ts.gt)
    dev = resolve_device(device)  # type: ignore[arg-type]
    preds = FrozenClassifier(classifier, device).predict(outputs.astype(np.float32) / 255.0)
    scores = score_set(gts, outputs, ts.masks, dev)
    df = pd.DataFrame(
        {
            "id": ts.ids,
            "label": ts.labels.astype(int),
            "pred": preds.astype(int),
            "correct": preds == ts.labels,
            "hole_fraction": ts.manifest["hole_fraction"].astype(float).to_numpy(),
            **scores.per_image,
        }
    )
    record = {
        "n_images": len(df),
        **scores.set_values,
        "unavailable": scores.unavailable,
        "weights": scores.weights,
    }
    return df, record
