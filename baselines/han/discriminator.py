"""The EdgeConnect discriminator (Nazeri et al. 2019) that HAN and HINT both train with.

Five 4x4 convolutions with spectral normalisation and no bias (strides 2, 2, 2, 1, 1; channels
64, 128, 256, 512, 1), LeakyReLU(0.2) between them: a PatchGAN giving one logit per patch
(30x30 at 256x256, 6x6 at 64x64). The official codes apply a sigmoid inside the network; this
one returns logits and the caller applies the sigmoid where its loss needs it (BCE on logits is
the same loss as BCE on the sigmoid, computed stably).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

WIDTHS = (64, 128, 256, 512)
STRIDES = (2, 2, 2, 1, 1)


class EdgeConnectDiscriminator(nn.Module):
    """`(N, in_channels, H, W)` -> `(N, 1, H / 8 - 2, W / 8 - 2)` logits (H, W >= 32).

    Args:
        in_channels: 3 for HAN and HINT (they judge the image alone, unconditioned).
        width: channel multiplier (1.0 = the official 64-128-256-512); for CPU variants.
    """

    def __init__(self, in_channels: int = 3, width: float = 1.0):
        super().__init__()
        channels = [in_channels, *(max(1, round(c * width)) for c in WIDTHS), 1]
        layers: list[nn.Module] = []
        for i, stride in enumerate(STRIDES):
            conv = nn.Conv2d(channels[i], channels[i + 1], 4, stride, padding=1, bias=False)
            # The official N(0, 0.02) initialisation reaches the weights under the norm.
            nn.init.normal_(conv.weight, 0.0, 0.02)
            layers.append(spectral_norm(conv))
            if i < len(STRIDES) - 1:
                layers.append(nn.LeakyReLU(0.2))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
