"""Turn a verified real classification dataset into the suite's split layout (`geoinpaint prepare --dataset rsscn7|aid`).

The output is the same as `geoinpaint prepare --dataset synthetic --task classification` writes (train/ and test/,
each with images/ and manifest.csv), so every later step runs unchanged on real data. Images are
resized to `size` x `size` with bicubic filtering (the paper resizes to 256x256); the split is
per class, `train_fraction` of each class's images to train (RSSCN7 protocol: 50/50), drawn
with a seeded shuffle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from geoinpaint.io import sha256_file
from geoinpaint.io import MANIFEST


def import_classification(
    scan: pd.DataFrame, out: Path, size: int, seed: int, train_fraction: float = 0.5
) -> dict[str, pd.DataFrame]:
    """Resize and split a scanned dataset (columns path, label, class_name) into `out/{train,test}`."""
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    rng = np.random.default_rng(seed)
    rows: dict[str, list[dict]] = {"train": [], "test": []}
    for _, group in scan.groupby("label", sort=True):
        order = rng.permutation(len(group))
        n_train = max(1, int(round(train_fraction * len(group))))
        for rank, idx in enumerate(order):
            rec = group.iloc[idx]
            split = "train" if rank < n_train else "test"
            name = f"{rec['class_name']}_{Path(rec['path']).stem}"
            dest = Path(out) / split / "images" / f"{name}.png"
            dest.parent.mkdir(parents=True, exist_ok=True)
            with Image.open(rec["path"]) as img:
                img.convert("RGB").resize((size, size), Image.Resampling.BICUBIC).save(dest)
            rows[split].append({"id": name, "label": int(rec["label"]),
                                "class_name": rec["class_name"], "image": f"images/{name}.png",
                                "source": rec["path"], "sha256": sha256_file(dest)})
    manifests = {}
    for split, recs in tqdm(rows.items(), desc="manifests", leave=False):
        manifests[split] = pd.DataFrame(recs).sort_values(["label", "id"], ignore_index=True)
        manifests[split].to_csv(Path(out) / split / MANIFEST, index=False)
    return manifests
