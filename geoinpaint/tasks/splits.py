"""Load a split (`data.scenes` layout) as images and the task's targets, numpy only.

- classification / inpainting: `(N, H, W, 3)` images and `(N,)` class labels;
- segmentation: images and `(N, H, W) uint8` LoveDA label maps (0 = no-data, 1..7);
- crossview: the ground panoramas and `(N,)` location ids (the pair's row in the split: every
  training pair is its own location, as LPN trains); `aerial` views via `load_aerial`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geoinpaint.data.scenes import load_split
from geoinpaint.io import DatasetError, read_image, read_label_map, read_manifest


def load_task_split(task: str, folder: Path) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """`(images, targets, manifest)` of a split for `task` (see the module docstring)."""
    folder = Path(folder)
    if task in ("classification", "inpainting"):
        return load_split(folder)
    if task == "segmentation":
        images, _, manifest = load_split(folder)
        if "label_map" not in manifest.columns:
            raise DatasetError(f"{folder}/manifest.csv has no label_map column: not segmentation")
        maps = np.stack(
            [read_label_map(folder / p, images.shape[1:3]) for p in manifest["label_map"]]
        )
        return images, maps, manifest
    if task == "crossview":
        manifest = read_manifest(folder, ("id", "aerial", "ground"))
        images = np.stack([read_image(folder / p) for p in manifest["ground"]])
        return images, np.arange(len(manifest), dtype=np.int64), manifest
    raise ValueError(f"unknown task {task!r}")


def load_aerial(folder: Path, manifest: pd.DataFrame) -> np.ndarray:
    """The aerial views of a cross-view split, in manifest order."""
    return np.stack([read_image(Path(folder) / p) for p in manifest["aerial"]])


def class_names_of(manifest: pd.DataFrame) -> list[str]:
    """Class names indexed by label; labels must be 0..C-1 with no gaps."""
    names = manifest.drop_duplicates("label").sort_values("label")
    if list(names["label"]) != list(range(len(names))):
        raise DatasetError(f"labels must be 0..C-1 without gaps, got {sorted(names['label'])}")
    return [str(n) for n in names["class_name"]]
