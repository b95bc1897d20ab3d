"""Image and mask I/O with the suite's conventions (docs/conventions.md, "Image files").

The one reader of every verb. Images are handled as `(H, W, 3) float32 in [0, 1]` RGB and
written as 8-bit RGB PNG; masks are handled as `(H, W) float32 in {0, 1}`, 1 = hole, and written
as 8-bit single-channel PNG (255 = hole). Every PNG/JPEG/TIFF pixel mode is converted by an
explicit rule (`IMAGE_MODES`); anything else, a colour mask, a transparent pixel, a truncated or
unreadable file is an `ImageReadError` naming the file. Every write is atomic.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from geoinpaint.atomic import atomic_path

MANIFEST = "manifest.csv"
MASK_THRESHOLD = 0.5
"""A mask pixel is a hole when its value is at least this fraction of the format's maximum:
128 of 255, 32768 of 65535, 1 of a 1-bit image."""
IMAGE_MODES = {
    "1": "bilevel: 0 -> 0.0, 1 -> 1.0, copied to R, G and B",
    "L": "8-bit gray: value / 255, copied to R, G and B",
    "I;16": "16-bit gray: value / 65535, copied to R, G and B",
    "I": "32-bit integer gray holding 16-bit values (0..65535): value / 65535; others refused",
    "F": "32-bit float gray already in [0, 1]: copied to R, G and B; others refused",
    "P": "palette: each index replaced by its palette colour, then as RGB (or RGBA)",
    "RGB": "8-bit: value / 255; 16-bit (PNG, TIFF): value / 65535",
    "RGBA": "as RGB when every pixel is opaque; a transparent pixel is refused",
    "LA": "as L when every pixel is opaque; a transparent pixel is refused",
}
_ALIASES = {"I;16B": "I;16", "I;16L": "I;16", "I;16N": "I;16", "PA": "P"}

log = logging.getLogger(__name__)


class DatasetError(ValueError):
    """A dataset folder is missing, incomplete or malformed."""


class ImageReadError(ValueError):
    """An image or mask file is missing, unreadable or of the wrong shape."""


def _open(path: Path) -> Image.Image:
    """The decoded image; `info["bits"]` is 16 for a 16-bit colour file (Pillow keeps 8)."""
    if not path.is_file():
        raise ImageReadError(f"{path}: file not found")
    try:
        img = Image.open(path)
        sixteen = _is_16bit(img)  # the tile that says so is gone once loaded
        img.load()  # decodes every pixel: a truncated file fails here, not later
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ImageReadError(f"{path}: not a readable image, truncated or corrupt ({err})") from err
    if getattr(img, "n_frames", 1) > 1:
        raise ImageReadError(f"{path} holds {img.n_frames} frames, expected a single image")
    img.info["bits"] = 16 if sixteen else img.info.get("bits", 8)
    orientation = img.getexif().get(0x0112, 1)
    if orientation != 1:
        log.warning("%s: EXIF orientation %s ignored, pixels are used as stored", path, orientation)
    return img


def _mode(img: Image.Image) -> str:
    return _ALIASES.get(img.mode, img.mode)


def _is_16bit(img: Image.Image) -> bool:
    """A 16-bit-per-channel colour file, which Pillow decodes to 8 bits."""
    tile = getattr(img, "tile", None)
    args = tile[0].args if tile else None
    rawmode = args[0] if isinstance(args, tuple) else args
    return img.mode in ("RGB", "RGBA") and isinstance(rawmode, str) and ";16" in rawmode


def _read_16bit_colour(path: Path) -> np.ndarray:
    import cv2

    arr = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.dtype != np.uint16 or arr.ndim != 3:
        raise ImageReadError(f"{path}: 16-bit colour image that OpenCV cannot decode")
    order = [2, 1, 0, 3][: arr.shape[2]]  # OpenCV's BGR(A) to RGB(A)
    return arr[..., order].astype(np.float32) / 65535.0


def _opaque(path: Path, values: np.ndarray) -> np.ndarray:
    """Drop the last (alpha) channel of `(H, W, C)` values in [0, 1] when it is all opaque."""
    alpha = values[..., -1]
    if (alpha < 1.0).any():
        raise ImageReadError(
            f"{path} has {int((alpha < 1.0).sum())} transparent pixel(s); the suite does not "
            "guess what lies behind them: flatten the image and give the hole as a mask"
        )
    return values[..., :-1]


def _values(path: Path, img: Image.Image) -> np.ndarray:
    """Pixel values `(H, W, C) float32 in [0, 1]` by `IMAGE_MODES`; C is 1 (gray) or 3."""
    mode = _mode(img)
    if img.info.get("bits") == 16:
        values = _read_16bit_colour(path)
        return _opaque(path, values) if values.shape[2] == 4 else values
    if mode == "P":
        transparent = "transparency" in img.info or img.mode == "PA"
        img = img.convert("RGBA" if transparent else "RGB")
        mode = img.mode
    arr = np.asarray(img)
    if mode in ("1", "L", "RGB", "RGBA", "LA"):
        values = arr.astype(np.float32) / (1.0 if mode == "1" else 255.0)
        values = values[..., None] if values.ndim == 2 else values
        return _opaque(path, values) if mode in ("RGBA", "LA") else values
    if mode == "I;16":
        return (arr.astype(np.float32) / 65535.0)[..., None]
    if mode == "I" and arr.size and 0 <= arr.min() and arr.max() <= 65535:
        return (arr.astype(np.float32) / 65535.0)[..., None]
    if mode == "F" and arr.size and np.isfinite(arr).all() and 0 <= arr.min() and arr.max() <= 1:
        return arr.astype(np.float32)[..., None]
    raise ImageReadError(
        f"{path}: pixel mode {img.mode} is not supported (values outside the format's range, "
        f"or a colour space other than RGB); convert it to 8-bit RGB. Supported: "
        f"{', '.join(IMAGE_MODES)}"
    )


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as `(H, W, 3) float32 in [0, 1]`, RGB (conversion: `IMAGE_MODES`)."""
    path = Path(path)
    values = _values(path, _open(path))
    return np.repeat(values, 3, axis=2) if values.shape[2] == 1 else values


def _check_shape(path: Path, got: tuple[int, ...], shape: tuple[int, int] | None) -> None:
    if shape is not None and got != tuple(shape):
        raise ImageReadError(
            f"{path} is {got[1]}x{got[0]}, expected {shape[1]}x{shape[0]} like its image"
        )


def read_mask_values(path: str | Path, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A mask file's values `(H, W) float32 in [0, 1]` (fractions of the format's maximum).

    A mask is single-channel: 1-bit, 8- or 16-bit gray, or a palette/RGB(A) image whose every
    pixel is gray (R = G = B) and opaque. A colour mask is an error, never read as "no hole".
    """
    path = Path(path)
    values = _values(path, _open(path))
    if values.shape[2] == 3 and not (values == values[..., :1]).all():
        raise ImageReadError(
            f"{path} is a colour mask; a mask is single-channel (gray, 255 = hole), so it "
            "cannot be read without guessing which colour marks the hole"
        )
    values = values[..., 0]
    _check_shape(path, values.shape, shape)
    return values


def gray_pixels(values: np.ndarray) -> int:
    """How many mask values are neither 0 nor the maximum (a lossy or anti-aliased mask)."""
    return int(((values > 0) & (values < 1)).sum())


def read_mask(
    path: str | Path, shape: tuple[int, int] | None = None, binary: bool = True
) -> np.ndarray:
    """Read a mask file as `(H, W) float32 in {0, 1}`, 1 = hole (value >= `MASK_THRESHOLD`).

    Args:
        path: mask image (see `read_mask_values` for what is accepted).
        shape: expected `(H, W)`; a mask of another size is an error, never resized silently.
        binary: a mask with values between 0 and the maximum is an error; with False it is
            thresholded (the caller records that, e.g. `gray_pixels`).
    """
    path = Path(path)
    values = read_mask_values(path, shape)
    if binary and (gray := gray_pixels(values)):
        raise ImageReadError(
            f"{path} is not a binary mask: {gray} pixel(s) lie between 0 and the maximum "
            f"(a hole is a value >= {MASK_THRESHOLD:g} of the maximum, e.g. 128 of 255)"
        )
    return (values >= MASK_THRESHOLD).astype(np.float32)


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
    _check_shape(path, labels.shape, shape)
    return labels


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Quantise `[0, 1]` floats to uint8 by rounding (values outside are clipped)."""
    return np.clip(np.rint(np.asarray(image, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)


def write_image(path: str | Path, image: np.ndarray) -> None:
    """Write `(H, W, 3)` float in [0, 1] (or uint8) as an 8-bit RGB PNG, atomically."""
    arr = image if image.dtype == np.uint8 else to_uint8(image)
    with atomic_path(path) as tmp:
        Image.fromarray(arr).save(tmp, format="PNG")


def tile(images: np.ndarray, per_row: int, pad: int = 2) -> np.ndarray:
    """`(N, 3, H, W)` images in [0, 1] as one `(H', W', 3)` sheet, `per_row` to a row, `pad`
    black pixels around each: torchvision's `make_grid` layout (a training job importing
    torchvision, and with it torch._dynamo, would pay ~2 s for a picture)."""
    n, c, h, w = images.shape
    rows, cols = -(-n // per_row), min(n, per_row)
    sheet = np.zeros((c, rows * (h + pad) + pad, cols * (w + pad) + pad), np.float32)
    for k, img in enumerate(images):
        y, x = pad + (k // per_row) * (h + pad), pad + (k % per_row) * (w + pad)
        sheet[:, y : y + h, x : x + w] = img
    return sheet.transpose(1, 2, 0)


def write_mask(path: str | Path, mask: np.ndarray) -> None:
    """Write a `(H, W)` {0, 1} mask as an 8-bit PNG with 255 = hole, atomically."""
    with atomic_path(path) as tmp:
        Image.fromarray((np.asarray(mask) > 0.5).astype(np.uint8) * 255).save(tmp, format="PNG")


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


ID_DTYPE = {"id": str}
"""How every manifest and per-image CSV is read: ids are names (CVUSA's "0000001" stays so)."""


def read_ids_csv(path: str | Path) -> pd.DataFrame:
    """A manifest or per-image metrics CSV, its `id` column read as names (`ID_DTYPE`)."""
    return pd.read_csv(path, dtype=ID_DTYPE)


def ids_digest(ids) -> str:
    """sha256 of a list of image ids in order (what a per-image CSV must list, once each)."""
    return hashlib.sha256("\n".join(map(str, ids)).encode()).hexdigest()


def read_manifest(folder: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """Read `folder/manifest.csv`, checking it exists, is non-empty, has `required` columns and
    lists every `id` once."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise DatasetError(
            f"{path}: manifest not found; write the folder with `geoinpaint prepare`"
        )
    try:
        manifest = read_ids_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a readable CSV manifest ({err})") from err
    missing = [c for c in required if c not in manifest.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {missing}; expected {list(required)}")
    if manifest.empty:
        raise DatasetError(f"{path}: manifest lists no images")
    if "id" in manifest.columns and manifest["id"].duplicated().any():
        dup = sorted(map(str, manifest.loc[manifest["id"].duplicated(), "id"].unique()))
        raise DatasetError(f"{path}: id(s) {dup[:5]} listed more than once")
    return manifest
