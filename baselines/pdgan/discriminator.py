"""PD-GAN's discriminator: the pix2pixHD / SPADE multiscale PatchGAN (authors'
`models/network/Discriminator.py`, `norm_D = spectralinstance`, `num_D = 2`, `n_layers_D = 4`).

Each scale: conv 4x4 s2 (6 -> 64) + LeakyReLU(0.2); three spectral-norm convs 4x4 without bias
(64 -> 128 s2, 128 -> 256 s2, 256 -> 512 s1), each + InstanceNorm + LeakyReLU(0.2); conv 4x4 s1
(512 -> 1). Padding 2 everywhere (the code's ceil((4 - 1) / 2)). The next scale sees the input
average-pooled 3x3 s2. Every layer's output is returned, for the feature-matching loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


class PatchDiscriminator(nn.Module):
    """`(N, in_channels, H, W)` -> list of every layer's output, the last one the logits."""

    def __init__(self, in_channels: int = 6, ndf: int = 64, layers: int = 4):
        super().__init__()
        seq = [nn.Sequential(nn.Conv2d(in_channels, ndf, 4, 2, 2), nn.LeakyReLU(0.2))]
        nf = ndf
        for n in range(1, layers):
            prev, nf = nf, min(2 * nf, 8 * ndf)
            stride = 1 if n == layers - 1 else 2
            conv = spectral_norm(nn.Conv2d(prev, nf, 4, stride, 2, bias=False))
            seq.append(nn.Sequential(conv, nn.InstanceNorm2d(nf), nn.LeakyReLU(0.2)))
        seq.append(nn.Sequential(nn.Conv2d(nf, 1, 4, 1, 2)))
        self.layers = nn.ModuleList(seq)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = []
        for layer in self.layers:
            x = layer(x)
            outs.append(x)
        return outs


class MultiscaleDiscriminator(nn.Module):
    """`num_d` PatchGANs on successively 2x average-pooled inputs; returns one feature list
    per scale (finest first)."""

    def __init__(self, in_channels: int = 6, ndf: int = 64, layers: int = 4, num_d: int = 2):
        super().__init__()
        self.scales = nn.ModuleList(
            PatchDiscriminator(in_channels, ndf, layers) for _ in range(num_d)
        )

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        outs = []
        for i, d in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, 2, padding=1, count_include_pad=False)
            outs.append(d(x))
        return outs
