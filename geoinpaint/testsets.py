"""Frozen test sets: ground truth, binary masks and occluded inputs, written once.

Layout of a test-set folder:
    gt/<id>.png        clean ground truth (8-bit RGB)
    masks/<id>.png     binary mask, 255 = hole
    occluded/<id>.png  occluded input a method receives
    manifest.csv       id, label, class_name, gt, mask, occluded, hole_fraction, seed, fill,
                       sha256_gt, sha256_mask, sha256_occluded, and per companion its path
                       column and sha256_<companion>

Companions are the task's targets beyond the class label, copied unchanged from the split under
their split paths: `label_map` (segmentation: `labels/<id>.png`, LoveDA values) and `aerial`
(cross-view: `aerial/<id>.png`, the clean aerial image of the pair, never occluded; the test
set's aerial images are the retrieval gallery).

Every method is scored on exactly these files; `load_testset` verifies their checksums.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from geoinpaint.atomic import atomic_dir
from geoinpaint.io import (
    DatasetError,
    read_image,
    read_label_map,
    read_manifest,
    read_mask,
    sha256_file,
    write_image,
    write_mask,
)
from geoinpaint.masks.fill import Fill, occlude
from geoinpaint.masks.maskset import load_maskset
from geoinpaint.runtime import derive_seed

COLUMNS = (
    "id",
    "label",
    "class_name",
    "gt",
    "mask",
    "occluded",
    "hole_fraction",
    "seed",
    "fill",
    "sha256_gt",
    "sha256_mask",
    "sha256_occluded",
)
COMPANIONS: tuple[str, ...] = ("label_map", "aerial")
"""Split manifest columns a test set can carry along (see the module docstring)."""


def build_testset(
    scenes_dir: Path,
    maskset_dir: Path,
    out_dir: Path,
    seed: int,
    fill: Fill,
    image_column: str = "image",
    companions: Sequence[str] = (),
) -> pd.DataFrame:
    """Occlude the images of a split with the masks of a frozen mask set (image i, mask i).

    Args:
        scenes_dir: split folder with a manifest.
        maskset_dir: frozen mask set with at least as many masks as the split has images.
        out_dir: test-set folder to write; it appears (or replaces an earlier test set) only
            when complete.
        seed: seeds the fill texture of each image.
        fill: what the occluder looks like (see `masks.fill`).
        image_column: manifest column of the image to occlude (`ground` for cross-view pairs).
        companions: columns of `COMPANIONS` to copy along (`label_map`, `aerial`).
    """
    unknown = sorted(set(companions) - set(COMPANIONS))
    if unknown:
        raise ValueError(f"unknown test-set companion(s) {unknown}, expected some of {COMPANIONS}")
    scenes_dir, out_dir = Path(scenes_dir), Path(out_dir)
    scenes = read_manifest(scenes_dir, ("id", "label", "class_name", image_column, *companions))
    masks, mask_manifest = load_maskset(maskset_dir)
    if len(masks) < len(scenes):
        raise DatasetError(
            f"{maskset_dir} has {len(masks)} masks, {scenes_dir} needs {len(scenes)}"
        )
    with atomic_dir(out_dir) as tmp:
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
            paths = {k: tmp / k / f"{rec.id}.png" for k in ("gt", "masks", "occluded")}
            paths["gt"].parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, paths["gt"])
            write_mask(paths["masks"], mask)
            write_image(
                paths["occluded"], occlude(image, mask, fill, np.random.default_rng(item_seed))
            )
            extra = {}
            for column in companions:
                rel = getattr(rec, column)
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(scenes_dir / rel, tmp / rel)
                extra |= {column: rel, f"sha256_{column}": sha256_file(tmp / rel)}
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
                    **extra,
                }
            )
        manifest = pd.DataFrame(rows, columns=[*COLUMNS, *_companion_columns(companions)])
        manifest.to_csv(tmp / "manifest.csv", index=False)
    return manifest


@dataclass
class TestSet:
    """A loaded frozen test set.

    Attributes:
        gt: `(N, H, W, 3) float32 in [0, 1]`.
        occluded: `(N, H, W, 3) float32 in [0, 1]`, the inputs methods receive.
        masks: `(N, H, W) float32 in {0, 1}`, 1 = hole.
        manifest: one row per image, columns `COLUMNS` and the companions'.
        folder: where the test set lives (companions are read from there on demand).
    """

    gt: np.ndarray
    occluded: np.ndarray
    masks: np.ndarray
    manifest: pd.DataFrame
    folder: Path = Path(".")

    @property
    def ids(self) -> list[str]:
        return list(self.manifest["id"])

    @property
    def labels(self) -> np.ndarray:
        return self.manifest["label"].to_numpy(np.int64)

    def _companion(self, column: str) -> list[Path]:
        if column not in self.manifest.columns:
            raise DatasetError(
                f"{self.folder / 'manifest.csv'} has no {column} column; rebuild the test set "
                f"with `geoinpaint testset --companion {column}`"
            )
        return [self.folder / p for p in self.manifest[column]]

    def label_maps(self) -> np.ndarray:
        """`(N, H, W) uint8` LoveDA label maps (0 = no-data, 1..7) of a segmentation test set."""
        return np.stack(
            [read_label_map(p, self.gt.shape[1:3]) for p in self._companion("label_map")]
        )

    def aerial(self) -> np.ndarray:
        """`(N, H, W, 3) float32 in [0, 1]`: the clean aerial image of each cross-view pair."""
        return np.stack([read_image(p) for p in self._companion("aerial")])


def _companion_columns(companions: Sequence[str]) -> list[str]:
    return [c for column in companions for c in (column, f"sha256_{column}")]


def load_testset(folder: Path, verify: bool = True) -> TestSet:
    """Load a frozen test set; with `verify`, every file must match its manifest checksum."""
    folder = Path(folder)
    manifest = read_manifest(folder, COLUMNS)
    kinds = ("gt", "mask", "occluded", *(c for c in COMPANIONS if c in manifest.columns))
    if verify:
        for rec in manifest.itertuples():
            for kind in kinds:
                path = folder / getattr(rec, kind)
                if not path.is_file():
                    raise DatasetError(f"{path}: listed in {folder / 'manifest.csv'} but missing")
                if sha256_file(path) != getattr(rec, f"sha256_{kind}"):
                    raise DatasetError(
                        f"{path}: checksum differs from the manifest: the frozen test set "
                        "was modified"
                    )
    gt = np.stack([read_image(folder / p) for p in manifest["gt"]])
    occluded = np.stack([read_image(folder / p) for p in manifest["occluded"]])
    masks = np.stack([read_mask(folder / p, gt.shape[1:3]) for p in manifest["mask"]])
    return TestSet(gt, occluded, masks, manifest, folder)


def export_testset(folder: Path, out: Path, layout: str = "pairs") -> int:
    """Copy a frozen test set's occluded inputs and masks for another tool; returns how many.

    Layouts (the two most official inpainting repositories read): `pairs` =
    `images/<id>.png` + `masks/<id>.png`; `lama` = `<id>.png` beside `<id>_mask.png` in one
    folder. Masks are 8-bit PNG, 255 = hole. Run the tool, then bring its outputs back as one
    `<id>.png` per image (config `external:`).
    """
    if layout not in ("pairs", "lama"):
        raise ValueError(f"unknown export layout {layout!r}, expected pairs or lama")
    folder, out = Path(folder), Path(out)
    manifest = read_manifest(folder, COLUMNS)
    for rec in manifest.itertuples():
        if layout == "pairs":
            image, mask = out / "images" / f"{rec.id}.png", out / "masks" / f"{rec.id}.png"
        else:
            image, mask = out / f"{rec.id}.png", out / f"{rec.id}_mask.png"
        for src, dest in ((folder / rec.occluded, image), (folder / rec.mask, mask)):
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    return len(manifest)
