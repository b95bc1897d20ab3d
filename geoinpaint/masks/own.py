"""A dataset's own holes as a frozen mask set (mask kind `dataset`): RICE2's cloud masks and
Clear-View's missing-data masks, one per test image, in the test split's order (written by the
dataset's preparer as `own_masks/<id>.png`, manifest column `own_mask`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geoinpaint.atomic import atomic_dir
from geoinpaint.io import DatasetError, read_manifest, read_mask, sha256_file, write_mask


def write_own_maskset(split: Path, out: Path, size: int) -> pd.DataFrame:
    """The masks of `split` (a test split with an `own_mask` column) as a mask set in `out`."""
    split = Path(split)
    manifest = read_manifest(split, ("id", "own_mask"))
    rows = []
    with atomic_dir(out) as tmp:
        for i, rec in enumerate(manifest.itertuples()):
            mask = read_mask(split / rec.own_mask)
            if mask.shape != (size, size):
                raise DatasetError(
                    f"{split / rec.own_mask} is {mask.shape[1]}x{mask.shape[0]}, expected "
                    f"{size}x{size}"
                )
            name = f"{i:05d}.png"
            write_mask(tmp / name, mask)
            rows.append(
                {
                    "id": i,
                    "mask": name,
                    "kind": "dataset",
                    "seed": 0,
                    "hole_fraction": float(mask.mean()),
                    "sha256": sha256_file(tmp / name),
                    "source": str(rec.own_mask),
                }
            )
        frame = pd.DataFrame(rows)
        frame.to_csv(tmp / "manifest.csv", index=False)
    return frame
