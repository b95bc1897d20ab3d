"""PD-GAN's deterministic prior: a partial-convolution U-Net (the authors' `models/network/
pconv.py`, after Liu et al., ECCV 2018), trained first and then frozen.

    encoder   `levels` partial convs 4x4 s2, no bias: 3 -> 64 -> 128 -> 256 -> 512 -> 512 -> 512
              (H -> H/64 at levels 6). The first has no norm or activation; the middle ones are
              LeakyReLU(0.2) -> PConv -> InstanceNorm(affine); the innermost LeakyReLU -> PConv.
    middle    4 residual blocks at the innermost width: PConv 3x3, IN, ReLU, PConv 3x3, IN (+ x).
    decoder   `levels` x (ReLU -> ConvT 4x4 s2 -> IN(affine)) on cat(up, skip) with U-Net skips
              (512 -> 512, 1024 -> 512, 1024 -> 256, 512 -> 128, 256 -> 64, 128 -> 3); the last
              has tanh instead of IN.

Images are in [-1, 1]. Partial convs use the PConv paper's renormalisation sum(1)/sum(M) (see
docs/fidelity/pdgan.md for the authors' variant). `width` scales every channel count.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.nn.partial_conv import PartialConv2d


def encoder_widths(width: float, levels: int) -> list[int]:
    """Channels of the encoder levels: 64 w * min(2^i, 8)."""
    base = max(1, round(64 * width))
    return [base * min(2**i, 8) for i in range(levels)]


class PConvResBlock(nn.Module):
    """`(x, valid) -> (x + IN(PConv(ReLU(IN(PConv(x))))), valid')`; norms without affine."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = PartialConv2d(channels, channels, 3, 1, 1, bias=False)
        self.conv2 = PartialConv2d(channels, channels, 3, 1, 1, bias=False)
        self.norm1 = nn.InstanceNorm2d(channels)
        self.norm2 = nn.InstanceNorm2d(channels)

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, m = self.conv1(x, valid)
        h, m = self.conv2(F.relu(self.norm1(h)), m)
        return x + self.norm2(h), m


class PConvUNet(nn.Module):
    """`forward(image, valid) -> (N, 3, H, W)` in [-1, 1].

    Args:
        image: `(N, 3, H, W)` in [-1, 1] (hole pixels are never read).
        valid: `(N, 1, H, W)` in {0, 1}, 1 = known; H, W multiples of 2^levels, and the
            innermost level (H / 2^levels) at least 2x2 for its instance norms.
    """

    def __init__(self, width: float = 1.0, levels: int = 6, res_blocks: int = 4):
        super().__init__()
        c = encoder_widths(width, levels)
        self.enc = nn.ModuleList(
            PartialConv2d(a, b, 4, 2, 1, bias=False) for a, b in zip([3, *c[:-1]], c, strict=True)
        )
        # Instance norms of the middle encoder levels (not the first, not the innermost).
        self.enc_norms = nn.ModuleList(nn.InstanceNorm2d(ch, affine=True) for ch in c[1:-1])
        self.middle = nn.ModuleList(PConvResBlock(c[-1]) for _ in range(res_blocks))
        ins = [c[-1]] + [2 * ch for ch in reversed(c[:-1])]
        outs = list(reversed(c[:-1])) + [3]
        self.dec = nn.ModuleList(
            nn.ConvTranspose2d(a, b, 4, 2, 1) for a, b in zip(ins, outs, strict=True)
        )
        self.dec_norms = nn.ModuleList(nn.InstanceNorm2d(ch, affine=True) for ch in outs[:-1])

    def forward(self, image: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        x, m = self.enc[0](image, valid)
        skips = [x]
        for i, conv in enumerate(self.enc[1:], start=1):
            x, m = conv(F.leaky_relu(x, 0.2), m)
            if i < len(self.enc) - 1:
                x = self.enc_norms[i - 1](x)
            skips.append(x)
        for block in self.middle:
            x, m = block(x, m)
        skips.pop()  # the innermost level reaches the decoder through the residual blocks
        for i, up in enumerate(self.dec):
            x = up(F.relu(x if i == 0 else torch.cat([x, skips.pop()], 1)))
            x = self.dec_norms[i](x) if i < len(self.dec_norms) else torch.tanh(x)
        return x
