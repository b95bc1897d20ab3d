"""Write and read splits of procedural scenes (`geoinpaint prepare --dataset synthetic`), for each geoscience task.

Every split folder has `manifest.csv` (one row per sample, paths relative to the folder) and:
- classification: `images/<id>.png`, `landcover/<id>.png` (material index per pixel, see
  `synthetic.MATERIALS`); columns id, label, class_name, image, landcover, sha256.
- segmentation: `images/<id>.png`, `labels/<id>.png` (LoveDA values 1..7, the map the image was
  rendered from); columns id, label, class_name, image, label_map, sha256.
- crossview: `aerial/<id>.png` and `ground/<id>.png`, one pair per id (a panorama of the same
  place, see `crossview.py`); columns id, label, class_name, aerial, ground, sha256.
Splits are disjoint by construction: each sample's generator is seeded from
(seed, task, split, class, index).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from geoinpaint.io import MANIFEST, DatasetError, read_image, read_manifest, sha256_file, write_image
from geoinpaint.data.crossview import ground_panorama
from geoinpaint.data.synthetic import SCENE_CLASSES, loveda_labels, make_scene

SPLITS = ("train", "test")
TASKS = ("classification", "segmentation", "crossview")


def _write_label(path: Path, labels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(labels).save(path)


def write_split(
    out_dir: Path, split: str, per_class: int, size: int, seed: int, task: str = "classification"
) -> pd.DataFrame:
    """Generate `per_class` scenes of every class into `out_dir` and return its manifest."""
    if split not in SPLITS:
        raise ValueError(f"split {split!r} is not one of {SPLITS}")
    if task not in TASKS:
        raise ValueError(f"task {task!r} is not one of {TASKS}")
    out_dir = Path(out_dir)
    rows = []
    jobs = [(label, i) for label in range(len(SCENE_CLASSES)) for i in range(per_class)]
    for label, i in tqdm(jobs, desc=f"synth {task} {split}", unit="img"):
        rng = np.random.default_rng([seed, TASKS.index(task), SPLITS.index(split), label, i])
        scene = make_scene(label, size, rng)
        name = f"{SCENE_CLASSES[label]}_{i:04d}"
        row = {"id": name, "label": label, "class_name": SCENE_CLASSES[label]}
        main = "aerial" if task == "crossview" else "image"
        row[main] = f"{'aerial' if task == 'crossview' else 'images'}/{name}.png"
        write_image(out_dir / row[main], scene.image)
        if task == "classification":
            row["landcover"] = f"landcover/{name}.png"
            _write_label(out_dir / row["landcover"], scene.landcover)
        elif task == "segmentation":
            row["label_map"] = f"labels/{name}.png"
            _write_label(out_dir / row["label_map"], loveda_labels(scene.landcover))
        else:
            row["ground"] = f"ground/{name}.png"
            write_image(out_dir / row["ground"], ground_panorama(scene.image, rng, size, size))
        row["sha256"] = sha256_file(out_dir / row[main])
        rows.append(row)
    manifest = pd.DataFrame(rows)
    manifest.to_csv(out_dir / MANIFEST, index=False)
    return manifest


def load_split(folder: Path) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Load a split as `(N, H, W, 3) float32 in [0, 1]` images, `(N,)` int64 labels, manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder, ("id", "label", "image"))
    images = np.stack([read_image(folder / p) for p in manifest["image"]])
    return images, manifest["label"].to_numpy(np.int64), manifest
