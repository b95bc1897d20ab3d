"""AugMix (Hendrycks et al., ICLR 2020) on the image only, for the paper's Table VIII.

The paper (Sec. IV-L, Fig. 10): AugMix "augments/changes the original image but does not modify
the mask", so the mask is never read here. `width` chains of 1..3 operations (depth random
unless fixed) are applied to the image; the chains are mixed with Dirichlet weights and the mix
is blended with the original by a Beta-distributed weight. Operations are AugMix's set:
autocontrast, equalize, posterize, solarize, rotate, shear x/y, translate x/y, with magnitudes
scaled by `severity` (out of 10); geometric operations fill uncovered pixels with black, as the
reference implementation's PIL transforms do.

Geometric operations move content under a fixed mask: fine for a scene label, not for a label
map or a panorama matched to an aerial view (paper Sec. IV-L). `moves_content` says whether a
configuration does; the training entry point refuses such a configuration outside scene
classification, while colour operations alone keep every pixel in place.

`jensen_shannon` is AugMix's consistency term, JS(p_clean; p_aug1; p_aug2), used by the
task-driven routine's `jsd_weight` option on the frozen task network's predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

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

    def __post_init__(self) -> None:
        unknown = sorted(set(self.ops) - set(OPS))
        if unknown or not self.ops:
            raise ValueError(f"AugMix ops {unknown or '[]'}: expected a subset of {OPS}")


def moves_content(cfg: AugMixConfig) -> list[str]:
    """The geometric operations of `cfg` (they move content away from fixed labels)."""
    return [op for op in cfg.ops if op in GEOMETRIC_OPS]


def _apply(op: str, img: torch.Tensor, level: float) -> torch.Tensor:
    """One op on a `(3, H, W) uint8` image; level in [-1, 1] (colour ops: [0, 1])."""
    # imported here, not at the top: torchvision imports torch._dynamo (~2 s), which every job
    # importing this module would pay, augmenting or not
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2 import functional as TF

    size = img.shape[-1]
    if op == "autocontrast":
        return TF.autocontrast(img)
    if op == "equalize":
        return TF.equalize(img)
    if op == "posterize":
        return TF.posterize(img, bits=max(1, 4 - int(level * 4)))
    if op == "solarize":
        return TF.solarize(img, threshold=256 - int(level * 256))
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
    return TF.affine(
        img,
        angle=angle,
        translate=shift,
        scale=1.0,
        shear=shear,
        interpolation=InterpolationMode.BILINEAR,
        fill=0,
    )


def augmix(
    image: np.ndarray, rng: np.random.Generator, cfg: AugMixConfig = AugMixConfig()
) -> np.ndarray:
    """AugMix an image `(H, W, 3) float32 in [0, 1]`; returns the same shape and range."""
    img8 = torch.from_numpy(np.rint(image * 255).astype(np.uint8)).permute(2, 0, 1).contiguous()
    weights = rng.dirichlet([cfg.alpha] * cfg.width)
    skip = float(rng.beta(cfg.alpha, cfg.alpha))
    mixed = torch.zeros(img8.shape, dtype=torch.float32)
    for w in weights:
        chain = img8
        for _ in range(cfg.depth if cfg.depth > 0 else int(rng.integers(1, 4))):
            op = cfg.ops[int(rng.integers(len(cfg.ops)))]
            level = rng.uniform(0.1, cfg.severity) / 10 * rng.choice([-1.0, 1.0])
            chain = _apply(op, chain, float(abs(level) if op in COLOUR_OPS else level))
        mixed += float(w) * chain.float() / 255
    out = skip * img8.float() / 255 + (1 - skip) * mixed
    return out.permute(1, 2, 0).clamp(0, 1).numpy().astype(np.float32)


def jensen_shannon(*logits: torch.Tensor) -> torch.Tensor:
    """AugMix's consistency loss: the Jensen-Shannon divergence of the softmax distributions of
    `logits` (each `(N, C, ...)`, classes on dim 1), `mean_k KL(p_k || mean_j p_j)`, averaged
    over the batch (and any spatial positions). In nats."""
    probs = [F.softmax(z.float(), dim=1) for z in logits]
    log_mixture = torch.stack(probs).mean(0).clamp(1e-7, 1).log()
    kl = [F.kl_div(log_mixture, p, reduction="none").sum(1).mean() for p in probs]
    return torch.stack(kl).mean()
