"""Generated fake trees of RSSCN7, CVUSA and LoveDA in their official layouts (a few samples
each), for config/paper-tiny.yaml's end-to-end run."""

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from geoinpaint.data.real.rsscn7 import FOLDERS


def _image(path: Path, size: tuple[int, int], rng: np.random.Generator, labels: bool = False):
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = size[1], size[0]
    if labels:  # LoveDA label maps: blocks of classes 1..7 and some no-data (0)
        blocks = rng.integers(0, 8, (4, 4), dtype=np.uint8)
        arr = np.kron(blocks, np.ones((h // 4, w // 4), np.uint8))
    else:  # smooth colour fields, so that resizing and JPEG keep them images
        low = rng.integers(0, 256, (4, 4, 3)).astype(np.uint8)
        arr = np.asarray(Image.fromarray(low).resize((w, h), Image.BILINEAR))
    Image.fromarray(arr).save(path)


def fake_trees(root: Path) -> None:
    """RSSCN7 (7 class folders), CVUSA (splits/ with bingmap/ and streetview/) and LoveDA
    (Train/Val x Urban/Rural, 1024 px as released), a few samples each."""
    rng = np.random.default_rng(0)
    for folder in FOLDERS:
        for i in range(1, 5):
            _image(root / "RSSCN7" / folder / f"{folder[0]}{i:03d}.jpg", (80, 80), rng)
    for split, n in (("train-19zl", 8), ("val-19zl", 6)):
        rows = []
        for i in range(n):
            a, g = f"bingmap/19/{split}{i:04d}.jpg", f"streetview/panos/{split}{i:04d}.jpg"
            _image(root / "CVUSA" / a, (96, 96), rng)
            _image(root / "CVUSA" / g, (128, 32), rng)
            rows.append([a, g, f"streetview/annotations/{i:04d}.png"])
        (root / "CVUSA" / "splits").mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows).to_csv(
            root / "CVUSA" / "splits" / f"{split}.csv", header=False, index=False
        )
    for split in ("Train", "Val"):
        for domain in ("Urban", "Rural"):
            for n in range(2):
                base = root / "LoveDA" / split / domain
                _image(base / "images_png" / f"{n}.png", (1024, 1024), rng)
                _image(base / "masks_png" / f"{n}.png", (1024, 1024), rng, labels=True)
