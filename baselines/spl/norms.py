"""The normalisations of SPL's image generator: region normalisation (Yu et al., AAAI 2020),
basic (RN-B, mask-driven) and learnable (RN-L, self-detected regions), and SPADE (Park et al.,
CVPR 2019) conditioned on the learned semantic prior.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-5  # InstanceNorm2d's


def region_instance_norm(x: torch.Tensor, region: torch.Tensor) -> torch.Tensor:
    """Instance-normalise `(N, C, H, W)` features inside `region` (`(N, 1, H, W)` in {0, 1}),
    zero outside it.

    RN's code fills the rest of the map with the region's mean, instance-normalises the whole
    map and rescales by sqrt(area / HW); that is the region's own mean and variance with the
    epsilon scaled by HW / area, computed here directly. An empty region gives zeros.
    """
    area = region.sum((2, 3), keepdim=True).clamp_min(1)
    share = area / (x.shape[2] * x.shape[3])
    mean = (x * region).sum((2, 3), keepdim=True) / area
    centred = (x - mean) * region
    var = centred.pow(2).sum((2, 3), keepdim=True) / area
    return centred * share.sqrt() / (share * var + EPS).sqrt()


def split_norm(x: torch.Tensor, region: torch.Tensor) -> torch.Tensor:
    """Region normalisation: `region` and its complement each normalised on their own."""
    return region_instance_norm(x, region) + region_instance_norm(x, 1 - region)


class RegionNormB(nn.Module):
    """RN-B: the hole (mask = 1) and the valid region normalised separately, each with its own
    per-channel `(1 + gamma)` scale; both zero-initialised. As in the official code, both
    regions' `beta` are added everywhere (one effective per-channel shift)."""

    def __init__(self, channels: int):
        super().__init__()
        self.hole_gamma = nn.Parameter(torch.zeros(channels))
        self.hole_beta = nn.Parameter(torch.zeros(channels))
        self.valid_gamma = nn.Parameter(torch.zeros(channels))
        self.valid_beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """`(N, C, H, W)` features, `(N, 1, H', W')` mask (1 = hole), resized nearest."""
        m = F.interpolate(mask, size=x.shape[2:], mode="nearest")
        rn = split_norm(x, m)
        view = (1, -1, 1, 1)
        hole = rn * m * (1 + self.hole_gamma.view(view)) + self.hole_beta.view(view)
        valid = rn * (1 - m) * (1 + self.valid_gamma.view(view)) + self.valid_beta.view(view)
        return hole + valid


class RegionNormL(nn.Module):
    """RN-L: a spatial importance map (sigmoid of a 7x7 conv on the channel mean and max)
    thresholded at `threshold` splits the map into two regions, normalised separately, then
    scaled and shifted per pixel by 7x7 convs of the importance map."""

    def __init__(self, threshold: float = 0.8):
        super().__init__()
        self.threshold = threshold
        self.importance = nn.Conv2d(2, 1, 7, padding=3, bias=False)
        self.gamma = nn.Conv2d(1, 1, 7, padding=3)
        self.beta = nn.Conv2d(1, 1, 7, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        importance = torch.sigmoid(self.importance(pooled))
        region = (importance.detach() >= self.threshold).to(x.dtype)
        return split_norm(x, region) * (1 + self.gamma(importance)) + self.beta(importance)


class SPADE(nn.Module):
    """Parameter-free instance norm, modulated by `(1 + gamma)` and `beta` maps that a shared
    3x3 conv + ReLU and two 3x3 heads compute from the layout (the learned prior)."""

    def __init__(self, channels: int, layout_channels: int, hidden: int):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
        self.shared = nn.Sequential(nn.Conv2d(layout_channels, hidden, 3, padding=1), nn.ReLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, layout: torch.Tensor) -> torch.Tensor:
        actv = self.shared(F.interpolate(layout, size=x.shape[2:], mode="nearest"))
        return self.norm(x) * (1 + self.gamma(actv)) + self.beta(actv)
