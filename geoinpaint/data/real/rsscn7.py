"""RSSCN7 (Zou et al. 2015): 7 scene classes x 400 aerial images, 400x400 JPEG.

Layout: `<root>/aGrass/a001.jpg ... <root>/gParking/g400.jpg`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from geoinpaint.data.real.common import need_dir, verify_images
from geoinpaint.io import DatasetError
from geoinpaint.data.synthetic import SCENE_CLASSES

FOLDERS = ("aGrass", "bField", "cIndustry", "dRiverLake", "eForest", "fResident", "gParking")
SOURCE = "the RSSCN7 release by Zou et al. (2015), e.g. https://github.com/palewithout/RSSCN7"
PER_CLASS = 400
SIZE = (400, 400)


def scan_rsscn7(root: Path, strict: bool = True, verify: bool = True) -> pd.DataFrame:
    """Manifest (path, label, class_name) of an RSSCN7 copy.

    Args:
        root: folder holding the seven class folders.
        strict: require 400 images of 400x400 per class (the official release); off for subsets.
        verify: open every image to check it is readable.
    """
    root = need_dir(root, f"the 7 RSSCN7 class folders {', '.join(FOLDERS)}", SOURCE)
    rows = []
    for label, folder in enumerate(FOLDERS):
        d = need_dir(
            root / folder, f"RSSCN7 class folder with files like {folder[0]}001.jpg", SOURCE
        )
        files = sorted(d.glob(f"{folder[0]}*.jpg"))
        stray = [f.name for f in files if not re.fullmatch(rf"{folder[0]}\d{{3}}\.jpg", f.name)]
        if stray:  # e.g. "b002 (copy).jpg": a duplicate would leak between the splits
            raise DatasetError(
                f"{d}: unexpected file(s) {stray[:5]}; the release names its images "
                f"{folder[0]}001.jpg ... {folder[0]}{PER_CLASS}.jpg. Remove them"
            )
        if not files:
            raise DatasetError(
                f"{d}: no {folder[0]}NNN.jpg images; expected {PER_CLASS}. "
                f"Get the data from {SOURCE}"
            )
        if strict and len(files) != PER_CLASS:
            raise DatasetError(
                f"{d}: {len(files)} images, expected {PER_CLASS} (official release, {SOURCE})"
            )
        if verify:
            verify_images(files, SOURCE, SIZE if strict else None, desc=folder)
        rows += [
            {"path": str(f), "label": label, "class_name": SCENE_CLASSES[label]} for f in files
        ]
    return pd.DataFrame(rows)
