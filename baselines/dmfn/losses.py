"""DMFN's training losses (Hui et al. 2020, Sec. III-B; weights from the authors' celeba-hq
config), besides the L1 and the relativistic GAN terms of `geoinpaint.training.losses`.

- `vgg_feature_loss`: L1 between ImageNet VGG19 relu1_1 ... relu5_1 features of the output and
  the ground truth, layer weights 1e3 / C^2; on relu1_1 and relu2_1 the **self-guided
  regression** weights every position by 1 + the normalised error map (mean over colours of the
  squared error, divided by its per-image maximum; average-pooled x2 for relu2_1), so the loss
  concentrates on the regions the generator still gets wrong.
- `centre_loss`: the **geometrical alignment constraint**: MSE between the spatial centres of
  mass (x and y in [-1, 1]) of every relu4_1 channel of output and ground truth.
- `feature_matching`: L1 between the discriminator's local-branch features of fake and real
  windows, layer weights 1e3 / C^2 (the code's widths).
- `hole_windows` / `crop`: the local discriminator's half-size window around each hole.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

VGG_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
GUIDED = {"relu1_1": 1, "relu2_1": 2}  # layer -> downsampling of the error map
DIS_CHANNELS = (64, 128, 256, 512, 512)


def _layer_weight(features: torch.Tensor) -> float:
    return 1e3 / features.shape[1] ** 2


def error_guidance(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """`(N, 1, H, W)` squared error (mean over colours) over its per-image maximum, no gradient.

    The code divides by the maximum alone; the small floor keeps a hole-free image (zero error
    everywhere) from dividing zero by zero.
    """
    error = (output.detach().float() - target.float()).pow(2).mean(1, keepdim=True)
    return error / error.amax((2, 3), keepdim=True).clamp_min(1e-12)


def vgg_feature_loss(
    out_features: dict[str, torch.Tensor],
    gt_features: dict[str, torch.Tensor],
    guidance: torch.Tensor,
) -> torch.Tensor:
    """Feature matching on `VGG_LAYERS` with self-guided weights on relu1_1 and relu2_1."""
    total = torch.zeros((), device=guidance.device)
    for name in VGG_LAYERS:
        diff = (out_features[name].float() - gt_features[name].detach().float()).abs()
        if name in GUIDED:
            diff = diff * (1 + F.avg_pool2d(guidance, GUIDED[name]))
        total = total + _layer_weight(diff) * diff.mean()
    return total


def feature_centres(features: torch.Tensor) -> torch.Tensor:
    """`(N, C, H, W)` non-negative features -> `(N, C, 2)` centres of mass (x, y) in [-1, 1).

    The authors' code builds both coordinate maps along the width (`get_coordinate_tensors`),
    so its "y" repeats x; this is the paper's constraint, with the row coordinate for y.
    """
    f = features.float() + 1e-7
    p = f / f.sum((2, 3), keepdim=True)
    h, w = f.shape[-2:]
    xs = torch.arange(w, device=f.device) / w * 2 - 1
    ys = torch.arange(h, device=f.device) / h * 2 - 1
    return torch.stack([(p.sum(2) * xs).sum(-1), (p.sum(3) * ys).sum(-1)], -1)


def centre_loss(out_features: torch.Tensor, gt_features: torch.Tensor) -> torch.Tensor:
    """MSE between the channel centres of output and (constant) ground-truth features."""
    return F.mse_loss(feature_centres(out_features), feature_centres(gt_features.detach()))


def feature_matching(fake: list[torch.Tensor], real: list[torch.Tensor]) -> torch.Tensor:
    """Sum over the 5 local-branch layers of w * mean |fake - real| (real is a constant).

    The layer weights are the code's constants 1e3 / C^2 for C = 64, 128, 256, 512, 512 (its
    widths at nf = 64), kept for narrower discriminators so the term's weight does not grow.
    """
    return sum(
        1e3 / c**2 * (f.float() - r.detach().float()).abs().mean()
        for c, f, r in zip(DIS_CHANNELS, fake, real, strict=True)
    )


def hole_windows(masks: torch.Tensor, side: int) -> list[tuple[int, int]]:
    """Top-left corners of a `side` x `side` window centred on each mask's hole bounding box,
    shifted inside the image (the image centre when a mask has no hole).

    The code crops its training rectangle's bounding box (a 128 window on 256 images) and, for
    irregular masks, a random window; centring on the hole keeps the local branch on the hole
    for any mask, deterministically.
    """
    n, _, h, w = masks.shape
    corners = []
    for mask in masks[:, 0] > 0.5:
        rows, cols = mask.any(1).nonzero(), mask.any(0).nonzero()
        cy = (rows.min() + rows.max() + 1).item() / 2 if len(rows) else h / 2
        cx = (cols.min() + cols.max() + 1).item() / 2 if len(cols) else w / 2
        top = min(max(round(cy - side / 2), 0), h - side)
        left = min(max(round(cx - side / 2), 0), w - side)
        corners.append((top, left))
    return corners


def crop(images: torch.Tensor, corners: list[tuple[int, int]], side: int) -> torch.Tensor:
    """`(N, C, H, W)` -> `(N, C, side, side)` windows at `corners` (differentiable)."""
    return torch.stack(
        [
            image[:, top : top + side, left : left + side]
            for image, (top, left) in zip(images, corners, strict=True)
        ]
    )
