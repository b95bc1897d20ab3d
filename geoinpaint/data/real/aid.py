"""AID (Xia et al. 2017): 30 aerial scene classes, 600x600 JPEG.

Layout: `<root>/<Class>/<class>_<n>.jpg`, e.g. `Airport/airport_1.jpg`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geoinpaint.data.real.common import need_dir, verify_images
from geoinpaint.io import DatasetError

CLASSES = (
    "Airport",
    "BareLand",
    "BaseballField",
    "Beach",
    "Bridge",
    "Center",
    "Church",
    "Commercial",
    "DenseResidential",
    "Desert",
    "Farmland",
    "Forest",
    "Industrial",
    "Meadow",
    "MediumResidential",
    "Mountain",
    "Park",
    "Parking",
    "Playground",
    "Pond",
    "Port",
    "RailwayStation",
    "Resort",
    "River",
    "School",
    "SparseResidential",
    "Square",
    "Stadium",
    "StorageTanks",
    "Viaduct",
)
SOURCE = "https://captain-whu.github.io/AID/ (Xia et al. 2017)"


def scan_aid(root: Path, size: tuple[int, int] | None = None, verify: bool = True) -> pd.DataFrame:
    """Manifest (path, label, class_name) of an AID copy; `size` (w, h) checks every image."""
    root = need_dir(root, "the 30 AID class folders (Airport, BareLand, ...)", SOURCE)
    rows = []
    for label, cls in enumerate(CLASSES):
        d = need_dir(root / cls, f"AID class folder with files like {cls.lower()}_1.jpg", SOURCE)
        files = sorted(d.glob(f"{cls.lower()}_*.jpg"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
        if not files:
            raise DatasetError(f"{d}: no {cls.lower()}_<n>.jpg images. Get the data from {SOURCE}")
        if verify:
            verify_images(files, SOURCE, size, desc=cls)
        rows += [{"path": str(f), "label": label, "class_name": cls} for f in files]
    return pd.DataFrame(rows)
