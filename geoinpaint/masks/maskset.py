"""Frozen mask sets (`geoinpaint masks`): binary PNGs plus a manifest, written once.

Layout: `<id>.png` (8-bit, 255 = hole) and `manifest.csv` with id, mask, kind, seed,
hole_fraction, sha256. Mask `i` is a pure function of (seed, kind, i), so the same seed gives
byte-identical files and every method is scored against exactly the same holes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from geoinpaint.atomic import atomic_dir
from geoinpaint.io import DatasetError, read_manifest, read_mask, sha256_file, write_mask
from geoinpaint.masks.cloud import cloud_anchors, cloud_mask, folder_anchors
from geoinpaint.masks.concentrated import concentrated_mask
from geoinpaint.masks.irregular import MaskFolder, stroke_mask
from geoinpaint.runtime import derive_seed

Kind = Literal["cloud", "irregular", "concentrated"]
KINDS: tuple[str, ...] = ("cloud", "irregular", "concentrated")
COLUMNS = ("id", "mask", "kind", "seed", "hole_fraction", "sha256")


def mask_sampler(
    kind: Kind,
    seed: int,
    min_fraction: float,
    max_fraction: float,
    fraction: float | None = None,
    source: Path | None = None,
) -> Callable[[np.random.Generator, int], np.ndarray]:
    """A function `(rng, size) -> (size, size) mask` for one kind of mask.

    Args:
        kind: cloud (band `[min_fraction, max_fraction]`), irregular (same band) or
            concentrated (`fraction` +-1 %).
        seed: master seed (procedural cloud anchors derive from it).
        source: optional folder of real masks: cloud anchors (e.g. cut from cloudy images) for
            `cloud`, or the NVIDIA irregular masks for `irregular`.
    """
    if kind == "cloud":
        if source is not None:
            anchors = folder_anchors(source)
        else:
            anchors = cloud_anchors(np.random.default_rng(derive_seed(seed, "cloud-anchors")))
        return lambda rng, size: cloud_mask(rng, size, anchors, min_fraction, max_fraction)
    if kind == "irregular":
        if source is not None:
            folder = MaskFolder(source)
            return lambda rng, size: folder.sample(rng, size, min_fraction, max_fraction)
        return lambda rng, size: stroke_mask(rng, size, min_fraction, max_fraction)
    if kind == "concentrated":
        if fraction is None:
            raise ValueError("concentrated masks need a target fraction")
        return lambda rng, size: concentrated_mask(rng, size, fraction)
    raise ValueError(f"unknown mask kind {kind!r}, expected one of {KINDS}")


def write_maskset(
    out_dir: Path,
    kind: Kind,
    n: int,
    size: int,
    seed: int,
    min_fraction: float = 0.15,
    max_fraction: float = 0.60,
    fraction: float | None = None,
    source: Path | None = None,
) -> pd.DataFrame:
    """Write `n` masks of `kind` at `size` x `size` into `out_dir` and return the manifest.

    The folder appears (or replaces an earlier mask set) only when complete."""
    sample = mask_sampler(kind, seed, min_fraction, max_fraction, fraction, source)
    rows = []
    with atomic_dir(out_dir) as tmp:
        for i in tqdm(range(n), desc=f"masks {kind}", unit="mask"):
            item_seed = derive_seed(seed, "maskset", kind, str(i))
            mask = sample(np.random.default_rng(item_seed), size)
            path = tmp / f"{i:05d}.png"
            write_mask(path, mask)
            rows.append(
                {
                    "id": f"{i:05d}",
                    "mask": path.name,
                    "kind": kind,
                    "seed": item_seed,
                    "hole_fraction": float(mask.mean()),
                    "sha256": sha256_file(path),
                }
            )
        manifest = pd.DataFrame(rows, columns=list(COLUMNS))
        manifest.to_csv(tmp / "manifest.csv", index=False)
    return manifest


def load_maskset(folder: Path) -> tuple[np.ndarray, pd.DataFrame]:
    """Masks `(N, H, W) float32 in {0, 1}` of a frozen mask set, checksums verified."""
    folder = Path(folder)
    manifest = read_manifest(folder, COLUMNS)
    masks = []
    for rec in manifest.itertuples():
        path = folder / rec.mask
        if not path.is_file():
            raise DatasetError(f"{path}: listed in {folder / 'manifest.csv'} but missing")
        if sha256_file(path) != rec.sha256:
            raise DatasetError(
                f"{path}: checksum differs from the manifest; the mask set was modified"
            )
        masks.append(read_mask(path))
    return np.stack(masks), manifest
