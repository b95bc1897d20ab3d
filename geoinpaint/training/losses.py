"""Training losses of the inpainting models (paper Sec. III-B). They may change for training
reasons; the evaluation metrics in `geoinpaint.metrics` never do.

- `l1`: mean absolute error over the whole image (Eq. 3).
- `PerceptualLoss`: LPIPS (Zhang et al. 2018) with the ImageNet VGG16 trunk (Eq. 4), the lpips
  package's v0.1 linear layers, inputs scaled from [0, 1] to [-1, 1], mean over the batch. The
  trunk is torchvision's `vgg16-397923af.pth` from the torch hub cache; without it the loss is
  unavailable (`WeightsUnavailable`) and the caller must record that it trained without it.
- `adversarial`: the GAN objective of Eq. 5 with logits, `bce` (the paper's log-likelihood form,
  binary cross-entropy with logits) or `lsgan` (least squares, the authors' code).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.metrics.weights import PERCEPTUAL_TRUNK, require, require_bundled

GanLoss = Literal["bce", "lsgan"]


def l1(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over all pixels and channels."""
    return (pred - target).abs().mean()


def adversarial(logits: torch.Tensor, real: bool, kind: GanLoss = "bce") -> torch.Tensor:
    """Loss pushing discriminator `logits` (any shape) towards real (1) or fake (0)."""
    target = torch.full_like(logits, 1.0 if real else 0.0)
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(logits, target)
    if kind == "lsgan":
        return F.mse_loss(logits, target)
    raise ValueError(f"unknown GAN loss {kind!r}, expected 'bce' or 'lsgan'")


class PerceptualLoss(nn.Module):
    """LPIPS-VGG between `(N, 3, H, W)` images in [0, 1]; frozen, gradients reach the inputs.

    Raises:
        WeightsUnavailable: the VGG16 trunk is not in the torch hub cache, or the lpips
            package's linear layers differ from the pinned file.
    """

    def __init__(self) -> None:
        super().__init__()
        require(PERCEPTUAL_TRUNK)
        require_bundled("lpips", "weights/v0.1/vgg.pth")
        import lpips

        self.net = lpips.LPIPS(net="vgg", version="0.1", verbose=False).eval()
        for p in self.net.parameters():
            p.requires_grad_(False)

    def train(self, mode: bool = True) -> PerceptualLoss:
        """The loss network stays in eval mode (no dropout) whatever the caller's mode."""
        super().train(False)
        return self

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.net(pred * 2 - 1, target * 2 - 1).mean()
