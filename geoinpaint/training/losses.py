"""Training losses of the inpainting models (paper Sec. III-B). They may change for training
reasons; the evaluation metrics in `geoinpaint.metrics` never do.

- `l1`: mean absolute error over the whole image (Eq. 3).
- `PerceptualLoss`: LPIPS (Zhang et al. 2018) with the ImageNet VGG16 trunk (Eq. 4), the lpips
  package's v0.1 linear layers, inputs scaled from [0, 1] to [-1, 1], mean over the batch. The
  trunk is torchvision's `vgg16-397923af.pth` from the torch hub cache; without it the loss is
  unavailable (`WeightsUnavailable`) and the caller must record that it trained without it.
- `adversarial`: a GAN objective on logits: `bce` (the task-driven paper's Eq. 5,
  binary cross-entropy with logits = the non-saturating logistic loss), `lsgan` (least squares,
  its authors' code), `hinge` (SN-PatchGAN, DeepFill v2 and many inpainting GANs: for D
  `relu(1 - real) + relu(1 + fake)`, for G `-fake`).
- `relativistic_average`: the relativistic average GAN (Jolicoeur-Martineau 2019) with BCE on
  logits, as IGLL uses it.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.metrics.weights import PERCEPTUAL_TRUNK, require, require_bundled

GanLoss = Literal["bce", "lsgan", "hinge"]


def l1(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over all pixels and channels."""
    return (pred - target).abs().mean()


def adversarial(
    logits: torch.Tensor, real: bool, kind: GanLoss = "bce", for_discriminator: bool = True
) -> torch.Tensor:
    """Loss pushing discriminator `logits` (any shape) towards real (1) or fake (0).

    `for_discriminator` matters for `hinge` only: the generator's hinge loss is `-mean(fake)`
    (call with `real=True, for_discriminator=False`)."""
    if kind == "hinge":
        if not for_discriminator:
            return -logits.float().mean()
        return F.relu(1.0 - logits if real else 1.0 + logits).float().mean()
    target = torch.full_like(logits, 1.0 if real else 0.0)
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(logits, target)
    if kind == "lsgan":
        return F.mse_loss(logits, target)
    raise ValueError(f"unknown GAN loss {kind!r}, expected 'bce', 'lsgan' or 'hinge'")


def relativistic_average(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, for_discriminator: bool
) -> torch.Tensor:
    """RaGAN with BCE: D wants real > mean(fake) and fake < mean(real); G the opposite."""
    real_rel = real_logits - fake_logits.mean()
    fake_rel = fake_logits - real_logits.mean()
    ones, zeros = torch.ones_like(real_rel), torch.zeros_like(fake_rel)
    if for_discriminator:
        return 0.5 * (
            F.binary_cross_entropy_with_logits(real_rel, ones)
            + F.binary_cross_entropy_with_logits(fake_rel, zeros)
        )
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real_rel, zeros)
        + F.binary_cross_entropy_with_logits(fake_rel, ones)
    )


class PerceptualLoss(nn.Module):
    """LPIPS-VGG between `(N, 3, H, W)` images in [0, 1]; frozen, gradients reach the inputs.

    Args:
        rescale: map the images to [-1, 1], the range the lpips package expects; False feeds
            [0, 1] unchanged (as the task-driven paper's authors' code does).

    Raises:
        WeightsUnavailable: the VGG16 trunk is not in the torch hub cache, or the lpips
            package's linear layers differ from the pinned file.
    """

    def __init__(self, rescale: bool = True) -> None:
        super().__init__()
        self.rescale = rescale
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
        if self.rescale:
            pred, target = pred * 2 - 1, target * 2 - 1
        return self.net(pred, target).mean()
