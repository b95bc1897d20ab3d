"""CSA's two discriminators (Liu et al., ICCV 2019, Sec. 3.3; layers from the authors' code).

- `PatchDiscriminator`: the 70x70 PatchGAN on the RGB output, with instance norm (affine) and
  biased convs: 4x4 convs, stride 2 to ndf, 2, 4 ndf, stride 1 to 8 ndf and to one logit;
  LeakyReLU 0.2. (`geoinpaint.nn.discriminators.PatchGAN` is the batch-norm, 6-channel
  variant of the task-driven paper, hence this one.)
- `FeaturePatchDiscriminator`: the "feature patch discriminator" on VGG16 relu3_3 features
  (256 channels): three 4x4 stride-2 convs to `width` channels, LeakyReLU after the first two,
  a non-affine instance norm after the second; its output is a `width`-channel map of logits.
"""

from __future__ import annotations

import torch
from torch import nn


class PatchDiscriminator(nn.Module):
    """`(N, 3, H, W)` in [-1, 1] -> `(N, 1, H/8 - 2, W/8 - 2)` logits."""

    def __init__(self, ndf: int = 64, layers: int = 3):
        super().__init__()
        seq: list[nn.Module] = [nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2)]
        c = ndf
        for n in range(1, layers + 1):
            c_out = ndf * min(2**n, 8)
            stride = 2 if n < layers else 1
            seq += [
                nn.Conv2d(c, c_out, 4, stride, 1),
                nn.InstanceNorm2d(c_out, affine=True),
                nn.LeakyReLU(0.2),
            ]
            c = c_out
        seq.append(nn.Conv2d(c, 1, 4, 1, 1))
        self.net = nn.Sequential(*seq)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class FeaturePatchDiscriminator(nn.Module):
    """`(N, 256, h, w)` VGG16 relu3_3 features -> `(N, width, h/8, w/8)` logits."""

    def __init__(self, width: int = 512, in_channels: int = 256):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, width, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, width, 4, 2, 1),
            nn.InstanceNorm2d(width),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, width, 4, 2, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
