"""Classical, training-free inpainting: OpenCV Telea and Navier-Stokes, scikit-image biharmonic.

They see only the known pixels: the occluder inside the hole is never read. Each works on one
image at a time on the CPU (OpenCV on 8-bit images, as it requires; the inputs were read from
8-bit PNGs anyway).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import torch
from skimage.restoration import inpaint_biharmonic

from geoinpaint.io import to_uint8
from geoinpaint.methods.base import Method
from geoinpaint.methods.registry import register_method


class PerImage(Method):
    """A single-image `(image (H, W, 3), mask (H, W)) -> image` algorithm on a batch."""

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def inpaint(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        x = images.permute(0, 2, 3, 1).cpu().numpy()
        m = masks[:, 0].cpu().numpy()
        known = x * (1 - m[..., None])
        out = np.stack([self.fill(img, hole) for img, hole in zip(known, m, strict=True)])
        return torch.from_numpy(out.astype(np.float32)).permute(0, 3, 1, 2).to(images.device)


class OpenCVInpaint(PerImage):
    """`cv2.inpaint` with one of its two algorithms (option `radius`, default 3 px)."""

    FLAG = cv2.INPAINT_TELEA

    def __init__(self, name: str, options: dict[str, Any] | None = None, device: Any = "cpu"):
        super().__init__(name, options, device)
        self.radius = float((options or {}).get("radius", 3.0))

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = cv2.inpaint(to_uint8(image), (mask > 0.5).astype(np.uint8), self.radius, self.FLAG)
        return out.astype(np.float32) / 255.0


@register_method("telea", label="Telea")
class Telea(OpenCVInpaint):
    """Telea (2004) fast marching inpainting, `cv2.INPAINT_TELEA`."""

    FLAG = cv2.INPAINT_TELEA


@register_method("navier-stokes", label="Navier-Stokes")
class NavierStokes(OpenCVInpaint):
    """Bertalmio et al. (2001) Navier-Stokes inpainting, `cv2.INPAINT_NS`."""

    FLAG = cv2.INPAINT_NS


@register_method("biharmonic", label="Biharmonic")
class Biharmonic(PerImage):
    """Damelin & Hoang (2018) biharmonic inpainting, `skimage.restoration.inpaint_biharmonic`."""

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = inpaint_biharmonic(image, mask > 0.5, split_into_regions=True, channel_axis=-1)
        return np.clip(out, 0, 1).astype(np.float32)
