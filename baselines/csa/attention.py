"""The coherent semantic attention (CSA) layer (Liu et al., ICCV 2019, Sec. 3.2) and the hole
mask at its resolution.

The layer has no parameters. On `(N, C, H, W)` features, with 1x1 patches:
- every position p gets its best known match k*(p) = argmax_k <x_p, x_k / |x_k|> over the known
  positions k, with score D_max(p);
- the hole positions are visited in raster order: the first takes m_1 = x_{k*}; each later one
  takes m_i = a_i m_{i-1} + b_i x_{k*}, with D_ad = <m_{i-1}, x_i / |x_i|>,
  a_i = D_ad / (D_ad + D_max) and b_i = D_max / (D_ad + D_max): the value of the previous
  hole enters each new one, which is what makes the filled region coherent;
- known positions are copied through (their best match is themselves).

Every output row is a linear combination of input rows, `out = W x`, and the similarities are
constants (as in the authors' hand-written backward), so W is built without gradients by the
sequential loop above, vectorised over the batch, and `W x` is one batched matrix product. The
authors' backward returns `grad + W^T grad` (Shift-Net's identity term included), reproduced
here by a straight-through identity.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

EPS = 1e-8  # the authors' guard when dividing by a patch norm


def feature_hole(masks: torch.Tensor, halvings: int = 3, threshold: float = 5 / 16) -> torch.Tensor:
    """The hole at 1 / 2^halvings resolution: `halvings` 4x4 stride-2 averages (the authors'
    fixed convolutions with weights 1/16, zero padding), then `> threshold`.

    Args:
        masks: `(N, 1, H, W)` float, 1 = hole.

    Returns:
        `(N, 1, H / 2^halvings, W / 2^halvings)` bool, True = hole.
    """
    x = masks.float()
    for _ in range(halvings):
        x = F.avg_pool2d(x, 4, stride=2, padding=1, count_include_pad=True)
    return x > threshold


@torch.no_grad()
def attention_weights(features: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """The CSA matrix W with `out = W @ features` (no gradient: similarities are constants).

    Args:
        features: `(N, L, C)` float32, the L = H * W positions in raster order.
        hole: `(N, L)` bool, True = hole.

    Returns:
        `(N, L, L)` float32: identity rows at known positions, the raster-order mixtures of
        known positions at hole positions. A sample without holes or without any known
        position passes through unchanged.
    """
    n, length, _ = features.shape
    unit = features / (features.norm(dim=2, keepdim=True) + EPS)
    score = (features @ unit.transpose(1, 2)).masked_fill(hole[:, None, :], float("-inf"))
    d_max, k_star = score.max(dim=2)  # (N, L): best known match of every position
    weights = torch.eye(length, device=features.device).repeat(n, 1, 1)
    count = hole.sum(1)
    usable = (count > 0) & (count < length)
    if not bool(usable.any()):
        return weights
    # Holes first, each in raster order (a stable sort keeps the order among equals).
    order = torch.sort((~hole).to(torch.uint8), dim=1, stable=True).indices
    steps = int(count[usable].max())
    batch = torch.arange(n, device=features.device)
    value = torch.zeros_like(features[:, 0])
    row = torch.zeros(n, length, device=features.device)
    for i in range(steps):
        p = order[:, i]
        k = k_star[batch, p]
        matched, best = features[batch, k], d_max[batch, p]
        if i == 0:
            a, b = torch.zeros_like(best), torch.ones_like(best)
        else:
            d_ad = (value * unit[batch, p]).sum(1)
            a, b = d_ad / (d_ad + best), best / (d_ad + best)
        value = a[:, None] * value + b[:, None] * matched
        row = a[:, None] * row + b[:, None] * F.one_hot(k, length).float()
        active = (usable & (i < count))[:, None]
        weights[batch, p] = torch.where(active, row, weights[batch, p])
    return weights


def coherent_attention(x: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Apply the CSA layer.

    Args:
        x: `(N, C, H, W)` features.
        hole: `(N, 1, H, W)` bool, True = hole (`feature_hole` of the image mask).

    Returns:
        `(N, C, H, W)`: known positions unchanged, hole positions filled coherently. The input
        gradient is `g + W^T g`, as the authors' backward.
    """
    n, c, h, w = x.shape
    if hole.shape != (n, 1, h, w):
        raise ValueError(f"CSA hole mask is {tuple(hole.shape)}, expected {(n, 1, h, w)}")
    flat = x.flatten(2).transpose(1, 2)
    with torch.autocast(x.device.type, enabled=False):
        weights = attention_weights(flat.detach().float(), hole.flatten(1))
    out = torch.bmm(weights.to(flat.dtype), flat)
    out = out + (flat - flat.detach())  # the authors' extra identity gradient, value unchanged
    return out.transpose(1, 2).reshape(n, c, h, w)
