"""Irregular (free-form) masks, as in the cross-view and segmentation experiments.

The paper draws seed masks from the NVIDIA irregular mask set (Liu et al. 2018) with 10-20 %
hole area. Two sources: procedural free-form strokes (thick random polylines, as in free-form
inpainting papers), or a folder of mask PNGs such as the NVIDIA set, resized with nearest
neighbour, randomly flipped and rotated by multiples of 90 degrees, and kept only when the hole
fraction lies in the band.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from geoinpaint.io import read_mask

MAX_TRIES = 500


def _band_error(lo: float, hi: float, what: str) -> RuntimeError:
    return RuntimeError(f"no {what} with hole fraction in [{lo}, {hi}] after {MAX_TRIES} draws")


def _check_band(lo: float, hi: float) -> None:
    if not 0 < lo <= hi <= 1:
        raise ValueError(f"need 0 < min_fraction <= max_fraction <= 1, got {lo}, {hi}")


def stroke_mask(
    rng: np.random.Generator, size: int, lo: float = 0.10, hi: float = 0.20
) -> np.ndarray:
    """Free-form strokes `(size, size) float32 in {0, 1}` with hole fraction in [lo, hi]."""
    _check_band(lo, hi)
    for _ in range(MAX_TRIES):
        mask = np.zeros((size, size), np.uint8)
        while mask.mean() < lo:
            x, y = rng.uniform(0, size, 2)
            width = int(max(2, rng.uniform(0.03, 0.09) * size))
            angle = rng.uniform(0, 2 * np.pi)
            for _ in range(int(rng.integers(2, 6))):
                angle += rng.uniform(-np.pi / 3, np.pi / 3)
                length = rng.uniform(0.08, 0.25) * size
                nx = float(np.clip(x + length * np.cos(angle), 0, size - 1))
                ny = float(np.clip(y + length * np.sin(angle), 0, size - 1))
                cv2.line(mask, (int(x), int(y)), (int(nx), int(ny)), 1, width)
                cv2.circle(mask, (int(nx), int(ny)), width // 2, 1, -1)
                x, y = nx, ny
        if mask.mean() <= hi:
            return mask.astype(np.float32)
    raise _band_error(lo, hi, "stroke mask")


class MaskFolder:
    """Binary masks read from a folder of PNGs (e.g. the NVIDIA irregular mask set, 255 = hole).

    Args:
        folder: folder with `*.png` masks.
        invert: set when the files store 0 = hole (the suite's convention is 255 = hole).
    """

    def __init__(self, folder: Path, invert: bool = False):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"{self.folder}: mask folder not found")
        self.files = sorted(self.folder.glob("*.png"))
        if not self.files:
            raise FileNotFoundError(f"{self.folder}: no *.png masks in the folder")
        self.invert = invert

    def load(self, index: int, size: int) -> np.ndarray:
        mask = read_mask(self.files[index])
        if self.invert:
            mask = 1 - mask
        if mask.shape != (size, size):
            mask = cv2.resize(mask, (size, size), interpolation=cv2.INTER_NEAREST)
        return mask.astype(np.float32)

    def sample(self, rng: np.random.Generator, size: int, lo: float, hi: float) -> np.ndarray:
        """A random mask of the folder, flipped/rotated, with hole fraction in [lo, hi]."""
        _check_band(lo, hi)
        for _ in range(MAX_TRIES):
            mask = self.load(int(rng.integers(len(self.files))), size)
            if lo <= mask.mean() <= hi:
                mask = np.rot90(mask, int(rng.integers(4)))
                return np.ascontiguousarray(mask[:, ::-1] if rng.random() < 0.5 else mask)
        raise _band_error(lo, hi, f"mask in {self.folder}")
