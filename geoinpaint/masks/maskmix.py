"""MaskMix (paper Eq. 7, Fig. 4): augment the binary mask, never the image.

    M = Phi{ w4 * Ms + sum_{i=1..3} w_i * A_i^3(A_i^2(A_i^1(Ms))) }

Each of the branches applies a chain of randomly sampled translate / shear / rotate operations to
the seed mask Ms; the branches and the seed mask are mixed with random weights (Dirichlet, so
they sum to 1) and thresholded back to a binary mask. The authors' released code builds the mix
and then returns the seed mask unchanged (a no-op, see docs/fidelity.md); this one returns the
mix. Used at training time only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as TF

OPS = ("translate", "shear", "rotate")


@dataclass(frozen=True)
class MaskMixConfig:
    """MaskMix hyper-parameters (config keys `maskmix.*`).

    Attributes:
        branches: number of augmentation chains (paper: 3).
        depth: operations per chain (paper Fig. 4: 3).
        max_rotate: largest rotation in degrees (authors' code: 30).
        max_translate: largest shift as a fraction of the side (authors' code: 85 px at 256 = 0.33).
        max_shear: largest shear angle in degrees (17 degrees = shear factor 0.3).
        alpha: Dirichlet concentration of the mixing weights.
        threshold: a pixel is a hole when its mixed value is >= threshold.
        max_redraws: redraws when a mix comes out empty.
    """

    branches: int = 3
    depth: int = 3
    max_rotate: float = 30.0
    max_translate: float = 85 / 256
    max_shear: float = 17.0
    alpha: float = 1.0
    threshold: float = 0.5
    max_redraws: int = 10


def _warp(
    mask: torch.Tensor, op: str, rng: np.random.Generator, cfg: MaskMixConfig
) -> torch.Tensor:
    size = mask.shape[-1]
    sign = rng.choice([-1.0, 1.0])
    angle, shift, shear = 0.0, [0, 0], [0.0, 0.0]
    if op == "rotate":
        angle = float(sign * rng.uniform(0, cfg.max_rotate))
    elif op == "translate":
        axis = int(rng.integers(2))
        shift[axis] = int(round(sign * rng.uniform(0, cfg.max_translate) * size))
    else:
        shear[int(rng.integers(2))] = float(sign * rng.uniform(0, cfg.max_shear))
    return TF.affine(
        mask,
        angle=angle,
        translate=shift,
        scale=1.0,
        shear=shear,
        interpolation=InterpolationMode.NEAREST,
        fill=0.0,
    )


def maskmix(
    seed_mask: np.ndarray, rng: np.random.Generator, cfg: MaskMixConfig = MaskMixConfig()
) -> np.ndarray:
    """Augment a seed mask `(H, W) float32 in {0, 1}` into a new binary mask of the same shape."""
    ms = torch.from_numpy(np.ascontiguousarray(seed_mask, dtype=np.float32))[None]
    for _ in range(cfg.max_redraws):
        weights = rng.dirichlet([cfg.alpha] * (cfg.branches + 1))
        mixed = weights[-1] * ms
        for b in range(cfg.branches):
            chain = ms
            for _ in range(cfg.depth):
                chain = _warp(chain, OPS[int(rng.integers(len(OPS)))], rng, cfg)
            mixed = mixed + weights[b] * chain
        out = (mixed[0] >= cfg.threshold).numpy().astype(np.float32)
        if out.any() or not seed_mask.any():
            return out
    return np.asarray(seed_mask, dtype=np.float32)
