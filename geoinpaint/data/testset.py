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
from geoinpaint.masks.fill import Fill, occlude
from geoinpaint.masks.maskset import load_maskset
from geoinpaint.runtime import derive_seed

COLUMNS = (
    "id", "label", "class_name", "gt", "mask", "occluded", "hole_fraction", "seed", "fill",
    "sha256_gt", "sha256_mask", "sha256_occluded",
)


def build_testset(
    scenes_dir: Path,
    maskset_dir: Path,
    out_dir: Path,
    seed: int,
    fill: Fill,
    image_column: str = "image",
) -> pd.DataFrame:
    """Occlude the images of a split with the masks of a frozen mask set (image i, mask i).

    Args:
        scenes_dir: split folder with a manifest.
        maskset_dir: frozen mask set with at least as many masks as the split has images.
        out_dir: test-set folder to write.
        seed: seeds the fill texture of each image.
        fill: what the occluder looks like (see `masks.fill`).
        image_column: manifest column of the image to occlude (`ground` for cross-view pairs).
    """
    scenes_dir, out_dir = Path(scenes_dir), Path(out_dir)
    scenes = read_manifest(scenes_dir, ("id", "label", "class_name", image_column))
    masks, mask_manifest = load_maskset(maskset_dir)
    if len(masks) < len(scenes):
        raise DatasetError(f"{maskset_dir} has {len(masks)} masks, {scenes_dir} needs {len(scenes)}")
    rows = []
    recs = scenes.itertuples()
    for index, rec in enumerate(tqdm(recs, total=len(scenes), desc="testset", unit="img")):
        src = scenes_dir / getattr(rec, image_column)
        image = read_image(src)
        mask = masks[index]
        if mask.shape != image.shape[:2]:
            raise DatasetError(
                f"{Path(maskset_dir) / mask_manifest['mask'].iloc[index]} is "
                f"{mask.shape[1]}x{mask.shape[0]}, expected {image.shape[1]}x{image.shape[0]} "
                f"like its image {src}"
            )
        item_seed = derive_seed(seed, "fill", str(index))
        paths = {k: out_dir / k / f"{rec.id}.png" for k in ("gt", "masks", "occluded")}
        paths["gt"].parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, paths["gt"])
        write_mask(paths["masks"], mask)
        write_image(paths["occluded"], occlude(image, mask, fill, np.random.default_rng(item_seed)))
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
