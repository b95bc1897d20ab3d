"""RICE (Lin et al. 2019): real cloudy / cloud-free satellite image pairs.

Layout: `<root>/RICE1/{cloud,label}/<n>.png` (thin clouds: cloudy image and its clear
ground truth) and `<root>/RICE2/{cloud,label,mask}/<n>.png` (thick clouds with cloud masks);
files of one sample share a name and a size.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geoinpaint.data.real.common import image_size, need_dir
from geoinpaint.io import DatasetError

SOURCE = "https://github.com/BUPTLdy/RICE_DATASET (Lin et al. 2019)"
PARTS = {"RICE1": ("cloud", "label"), "RICE2": ("cloud", "label", "mask")}


def scan_rice(root: Path, part: str = "RICE2", verify: bool = True) -> pd.DataFrame:
    """Manifest of a RICE part: one column per folder (`cloud`, `label`, and `mask` for RICE2)."""
    if part not in PARTS:
        raise ValueError(f"RICE part {part!r} is not one of {list(PARTS)}")
    base = need_dir(Path(root) / part, f"{part} with folders {', '.join(PARTS[part])}", SOURCE)
    folders = {k: need_dir(base / k, f"{part} {k} images <n>.png", SOURCE) for k in PARTS[part]}
    names = sorted(p.name for p in folders["cloud"].glob("*.png"))
    if not names:
        raise DatasetError(f"{folders['cloud']}: no images. Get the data from {SOURCE}")
    rows = []
    for name in names:
        row = {k: folders[k] / name for k in PARTS[part]}
        for k, f in row.items():
            if not f.is_file():
                raise DatasetError(f"{f}: the {k} file of {folders['cloud'] / name} is missing")
        if verify:
            sizes = {k: image_size(f, SOURCE) for k, f in row.items()}
            if len(set(sizes.values())) > 1:
                raise DatasetError(f"{part} sample {name}: sizes differ {sizes}")
        rows.append({"id": Path(name).stem, **{k: str(v) for k, v in row.items()}})
    return pd.DataFrame(rows)
