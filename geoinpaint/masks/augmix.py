"""AugMix (Hendrycks et al., ICLR 2020) on the image, with the mask kept aligned.

For the MaskMix-vs-AugMix ablation (paper Table VIII). `width` chains of 1..3 operations (depth
random unless fixed) are applied to the image; the chains are mixed with Dirichlet weights and
the mix is blended with the original by a Beta-distributed weight. Operations are AugMix's set:
autocontrast, equalize, posterize, solarize, rotate, shear x/y, translate x/y, with magnitudes
scaled by `severity` (out of 10). Geometric operations move image content, so every one is
applied identically to the mask; the mask chains are mixed with the same weights and
thresholded at 0.5, so the mask stays binary and covers the content it covered before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as TF

COLOUR_OPS = ("autocontrast", "equalize", "posterize", "solarize")
GEOMETRIC_OPS = ("rotate", "shear_x", "shear_y", "translate_x", "translate_y")
OPS = COLOUR_OPS + GEOMETRIC_OPS


@dataclass(frozen=True)
class AugMixConfig:
    """AugMix hyper-parameters (AugMix defaults: severity 3, width 3, random depth, alpha 1)."""

    severity: int = 3
    width: int = 3
    depth: int = -1
    alpha: float = 1.0
    ops: tuple[str, ...] = OPS


def _apply(
    op: str, img: torch.Tensor, mask: torch.Tensor, level: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """One op on a `(3, H, W) uint8` image and its `(1, H, W) float` mask; level in [-1, 1]."""
    size = img.shape[-1]
    if op == "autocontrast":
        return TF.autocontrast(img), mask
    if op == "equalize":
        return TF.equalize(img), mask
    if op == "posterize":
        return TF.posterize(img, bits=max(1, 4 - int(level * 4))), mask
    if op == "solarize":
        return TF.solarize(img, threshold=256 - int(level * 256)), mask
    angle, shift, shear = 0.0, [0, 0], [0.0, 0.0]
    if op == "rotate":
        angle = 30.0 * level
    elif op == "shear_x":
        shear[0] = float(np.degrees(np.arctan(0.3 * level)))
    elif op == "shear_y":
        shear[1] = float(np.degrees(np.arctan(0.3 * level)))
    elif op == "translate_x":
        shift[0] = int(round(level * size / 3))
    else:
        shift[1] = int(round(level * size / 3))
    kw = {"angle": angle, "translate": shift, "scale": 1.0, "shear": shear}
    img = TF.affine(img, **kw, interpolation=InterpolationMode.BILINEAR, fill=128)
    mask = TF.affine(mask, **kw, interpolation=InterpolationMode.NEAREST, fill=0.0)
    return img, mask


def augmix(
    image: np.ndarray,
    mask: np.ndarray,
    rng: np.random.Generator,
    cfg: AugMixConfig = AugMixConfig(),
) -> tuple[np.ndarray, np.ndarray]:
    """AugMix an image `(H, W, 3) float32 in [0, 1]` and carry its mask `(H, W)` along.

    Returns the augmented image `(H, W, 3) float32 in [0, 1]` and the aligned binary mask.
    """
    img8 = torch.from_numpy(np.rint(image * 255).astype(np.uint8)).permute(2, 0, 1).contiguous()
    m = torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32))[None]
    weights = rng.dirichlet([cfg.alpha] * cfg.width)
    skip = float(rng.beta(cfg.alpha, cfg.alpha))
    mix_img = torch.zeros(img8.shape, dtype=torch.float32)
    mix_mask = torch.zeros(m.shape, dtype=torch.float32)
    for w in weights:
        chain_img, chain_mask = img8, m
        for _ in range(cfg.depth if cfg.depth > 0 else int(rng.integers(1, 4))):
            op = cfg.ops[int(rng.integers(len(cfg.ops)))]
            level = rng.uniform(0.1, cfg.severity) / 10 * rng.choice([-1.0, 1.0])
            if op in COLOUR_OPS:
                level = abs(level)
            chain_img, chain_mask = _apply(op, chain_img, chain_mask, float(level))
        mix_img += float(w) * chain_img.float() / 255
        mix_mask += float(w) * chain_mask
    out = skip * img8.float() / 255 + (1 - skip) * mix_img
    out_mask = skip * m + (1 - skip) * mix_mask
    return (
        out.permute(1, 2, 0).clamp(0, 1).numpy().astype(np.float32),
        (out_mask[0] >= 0.5).numpy().astype(np.float32),
    )
