"""Turn a verified real dataset into the suite's split layout (`out/{train,test}`, each with a
`manifest.csv`; see `data.scenes` for the columns of each layout), resized to `size` x `size`
with bicubic filtering (label maps: nearest neighbour), so every later step runs unchanged on
real data. `limit` > 0 keeps that many samples per split (evenly spaced), for tiny test runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from geoinpaint.data.importing import import_classification
from geoinpaint.io import sha256_file
from geoinpaint.io import MANIFEST


def keep_evenly(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """`limit` rows evenly spaced through `frame` (all when `limit` is 0 or large enough)."""
    if limit <= 0 or limit >= len(frame):
        return frame.reset_index(drop=True)
    rows = np.linspace(0, len(frame) - 1, limit).round().astype(int)
    return frame.iloc[rows].reset_index(drop=True)


def resized(src: str | Path, dest: Path, size: int, nearest: bool = False) -> str:
    """Write `src` resized to `size` x `size` as PNG at `dest`; return its sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(src) as img:
        img = img if nearest else img.convert("RGB")
        method = Image.Resampling.NEAREST if nearest else Image.Resampling.BICUBIC
        img.resize((size, size), method).save(dest)
    return sha256_file(dest)


def write_manifest(rows: list[dict], folder: Path) -> pd.DataFrame:
    manifest = pd.DataFrame(rows)
    folder.mkdir(parents=True, exist_ok=True)
    manifest.to_csv(folder / MANIFEST, index=False)
    return manifest


def prepare_classification(
    scan: Callable[[Path], pd.DataFrame],
    root: Path,
    out: Path,
    size: int,
    seed: int,
    train_fraction: float = 0.5,
    limit: int = 0,
) -> None:
    """A scene-classification dataset (RSSCN7, AID): per-class seeded split, then resize."""
    frame = scan(root)
    if limit > 0:
        per_class = max(2, -(-2 * limit // frame["label"].nunique()))
        parts = [keep_evenly(g, per_class) for _, g in frame.groupby("label")]
        frame = pd.concat(parts, ignore_index=True)
    import_classification(frame, out, size, seed, train_fraction)


def prepare_crossview(
    scan: Callable[[Path, str], pd.DataFrame], root: Path, out: Path, size: int, limit: int = 0
) -> None:
    """Aerial/ground pairs (CVUSA): both views resized to `size` x `size` (paper Sec. IV-C)."""
    for split in ("train", "test"):
        pairs = keep_evenly(scan(root, split), limit)
        rows = []
        for rec in tqdm(pairs.itertuples(), total=len(pairs), desc=f"cvusa {split}"):
            name = f"{rec.pair_id:07d}"
            row = {"id": name, "label": 0, "class_name": "pair"}
            for view in ("aerial", "ground"):
                row[view] = f"{view}/{name}.png"
                digest = resized(getattr(rec, view), out / split / row[view], size)
            row["sha256"] = digest
            row["source"] = rec.ground
            rows.append(row)
        write_manifest(rows, out / split)


def prepare_segmentation(
    scan: Callable[[Path, str], pd.DataFrame], root: Path, out: Path, size: int, limit: int = 0
) -> None:
    """Images with label maps (LoveDA): images bicubic, label maps nearest-neighbour."""
    for split in ("train", "test"):
        frame = keep_evenly(scan(root, split), limit)
        rows = []
        for i, rec in enumerate(tqdm(frame.itertuples(), total=len(frame), desc=f"{split}")):
            name = f"{rec.domain.lower()}_{Path(rec.image).stem}_{i:05d}"
            image, label = f"images/{name}.png", f"labels/{name}.png"
            digest = resized(rec.image, out / split / image, size)
            resized(rec.label_map, out / split / label, size, nearest=True)
            rows.append(
                {
                    "id": name,
                    "label": 0,
                    "class_name": rec.domain,
                    "image": image,
                    "label_map": label,
                    "sha256": digest,
                    "source": rec.image,
                }
            )
        write_manifest(rows, out / split)


def prepare_images(
    frame: pd.DataFrame,
    column: str,
    out: Path,
    size: int,
    seed: int,
    train_fraction: float,
    limit: int = 0,
    mask_column: str = "",
) -> None:
    """Plain images for inpainting-only tables (RICE's clear images, Clear-View's labels): a
    seeded `train_fraction` split of the files in `frame[column]`, resized. With
    `mask_column`, each test image's own mask (non-zero = hole, nearest-neighbour resized)
    goes to `test/own_masks/<id>.png` (manifest column `own_mask`): the dataset's own holes as
    a further test mask set (mask kind `dataset`)."""
    order = np.random.default_rng(seed).permutation(len(frame))
    n_train = max(1, int(round(train_fraction * len(frame))))
    splits = {"train": frame.iloc[order[:n_train]], "test": frame.iloc[order[n_train:]]}
    for split, part in splits.items():
        part = keep_evenly(part.sort_values("id"), limit)
        rows = []
        for rec in tqdm(part.itertuples(), total=len(part), desc=split):
            image = f"images/{rec.id}.png"
            digest = resized(getattr(rec, column), out / split / image, size)
            row = {
                "id": str(rec.id),
                "label": 0,
                "class_name": "image",
                "image": image,
                "sha256": digest,
                "source": getattr(rec, column),
            }
            if mask_column and split == "test":
                row["own_mask"] = f"own_masks/{rec.id}.png"
                with Image.open(getattr(rec, mask_column)) as m:
                    hole = (np.asarray(m.convert("L")) > 0).astype(np.uint8) * 255
                dest = out / split / row["own_mask"]
                dest.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(hole).resize((size, size), Image.Resampling.NEAREST).save(dest)
            rows.append(row)
        write_manifest(rows, out / split)
