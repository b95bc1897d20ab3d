"""Classical, training-free inpainting: OpenCV Telea and Navier-Stokes, scikit-image biharmonic.

They see only the known pixels: the occluder inside the hole is never read.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from skimage.restoration import inpaint_biharmonic

from geoinpaint.data.io import to_uint8
from geoinpaint.registry import register_method


class PerImage:
    """Adapts a single-image `(image, mask) -> image` function to the batch interface."""

    def __init__(self, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        self.fn = fn

    def inpaint(self, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
        known = images * (1 - masks[..., None])
        return np.stack([self.fn(img, m) for img, m in zip(known, masks, strict=True)])


def _opencv(flag: int, radius: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def run(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # OpenCV's inpaint works on 8-bit images; the inputs were read from 8-bit PNGs anyway.
        out = cv2.inpaint(to_uint8(image), (mask > 0.5).astype(np.uint8), radius, flag)
        return out.astype(np.float32) / 255.0

    return run


@register_method("telea")
def build_telea(radius: float = 3.0) -> PerImage:
    """Telea (2004) fast marching inpainting, `cv2.INPAINT_TELEA`."""
    return PerImage(_opencv(cv2.INPAINT_TELEA, radius))


@register_method("navier-stokes")
def build_navier_stokes(radius: float = 3.0) -> PerImage:
    """Bertalmio et al. (2001) Navier-Stokes inpainting, `cv2.INPAINT_NS`."""
    return PerImage(_opencv(cv2.INPAINT_NS, radius))


def _biharmonic(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = inpaint_biharmonic(image, mask > 0.5, split_into_regions=True, channel_axis=-1)
    return np.clip(out, 0, 1).astype(np.float32)


@register_method("biharmonic")
def build_biharmonic() -> PerImage:
    """Damelin & Hoang (2018) biharmonic inpainting, `skimage.restoration.inpaint_biharmonic`."""
    return PerImage(_biharmonic)
