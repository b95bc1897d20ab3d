"""IGLL's own loss terms (paper Sec. 3.6); the shared ones (VGG perceptual and style losses,
the relativistic-average GAN) come from `geoinpaint.nn.vgg` and `geoinpaint.training.losses`.

SVD loss (paper Eq. for L_svd, `E_{i~k} || svd(p_i^gt) - svd(p_i^pred) ||_1`): for every
image and colour channel, the H x W matrix of the ground truth G and of the completed result P
(prediction inside the hole, known pixels outside: "real and generated images"), their singular
values in descending order, and the mean absolute difference over the k "key ranks":

    L_svd = mean over images, channels and i = 1..k of | sigma_i(G) - sigma_i(P) |

k = all singular values (min(H, W)) unless `rank` is given: the paper names no k. Images are in
[0, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from geoinpaint.training.losses import relativistic_average


def singular_values(x: torch.Tensor, rank: int = 0) -> torch.Tensor:
    """Singular values of the matrices in the last two dims, descending: `(..., k)` (float32
    or float64; `rank` > 0 keeps the top `rank`, 0 keeps all)."""
    x = x if x.dtype == torch.float64 else x.float()
    with torch.autocast(x.device.type, enabled=False):
        s = torch.linalg.svdvals(x)
    return s[..., :rank] if rank > 0 else s


def svd_distance(pred: torch.Tensor, target: torch.Tensor, rank: int = 0) -> torch.Tensor:
    """Per image: mean over channels and i <= k of `|sigma_i(target) - sigma_i(pred)|`.

    Args:
        pred, target: `(N, C, H, W)`.
        rank: top-k singular values compared (0 = all).

    Returns:
        `(N,)`; `L_svd` is its mean.
    """
    diff = singular_values(target, rank) - singular_values(pred, rank)
    return diff.abs().mean((-2, -1))


def logit_svd_penalty(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The authors' code's discriminator-side term: the mean squared difference of the singular
    values of the real and fake logit batches, each an (N x 1) matrix (so one singular value:
    the batch's L2 norm). A scalar."""
    s_real = singular_values(real.reshape(1, -1, 1))
    s_fake = singular_values(fake.reshape(1, -1, 1))
    return (s_real - s_fake).pow(2).mean()


def hole_l1(pred: torch.Tensor, target: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """L_local: mean absolute error over the hole pixels (and channels) only."""
    weight = masks.expand_as(pred)
    return ((pred - target).abs() * weight).sum() / weight.sum().clamp_min(1)


def discriminator_loss(
    real: torch.Tensor, fake: torch.Tensor, fake_shift: torch.Tensor | None = None
) -> torch.Tensor:
    """Relativistic-average discriminator loss; `fake_shift` (the SVD term, paper Eq. for
    L_dis) is added to the relativistic fake logits, the term whose target is "fake".

    Args:
        real, fake: logits `(N, 1)`.
        fake_shift: `(N, 1)`, a scalar, or None.
    """
    if fake_shift is None:
        return relativistic_average(real, fake, for_discriminator=True)
    real_rel = real - fake.mean()
    fake_rel = fake - real.mean() + fake_shift
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real_rel, torch.ones_like(real_rel))
        + F.binary_cross_entropy_with_logits(fake_rel, torch.zeros_like(fake_rel))
    )
