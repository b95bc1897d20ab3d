"""MaskMix (paper Eq. 7, Fig. 4): augment the binary mask, never the image.

    M = Phi{ w4 * Ms + sum_{i=1..3} w_i * A_i^3(A_i^2(A_i^1(Ms))) }

Each of the branches applies a chain of randomly sampled translate / shear / rotate operations to
the seed mask Ms; the branches and the seed mask are mixed with random weights (Dirichlet, so
they sum to 1) and thresholded back to a binary mask by Phi. The paper names no threshold.

`phi` chooses it:
- `seed-area` (default): the threshold is chosen per draw so that M has exactly as many hole
  pixels as its seed: the highest mixed values are kept, ties at the threshold going to pixels
  whose neighbourhood is mixed highest (a Gaussian-smoothed mix). The occlusion is reshaped and
  moved, its area is the seed's, so a model trained with MaskMix sees the hole areas of one
  trained without it (the paper compares the two: Proposed vs Proposed-).
- `threshold`: M = mix >= `threshold` (0.5, the constant of the authors' unused code). With
  Dirichlet(1) weights a pixel only the seed covers survives when w4 >= 0.5 (probability
  1/8), so holes shrink: docs/fidelity.md has the measured areas.

The authors' released code builds the mix and then returns the seed mask unchanged (a no-op, see
docs/fidelity.md); this one returns the mix. Used at training time only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from scipy.ndimage import gaussian_filter

OPS = ("translate", "shear", "rotate")
Phi = Literal["seed-area", "threshold"]
PHIS: tuple[str, ...] = ("seed-area", "threshold")
TIE_SIGMA = 0.02
"""Gaussian sigma (fraction of the side) of the smoothed mix that breaks ties under `seed-area`:
pixels next to more of the mix join the hole first, so the kept part stays compact."""


@dataclass(frozen=True)
class MaskMixConfig:
    """MaskMix hyper-parameters (config keys `augmentation.maskmix.*`).

    Attributes:
        branches: number of augmentation chains (paper: 3).
        depth: operations per chain (paper Fig. 4: 3).
        max_rotate: largest rotation in degrees (authors' code: 30).
        max_translate: largest shift as a fraction of the side (authors' code: 85 px at 256 = 0.33).
        max_shear: largest shear angle in degrees (17 degrees = shear factor 0.3).
        alpha: Dirichlet concentration of the mixing weights.
        phi: how Eq. 7's Phi binarises the mix: `seed-area` (keep the seed's hole area) or
            `threshold` (mix >= `threshold`).
        threshold: Phi's threshold under `phi: threshold`.
        max_redraws: redraws when a `threshold` mix comes out empty.
    """

    branches: int = 3
    depth: int = 3
    max_rotate: float = 30.0
    max_translate: float = 85 / 256
    max_shear: float = 17.0
    alpha: float = 1.0
    phi: Phi = "seed-area"
    threshold: float = 0.5
    max_redraws: int = 10

    def __post_init__(self) -> None:
        if self.phi not in PHIS:
            raise ValueError(f"MaskMix phi {self.phi!r} is not one of {PHIS}")


def _warp(
    mask: torch.Tensor, op: str, rng: np.random.Generator, cfg: MaskMixConfig
) -> torch.Tensor:
    # imported here, not at the top: torchvision imports torch._dynamo (~2 s), which every job
    # importing this module would pay, augmenting or not
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2 import functional as TF

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


def mix(seed_mask: np.ndarray, rng: np.random.Generator, cfg: MaskMixConfig) -> np.ndarray:
    """Eq. 7 before Phi: the weighted mix `(H, W) float32 in [0, 1]` of the seed and its chains."""
    ms = torch.from_numpy(np.ascontiguousarray(seed_mask, dtype=np.float32))[None]
    weights = rng.dirichlet([cfg.alpha] * (cfg.branches + 1))
    mixed = weights[-1] * ms
    for b in range(cfg.branches):
        chain = ms
        for _ in range(cfg.depth):
            chain = _warp(chain, OPS[int(rng.integers(len(OPS)))], rng, cfg)
        mixed = mixed + weights[b] * chain
    return mixed[0].numpy().astype(np.float32)


def keep_area(mixed: np.ndarray, n_holes: int) -> np.ndarray:
    """Phi under `seed-area`: the `n_holes` pixels of highest mixed value as a binary mask, ties
    at the threshold broken by the Gaussian-smoothed mix (then by position)."""
    flat = mixed.ravel()
    out = np.zeros(flat.size, np.float32)
    if n_holes > 0:
        kth = np.partition(flat, flat.size - n_holes)[flat.size - n_holes]
        above = flat > kth
        out[above] = 1.0
        ties = np.flatnonzero(flat == kth)
        need = n_holes - int(np.count_nonzero(above))
        if need < len(ties):
            smooth = gaussian_filter(mixed, TIE_SIGMA * mixed.shape[-1]).ravel()[ties]
            ties = ties[np.argsort(-smooth, kind="stable")[:need]]
        out[ties] = 1.0
    return out.reshape(mixed.shape)


def maskmix(
    seed_mask: np.ndarray, rng: np.random.Generator, cfg: MaskMixConfig = MaskMixConfig()
) -> np.ndarray:
    """Augment a seed mask `(H, W) float32 in {0, 1}` into a new binary mask of the same shape."""
    if cfg.phi == "seed-area":
        return keep_area(mix(seed_mask, rng, cfg), int(np.count_nonzero(seed_mask)))
    for _ in range(cfg.max_redraws):
        out = (mix(seed_mask, rng, cfg) >= cfg.threshold).astype(np.float32)
        if out.any() or not seed_mask.any():
            return out
    return np.asarray(seed_mask, dtype=np.float32)
