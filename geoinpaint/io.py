"""Image and mask I/O with the suite's conventions (see docs/conventions.md).

Images are RGB, stored as 8-bit PNG, and handled as float arrays in [0, 1]. Masks are stored
as 8-bit single-channel PNG (255 = hole) and handled as {0, 1} float arrays, 1 = occluded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

MANIFEST = "manifest.csv"


class DatasetError(ValueError):
    """A dataset folder is missing, incomplete or malformed."""


class ImageReadError(ValueError):
    """An image or mask file is missing, unreadable or of the wrong shape."""


def _open(path: Path) -> Image.Image:
    if not path.is_file():
        raise ImageReadError(f"{path}: file not found")
    try:
        img = Image.open(path)
        img.load()
    except (UnidentifiedImageError, OSError) as err:
        raise ImageReadError(f"{path}: not a readable image ({err})") from err
    return img


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as `(H, W, 3) float32 in [0, 1]`, RGB."""
    img = _open(Path(path))
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def read_mask(path: str | Path, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Read a mask file as `(H, W) float32 in {0, 1}`, 1 = hole (stored value > 127).

    Args:
        path: mask PNG.
        shape: expected `(H, W)`; a mask of another size is an error, never resized silently.
    """
    path = Path(path)
    mask = np.asarray(_open(path).convert("L"))
    if shape is not None and mask.shape != tuple(shape):
        raise ImageReadError(
            f"{path} is {mask.shape[1]}x{mask.shape[0]}, expected {shape[1]}x{shape[0]} "
            "like its image"
        )
    return (mask > 127).astype(np.float32)


def read_label_map(path: str | Path, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Read a single-channel label map (one integer class value per pixel) as `(H, W) uint8`.

    Args:
        path: 8-bit PNG of class values (LoveDA: 0 = no-data, 1..7).
        shape: expected `(H, W)`; another size is an error, never resized.
    """
    path = Path(path)
    img = _open(path)
    if img.mode not in ("L", "P"):
        raise ImageReadError(f"{path} is a {img.mode} image, expected a single-channel label map")
    labels = np.asarray(img, dtype=np.uint8)
    if shape is not None and labels.shape != tuple(shape):
        raise ImageReadError(
            f"{path} is {labels.shape[1]}x{labels.shape[0]}, expected {shape[1]}x{shape[0]} "
            "like its image"
        )
    return labels


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Quantise `[0, 1]` floats to uint8 by rounding (values outside are clipped)."""
    return np.clip(np.rint(np.asarray(image, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)


def write_image(path: str | Path, image: np.ndarray) -> None:
    """Write `(H, W, 3)` float in [0, 1] (or uint8) as an 8-bit RGB PNG."""
    arr = image if image.dtype == np.uint8 else to_uint8(image)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path, format="PNG")


def write_mask(path: str | Path, mask: np.ndarray) -> None:
    """Write a `(H, W)` {0, 1} mask as an 8-bit PNG with 255 = hole."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((np.asarray(mask) > 0.5).astype(np.uint8) * 255).save(path)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_manifest(folder: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """Read `folder/manifest.csv`, checking it exists, is non-empty and has `required` columns."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise DatasetError(
            f"{path}: manifest not found; write the folder with `geoinpaint prepare`"
        )
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
