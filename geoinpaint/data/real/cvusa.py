"""CVUSA (Workman et al. 2015), as used by cross-view geolocation papers: aerial/ground pairs.

Layout: `<root>/splits/train-19zl.csv` and `val-19zl.csv` (one pair per row: the aerial path
under `bingmap/`, the ground panorama under `streetview/`, and a third column that is ignored),
with the image files under `<root>`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geoinpaint.data.real.common import need_dir, verify_images
from geoinpaint.io import DatasetError

SOURCE = "https://mvrl.cse.wustl.edu/datasets/cvusa/ (request access from the authors)"
SPLIT_FILES = {"train": "train-19zl.csv", "test": "val-19zl.csv"}


def scan_cvusa(root: Path, split: str = "train", verify: bool = True) -> pd.DataFrame:
    """Manifest (pair_id, aerial, ground) of a CVUSA split (`test` = the official val split)."""
    root = need_dir(root, "CVUSA's splits/, bingmap/ and streetview/ folders", SOURCE)
    csv = root / "splits" / SPLIT_FILES[split]
    if not csv.is_file():
        raise DatasetError(
            f"{csv}: split file not found; expected the official CVUSA split CSVs. "
            f"Get the data from {SOURCE}"
        )
    pairs = pd.read_csv(csv, header=None)
    if pairs.shape[1] < 2 or pairs.empty:
        raise DatasetError(f"{csv}: expected rows 'bingmap/...jpg,streetview/...jpg,...'")
    rows = []
    for i, (aerial, ground) in enumerate(zip(pairs[0], pairs[1], strict=True)):
        if not str(aerial).startswith("bingmap/") or not str(ground).startswith("streetview/"):
            raise DatasetError(
                f"{csv} row {i + 1}: expected a bingmap/ path then a streetview/ "
                f"path, got {aerial!r}, {ground!r}"
            )
        a, g = root / aerial, root / ground
        for f in (a, g):
            if not f.is_file():
                raise DatasetError(f"{f}: listed in {csv} row {i + 1} but missing")
        rows.append({"pair_id": i, "aerial": str(a), "ground": str(g)})
    manifest = pd.DataFrame(rows)
    if verify:
        verify_images(
            [Path(p) for p in manifest["aerial"]] + [Path(p) for p in manifest["ground"]], SOURCE
        )
    return manifest
