"""CSA's training losses (Liu et al., ICCV 2019, Sec. 3.4; forms and weights from the authors'
code): the relativistic average least-squares GAN and the consistency loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def relativistic_lsgan(
    real: torch.Tensor, fake: torch.Tensor, for_discriminator: bool
) -> torch.Tensor:
    """RaLSGAN as the authors' `GANLoss`: for D,
    `[mean((real - mean(fake) - 1)^2) + mean((fake - mean(real) + 1)^2)] / 2`; for G the signs
    of the targets swap. Logits of any shape."""
    target = 1.0 if for_discriminator else -1.0
    real, fake = real.float(), fake.float()
    return 0.5 * (
        ((real - fake.mean() - target) ** 2).mean() + ((fake - real.mean() + target) ** 2).mean()
    )


def consistency(features: torch.Tensor, hole: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The authors' InnerCos: `MSE(features * hole, target)` over the whole map.

    Args:
        features: `(N, C, h, w)` a generator feature map at 1/8 resolution.
        hole: `(N, 1, h, w)` bool, the hole at that resolution.
        target: `(N, C', h, w)` VGG16 relu4_3 of the ground truth (C' = 512). When C != C'
            (a width variant) the first min(C, C') channels of both are compared.
    """
    c = min(features.shape[1], target.shape[1])
    return F.mse_loss(features[:, :c].float() * hole, target[:, :c].float())
