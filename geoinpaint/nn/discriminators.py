"""Coarse and refinement discriminators (paper Sec. III-A, Eq. 2, Tables VI-VII).

Both are conditional: they see the occluded input image concatenated with either the ground
truth or a composited reconstruction `D_input = R * M + I * (1 - M)` (Eq. 2), 6 channels.

- `patchgan`: the pix2pix PatchGAN (Isola et al. 2017, NLayerDiscriminator): a 4x4 stride-2 conv
  + LeakyReLU(0.2), `layers - 1` more 4x4 stride-2 convs with BatchNorm and LeakyReLU (channels
  doubling up to 8 x ndf), a 4x4 stride-1 conv with BatchNorm and LeakyReLU, and a 4x4 stride-1
  conv to one logit per patch. `layers` is the number of downsampling layers d of Table VI.
  With `padding="same"` (default) the stride-1 convs keep the size, so the output is
  H / 2^d (32x32 at 256 with d = 3, 16x16 with d = 4: the sizes the paper states); pix2pix's
  own padding (`padding="pix2pix"`, the authors' code) gives 30x30 at 256.
- `dcgan`: the DCGAN discriminator (Radford et al. 2016) as Table VII describes it: five 4x4
  stride-2 convs (BatchNorm from the second on, LeakyReLU 0.2) and one fully connected layer to
  a single logit.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.registry import Registry

DISCRIMINATORS: Registry[nn.Module] = Registry("discriminator")
Padding = Literal["same", "pix2pix"]


class SamePad4(nn.Module):
    """4x4 stride-1 conv that keeps the spatial size (pads 1 before, 2 after)."""

    def __init__(self, c_in: int, c_out: int, bias: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 4, stride=1, padding=0, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (1, 2, 1, 2)))


def _conv_s1(c_in: int, c_out: int, padding: Padding, bias: bool = True) -> nn.Module:
    if padding == "same":
        return SamePad4(c_in, c_out, bias)
    return nn.Conv2d(c_in, c_out, 4, stride=1, padding=1, bias=bias)


class PatchGAN(nn.Module):
    """pix2pix PatchGAN: `(N, in_channels, H, W)` -> `(N, 1, H / 2^layers, W / 2^layers)` logits."""

    def __init__(
        self, in_channels: int = 6, ndf: int = 64, layers: int = 3, padding: Padding = "same"
    ):
        super().__init__()
        if layers < 1:
            raise ValueError(f"a PatchGAN needs at least 1 downsampling layer, got {layers}")
        if padding not in ("same", "pix2pix"):
            raise ValueError(f"padding must be 'same' or 'pix2pix', got {padding!r}")
        seq: list[nn.Module] = [
            nn.Conv2d(in_channels, ndf, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        mult = 1
        for n in range(1, layers):
            prev, mult = mult, min(2**n, 8)
            seq += [
                nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(ndf * mult),
                nn.LeakyReLU(0.2, inplace=True),
            ]
        prev, mult = mult, min(2**layers, 8)
        seq += [
            _conv_s1(ndf * prev, ndf * mult, padding, bias=False),
            nn.BatchNorm2d(ndf * mult),
            nn.LeakyReLU(0.2, inplace=True),
            _conv_s1(ndf * mult, 1, padding),
        ]
        self.net = nn.Sequential(*seq)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class DCGANDiscriminator(nn.Module):
    """DCGAN discriminator: five 4x4 stride-2 convs and a linear layer -> `(N, 1)` logits.

    The input side must be a multiple of 32.
    """

    def __init__(self, in_channels: int = 6, ndf: int = 64, size: int = 256):
        super().__init__()
        if size % 32:
            raise ValueError(f"the DCGAN discriminator needs a side divisible by 32, got {size}")
        seq: list[nn.Module] = []
        c_in = in_channels
        for n in range(5):
            c_out = ndf * min(2**n, 8)
            seq.append(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1, bias=n == 0))
            if n > 0:
                seq.append(nn.BatchNorm2d(c_out))
            seq.append(nn.LeakyReLU(0.2, inplace=True))
            c_in = c_out
        self.features = nn.Sequential(*seq)
        self.fc = nn.Linear(c_in * (size // 32) ** 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).flatten(1))


@DISCRIMINATORS.register("patchgan")
def build_patchgan(
    ndf: int = 64, layers: int = 3, padding: Padding = "same", size: int = 256
) -> nn.Module:
    """PatchGAN with `layers` downsampling layers (`size` is unused: fully convolutional)."""
    return PatchGAN(6, ndf, layers, padding)


@DISCRIMINATORS.register("dcgan")
def build_dcgan(
    ndf: int = 64, layers: int = 3, padding: Padding = "same", size: int = 256
) -> nn.Module:
    """DCGAN discriminator for `size` x `size` inputs (`layers` and `padding` do not apply)."""
    return DCGANDiscriminator(6, ndf, size)
