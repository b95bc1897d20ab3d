"""Frozen test sets: ground truth, binary masks and occluded inputs, written once.

Layout of a test-set folder:
    gt/<id>.png        clean ground truth (8-bit RGB)
    masks/<id>.png     binary mask, 255 = hole
    occluded/<id>.png  occluded input a method receives
    manifest.csv       id, label, class_name, gt, mask, occluded, hole_fraction, seed, fill,
                       sha256_gt, sha256_mask, sha256_occluded

Every method is scored on exactly these files; `load_testset` verifies their checksums.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from geoinpaint.data.io import read_image, read_mask, sha256_file, write_image, write_mask
from geoinpaint.data.scenes import DatasetError, read_manifest
from geoinpaint.masks.cloud import cloud_anchors, cloud_mask
from geoinpaint.masks.fill import Fill, occlude
from geoinpaint.runtime import derive_seed

COLUMNS = (
    "id", "label", "class_name", "gt", "mask", "occluded", "hole_fraction", "seed", "fill",
    "sha256_gt", "sha256_mask", "sha256_occluded",
)


def build_testset(
    scenes_dir: Path,
    out_dir: Path,
    seed: int,
    min_fraction: float,
    max_fraction: float,
    fill: Fill,
) -> pd.DataFrame:
    """Occlude every image of a scene split with a cloud mask and write a frozen test set."""
    scenes_dir, out_dir = Path(scenes_dir), Path(out_dir)
    scenes = read_manifest(scenes_dir, ("id", "label", "class_name", "image"))
    anchors = cloud_anchors(np.random.default_rng(derive_seed(seed, "cloud-anchors")))
    rows = []
    for index, rec in enumerate(tqdm(scenes.itertuples(), total=len(scenes), desc="masks", unit="img")):
        image = read_image(scenes_dir / rec.image)
        item_seed = derive_seed(seed, "testset", str(index))
        rng = np.random.default_rng(item_seed)
        mask = cloud_mask(rng, image.shape[0], anchors, min_fraction, max_fraction)
        paths = {k: out_dir / k / f"{rec.id}.png" for k in ("gt", "masks", "occluded")}
        paths["gt"].parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scenes_dir / rec.image, paths["gt"])
        write_mask(paths["masks"], mask)
        write_image(paths["occluded"], occlude(image, mask, fill, rng))
        rows.append(
            {
                "id": rec.id,
                "label": rec.label,
                "class_name": rec.class_name,
                "gt": f"gt/{rec.id}.png",
                "mask": f"masks/{rec.id}.png",
                "occluded": f"occluded/{rec.id}.png",
                "hole_fraction": float(mask.mean()),
                "seed": item_seed,
                "fill": fill,
                "sha256_gt": sha256_file(paths["gt"]),
                "sha256_mask": sha256_file(paths["masks"]),
                "sha256_occluded": sha256_file(paths["occluded"]),
            }
        )
    manifest = pd.DataFrame(rows, columns=list(COLUMNS))
    manifest.to_csv(out_dir / "manifest.csv", index=False)
    return manifest


@dataclass
class TestSet:
    """A loaded frozen test set.

    Attributes:
        gt: `(N, H, W, 3) float32 in [0, 1]`.
        occluded: `(N, H, W, 3) float32 in [0, 1]`, the inputs methods receive.
        masks: `(N, H, W) float32 in {0, 1}`, 1 = hole.
        manifest: one row per image, columns `COLUMNS`.
    """

    gt: np.ndarray
    occluded: np.ndarray
    masks: np.ndarray
    manifest: pd.DataFrame

    @property
    def ids(self) -> list[str]:
        return list(self.manifest["id"])

    @property
    def labels(self) -> np.ndarray:
        return self.manifest["label"].to_numpy(np.int64)


def load_testset(folder: Path, verify: bool = True) -> TestSet:
    """Load a frozen test set; with `verify`, every file must match its manifest checksum."""
    folder = Path(folder)
    manifest = read_manifest(folder, COLUMNS)
    if verify:
        for rec in manifest.itertuples():
            for kind in ("gt", "mask", "occluded"):
                path = folder / getattr(rec, kind)
                if not path.is_file():
                    raise DatasetError(f"{path}: listed in {folder / 'manifest.csv'} but missing")
                if sha256_file(path) != getattr(rec, f"sha256_{kind}"):
                    raise DatasetError(f"{path}: checksum differs from the manifest; the frozen test set was modified")
    gt = np.stack([read_image(folder / p) for p in manifest["gt"]])
    occluded = np.stack([read_image(folder / p) for p in manifest["occluded"]])
    masks = np.stack([read_mask(folder / p, gt.shape[1:3]) for p in manifest["mask"]])
    return TestSet(gt, occluded, masks, manifest)
