"""GMCNN's training losses (Wang et al., NeurIPS 2018, Sec. 3.2; forms and constants from the
authors' PyTorch code, docs/fidelity/gmcnn.md).

- `confidence_weights`: the confidence-driven (spatially discounted) weights of the
  reconstruction loss: starting from the known region, 7 times blur with a `size` x `size`
  "Gaussian" (the authors' kernel with sigma 1/40 of its half-range is flat to 0.05 %), keep
  the hole part and add the known region back. The result is 0 on known pixels and decays
  from the hole's border towards its centre.
- `id_mrf`: the implicit diversified MRF loss on VGG19 features (1x1 patches, bandwidth 0.5,
  bias 1), summed over the batch.
- `gradient_penalty`: WGAN-GP's penalty (Gulrajani et al. 2017) on random interpolates.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def gauss_kernel(size: int = 65, sigma: float = 1 / 40) -> torch.Tensor:
    """The authors' `gauss_kernel` as its separable 1-D factor: `size` bins of the standard
    normal over [-sigma - h/2, sigma + h/2] (h = (2 sigma + 1) / size), square-rooted and
    normalised; their 2-D kernel, sqrt(outer(bins, bins)) / sum, is `outer(k, k)` of this `k`.
    `(size,)` float32."""
    step = (2 * sigma + 1.0) / size
    edges = torch.linspace(-sigma - step / 2, sigma + step / 2, size + 1, dtype=torch.float64)
    factor = torch.special.ndtr(edges).diff().sqrt()
    return (factor / factor.sum()).float()


@torch.no_grad()
def confidence_weights(
    masks: torch.Tensor, size: int = 65, sigma: float = 1 / 40, iterations: int = 7
) -> torch.Tensor:
    """`(N, 1, H, W)` masks (1 = hole) -> `(N, 1, H, W)` weights in [0, 1] (0 outside the
    hole); H and W must exceed `size // 2` (reflection padding)."""
    k = gauss_kernel(size, sigma).to(masks.device)
    rows, cols = k.view(1, 1, size, 1), k.view(1, 1, 1, size)
    hole = masks.float()
    known = 1 - hole
    current, weights = known, torch.zeros_like(hole)
    for _ in range(iterations):
        padded = F.pad(current, (size // 2,) * 4, mode="reflect")
        weights = F.conv2d(F.conv2d(padded, rows), cols) * hole
        current = weights + known
    return weights


def _mrf(
    generated: torch.Tensor, target: torch.Tensor, bandwidth: float, bias: float
) -> torch.Tensor:
    """ID-MRF between two `(N, C, h, w)` feature maps: for every target position, its largest
    normalised relative similarity to any generated position; -log of their mean, summed over
    the batch."""
    centre = target.mean(1, keepdim=True)  # the authors' PyTorch code: per position, over channels
    gen = F.normalize((generated - centre).flatten(2), dim=1, eps=1e-12)
    tar = F.normalize((target - centre).flatten(2), dim=1, eps=1e-12)
    distance = (1 - tar.transpose(1, 2) @ gen) / 2  # (N, target positions, generated positions)
    relative = distance / (distance.min(dim=1, keepdim=True).values + 1e-5)
    similarity = torch.softmax((bias - relative) / bandwidth, dim=1)
    best = similarity.max(dim=2).values  # (N, target positions)
    return -torch.log(best.mean(1)).sum()


def id_mrf(
    generated: dict[str, torch.Tensor],
    target: dict[str, torch.Tensor],
    style_layers: tuple[str, ...] = ("relu3_2", "relu4_2"),
    content_layers: tuple[str, ...] = ("relu4_2",),
    bandwidth: float = 0.5,
    bias: float = 1.0,
) -> torch.Tensor:
    """The authors' ID-MRF: the sum of `_mrf` over the style layers plus over the content
    layers (relu4_2 counts twice), every weight 1, on VGG19 features of the completed and the
    ground-truth images."""
    terms = [
        _mrf(generated[k].float(), target[k].float(), bandwidth, bias)
        for k in style_layers + content_layers
    ]
    return torch.stack(terms).sum()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor
) -> torch.Tensor:
    """`mean((|grad critic(x)| - 1)^2)` at `x = a real + (1 - a) fake`, a ~ U(0, 1) per sample."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
