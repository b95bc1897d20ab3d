"""Clear-View (Bhattacharya & Baweja, SAMI 2021): remote-sensing scenes with missing data, each
a triplet of a noisy image, its mask and its clean label image, over three kinds of damage
(salt-and-pepper noise, the Landsat ETM+ scan-line corrector failure, thick clouds).

Expected layout (the release's own arrangement could not be checked offline, so the adapter
states the one it reads; arrange a copy so): `<root>/<kind>/{noisy,mask,label}/<name>.<ext>`
with one file of the same stem in each of the three folders, `<ext>` png, jpg or tif, any number
of `<kind>` folders. The label is the ground truth; the mask (non-zero = missing) is the
dataset's own hole, usable as a further test mask set beside the synthetic ones.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geoinpaint.data.real.common import image_size, need_dir
from geoinpaint.io import DatasetError

SOURCE = "https://sites.google.com/view/clearviewdataset (Bhattacharya & Baweja 2021)"
PARTS = ("noisy", "mask", "label")
SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def _files(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in SUFFIXES}


def scan_clearview(root: Path, verify: bool = True) -> pd.DataFrame:
    """Manifest (id, kind, noisy, mask, label) of a Clear-View copy."""
    root = need_dir(root, "Clear-View kind folders, each with noisy/, mask/ and label/", SOURCE)
    kinds = sorted(p for p in root.iterdir() if p.is_dir())
    if not kinds:
        raise DatasetError(f"{root}: no kind folders. Get the data from {SOURCE}")
    rows = []
    for kind in kinds:
        folders = {part: need_dir(kind / part, f"{part}/ images", SOURCE) for part in PARTS}
        files = {part: _files(folder) for part, folder in folders.items()}
        if not files["label"]:
            raise DatasetError(f"{folders['label']}: no images. Get the data from {SOURCE}")
        for stem, label in files["label"].items():
            row = {"id": f"{kind.name}_{stem}", "kind": kind.name, "label": str(label)}
            for part in ("noisy", "mask"):
                if stem not in files[part]:
                    raise DatasetError(f"{folders[part]}: no {part} file for {label}")
                row[part] = str(files[part][stem])
            if verify:
                sizes = {part: image_size(Path(row[part]), SOURCE) for part in PARTS}
                if len(set(sizes.values())) > 1:
                    raise DatasetError(f"Clear-View sample {label}: sizes differ {sizes}")
            rows.append(row)
    return pd.DataFrame(rows)
