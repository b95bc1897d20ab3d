"""Write and read splits of procedural scenes (`geoinpaint synth`).

A split folder holds `images/<id>.png`, `landcover/<id>.png` (material index per pixel, see
`synthetic.MATERIALS`) and `manifest.csv` with one row per image: id, label, class_name, image,
landcover, sha256. Train and test are disjoint by construction: each image's generator is seeded
from (seed, split, class, index).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from geoinpaint.data.io import read_image, sha256_file, write_image
from geoinpaint.data.synthetic import SCENE_CLASSES, make_scene

SPLITS = ("train", "test")
MANIFEST = "manifest.csv"


class DatasetError(ValueError):
    """A dataset folder is missing, incomplete or malformed."""


def write_split(out_dir: Path, split: str, per_class: int, size: int, seed: int) -> pd.DataFrame:
    """Generate `per_class` scenes of every class into `out_dir` and return its manifest."""
    if split not in SPLITS:
        raise ValueError(f"split {split!r} is not one of {SPLITS}")
    out_dir = Path(out_dir)
    rows = []
    jobs = [(label, i) for label in range(len(SCENE_CLASSES)) for i in range(per_class)]
    for label, i in tqdm(jobs, desc=f"synth {split}", unit="img"):
        rng = np.random.default_rng([seed, SPLITS.index(split), label, i])
        scene = make_scene(label, size, rng)
        name = f"{SCENE_CLASSES[label]}_{i:04d}"
        image_path = out_dir / "images" / f"{name}.png"
        lc_path = out_dir / "landcover" / f"{name}.png"
        write_image(image_path, scene.image)
        lc_path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(scene.landcover).save(lc_path)
        rows.append(
            {
                "id": name,
                "label": label,
                "class_name": SCENE_CLASSES[label],
                "image": f"images/{name}.png",
                "landcover": f"landcover/{name}.png",
                "sha256": sha256_file(image_path),
            }
        )
    manifest = pd.DataFrame(rows)
    manifest.to_csv(out_dir / MANIFEST, index=False)
    return manifest


def read_manifest(folder: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """Read `folder/manifest.csv`, checking it exists, is non-empty and has `required` columns."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise DatasetError(f"{path}: manifest not found; generate the folder with `geoinpaint synth`")
    try:
        manifest = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a readable CSV manifest ({err})") from err
    missing = [c for c in required if c not in manifest.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {missing}; expected {list(required)}")
    if manifest.empty:
        raise DatasetError(f"{path}: manifest lists no images")
    return manifest


def load_split(folder: Path) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Load a split as `(N, H, W, 3) float32 in [0, 1]` images, `(N,)` int64 labels, manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder, ("id", "label", "image"))
    images = np.stack([read_image(folder / p) for p in manifest["image"]])
    return images, manifest["label"].to_numpy(np.int64), manifest
