"""Checks shared by the real-dataset adapters."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from geoinpaint.io import DatasetError


def need_dir(path: Path, what: str, source: str) -> Path:
    """`path` must be a folder, else a `DatasetError` naming it, `what` it holds and `source`."""
    if not Path(path).is_dir():
        raise DatasetError(f"{path}: folder not found; expected {what}. Get the data from {source}")
    return Path(path)


def image_size(path: Path, source: str) -> tuple[int, int]:
    """`(width, height)` of a readable image; a broken file is a `DatasetError`."""
    try:
        with Image.open(path) as img:
            img.verify()
        with Image.open(path) as img:
            return img.size
    except (UnidentifiedImageError, OSError) as err:
        raise DatasetError(
            f"{path}: unreadable image ({err}); re-download it from {source}"
        ) from err


def verify_images(
    files: list[Path], source: str, size: tuple[int, int] | None = None, desc: str = "verify"
) -> None:
    """Every file must be a readable image, of `size` (width, height) when given."""
    for f in tqdm(files, desc=desc, unit="img", leave=False):
        got = image_size(f, source)
        if size is not None and got != size:
            raise DatasetError(
                f"{f} is {got[0]}x{got[1]}, expected {size[0]}x{size[1]}; is this the original "
                f"release? (see {source})"
            )
