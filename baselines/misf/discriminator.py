"""EdgeConnect's 70x70 PatchGAN (Nazeri et al. 2019), the discriminator of MISF and of SPL.

Five 4x4 convolutions with spectral norm and no bias: stride 2 to 64, 128 and 256 channels,
stride 1 to 512 and to one channel, LeakyReLU(0.2) between them. Both official codes end it with
a sigmoid and train it with `BCELoss` (nsgan); here it returns the logits and the losses use
`binary_cross_entropy_with_logits`, the same objective computed stably. At 256x256 it gives a
30x30 map. The channel `width` multiplier (1.0 = official) is the CPU variant's knob.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

BASE_CHANNELS = (64, 128, 256, 512)


def scaled(channels: int, width: float) -> int:
    """`channels * width`, rounded, at least 1 (every network's width multiplier)."""
    return max(1, round(channels * width))


class EdgePatchGAN(nn.Module):
    """`(N, in_channels, H, W)` image -> `(N, 1, H/8 - 2, W/8 - 2)` logits (H >= 32)."""

    def __init__(self, in_channels: int = 3, width: float = 1.0):
        super().__init__()
        c1, c2, c3, c4 = (scaled(c, width) for c in BASE_CHANNELS)
        layers: list[nn.Module] = []
        for c_in, c_out, stride in ((in_channels, c1, 2), (c1, c2, 2), (c2, c3, 2), (c3, c4, 1)):
            layers += [_sn_conv(c_in, c_out, stride), nn.LeakyReLU(0.2, inplace=True)]
        layers.append(_sn_conv(c4, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _sn_conv(c_in: int, c_out: int, stride: int) -> nn.Module:
    conv = nn.Conv2d(c_in, c_out, 4, stride=stride, padding=1, bias=False)
    return spectral_norm(conv)
