"""LoveDA (Wang et al. 2021): 1024x1024 images with 8-valued label maps (0 = no-data).

Layout: `<root>/{Train,Val}/{Urban,Rural}/{images_png,masks_png}/<n>.png`; a label map has the
same file name and size as its image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from geoinpaint.data.real.common import image_size, need_dir
from geoinpaint.io import DatasetError

SOURCE = "https://github.com/Junjue-Wang/LoveDA (Zenodo record 5706578)"
SPLITS = {"train": "Train", "test": "Val"}
DOMAINS = ("Urban", "Rural")


def scan_loveda(root: Path, split: str = "train", verify: bool = True) -> pd.DataFrame:
    """Manifest (image, label_map, domain) of a LoveDA split (`train` = Train, `test` = Val)."""
    base = need_dir(Path(root) / SPLITS[split], "LoveDA's Urban/ and Rural/ folders", SOURCE)
    rows = []
    for domain in DOMAINS:
        images = need_dir(base / domain / "images_png", "LoveDA images <n>.png", SOURCE)
        masks = need_dir(base / domain / "masks_png", "LoveDA label maps <n>.png", SOURCE)
        files = sorted(images.glob("*.png"))
        if not files:
            raise DatasetError(f"{images}: no images. Get the data from {SOURCE}")
        for f in files:
            label = masks / f.name
            if not label.is_file():
                raise DatasetError(f"{label}: label map of {f} not found")
            if verify:
                size, lsize = image_size(f, SOURCE), image_size(label, SOURCE)
                if size != lsize:
                    raise DatasetError(
                        f"{label} is {lsize[0]}x{lsize[1]}, expected "
                        f"{size[0]}x{size[1]} like its image {f}"
                    )
                values = np.unique(np.asarray(Image.open(label)))
                if values.max() > 7:
                    raise DatasetError(f"{label}: label values {values.tolist()}, expected 0..7")
            rows.append({"image": str(f), "label_map": str(label), "domain": domain})
    return pd.DataFrame(rows)
