"""RFR-Net (Li et al., CVPR 2020): recurrent feature reasoning for image inpainting.

    head      PConv 7x7 s2 (3 -> 64) + BN + ReLU, PConv k x k (64 -> 64) + BN + ReLU   at H/2
    recurrence, `iterations` times, all weights shared:
      area identification   two PConv k x k (64 -> 64), BN, LeakyReLU(0.01): the mask update of
                            the partial convs says which hole pixels became known (k - 1 px per
                            conv at H/2)
      feature reasoning     the RFR module: a 6-level U-Net (3 strided + 3 dilated levels, up to
                            512 channels) with knowledge-consistent attention after its 3rd
                            decoder level (H/8); its output is re-zeroed outside the known area
    feature merging       x = sum_i(x_i m_i) / sum_i(m_i) over the head's and every
                            iteration's features
    tail      ConvT 4x4 s2 (64 -> 64) + BN + LeakyReLU(0.01) to H; PConv 3x3 on
              cat(image, features) with the multi-channel mask cat(mask, upsampled mask)
              (67 -> 32) + LeakyReLU; a ResNet bottleneck (32, planes 8); conv 3x3 on
              cat(both) (64 -> 3), no activation.

Channels follow the authors' code (`modules/RFRNet.py`); no conv has a bias but the attention's
combiner. `width` scales every channel count (1.0 = the official 31,224,065 parameters).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.rfr.attention import KcaState, KnowledgeConsistentAttention
from geoinpaint.nn.partial_conv import PartialConv2d


def _block(conv: nn.Module, channels: int, slope: float) -> nn.Sequential:
    """conv, BN, then ReLU (`slope` 0) or LeakyReLU(`slope`)."""
    act = nn.LeakyReLU(slope, inplace=True) if slope else nn.ReLU(inplace=True)
    return nn.Sequential(conv, nn.BatchNorm2d(channels), act)


class RFRModule(nn.Module):
    """The feature-reasoning U-Net: `(N, c, H, W)` -> `(N, c, H, W)`, H a multiple of 8.

    Encoder: three 3x3 stride-2 convs (c -> 2c -> 4c -> 8c) and three 3x3 dilation-2 convs at 8c,
    BN + ReLU. Decoder: two dilation-2 convs on cat(h, skip) (16c -> 8c), then three 4x4 stride-2
    transposed convs (16c -> 8c, 12c -> 4c, 6c -> c), BN + LeakyReLU(0.2); KCA after the first
    transposed conv.
    """

    def __init__(self, c: int):
        super().__init__()
        widths = [c, 2 * c, 4 * c, 8 * c]
        self.down = nn.ModuleList(
            _block(nn.Conv2d(a, b, 3, 2, 1, bias=False), b, 0.0)
            for a, b in zip(widths, widths[1:], strict=False)
        )
        self.dilated = nn.ModuleList(
            _block(nn.Conv2d(8 * c, 8 * c, 3, 1, 2, dilation=2, bias=False), 8 * c, 0.0)
            for _ in range(3)
        )
        self.dilated_dec = nn.ModuleList(
            _block(nn.Conv2d(16 * c, 8 * c, 3, 1, 2, dilation=2, bias=False), 8 * c, 0.2)
            for _ in range(2)
        )
        self.up = nn.ModuleList(
            _block(nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), b, 0.2)
            for a, b in [(16 * c, 8 * c), (12 * c, 4 * c), (6 * c, c)]
        )
        self.att = KnowledgeConsistentAttention(8 * c)

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor, state: KcaState
    ) -> tuple[torch.Tensor, KcaState]:
        skips = [x]
        for layer in [*self.down, *self.dilated]:
            skips.append(layer(skips[-1]))
        h = skips.pop()
        for layer in self.dilated_dec:
            h = layer(torch.cat([h, skips.pop()], 1))
        for i, layer in enumerate(self.up):
            h = layer(torch.cat([h, skips.pop()], 1))
            if i == 0:
                h, state = self.att(h, valid, state)
        return h, state


class Bottleneck(nn.Module):
    """ResNet bottleneck without downsampling: 1x1 (c -> p), 3x3 (p), 1x1 (p -> c), BN, residual."""

    def __init__(self, channels: int, planes: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, planes, 1, bias=False),
            nn.BatchNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes, 3, 1, 1, bias=False),
            nn.BatchNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + x)


class RFRNet(nn.Module):
    """`forward(image, valid) -> (N, 3, H, W)` raw output (roughly [0, 1], not clamped).

    Args:
        image: `(N, 3, H, W)` in [0, 1], zero in the hole; H and W multiples of 16.
        valid: `(N, 1, H, W)` in {0, 1}, 1 = known pixel.
    """

    def __init__(self, width: float = 1.0, iterations: int = 6, kernel: int = 7):
        super().__init__()
        c, t = max(1, round(64 * width)), max(1, round(32 * width))
        self.iterations = iterations
        pad = kernel // 2
        self.pconv1 = PartialConv2d(3, c, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.pconv2 = PartialConv2d(c, c, kernel, 1, pad, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.pconv21 = PartialConv2d(c, c, kernel, 1, pad, bias=False)
        self.pconv22 = PartialConv2d(c, c, kernel, 1, pad, bias=False)
        self.bn_rec = nn.BatchNorm2d(c)
        self.rfr = RFRModule(c)
        self.tconv = nn.ConvTranspose2d(c, c, 4, 2, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c)
        self.tail1 = PartialConv2d(3 + c, t, 3, 1, 1, bias=False)
        self.tail2 = Bottleneck(t, max(1, t // 4))
        self.out = nn.Conv2d(2 * t, 3, 3, 1, 1, bias=False)

    def forward(self, image: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        x, m = self.pconv1(image, valid)
        x = F.relu(self.bn1(x))
        x, m = self.pconv2(x, m)
        x = F.relu(self.bn2(x))
        # Feature merging: the head's features count as iteration 0.
        num, den = x * m, m
        state: KcaState = None
        for _ in range(self.iterations):
            x, m = self.pconv21(x, m)
            x, m = self.pconv22(x, m)
            x = F.leaky_relu(self.bn_rec(x), 0.01)
            x, state = self.rfr(x, m, state)
            x = x * m
            num, den = num + x * m, den + m
        # The code divides the means (sums / (iterations + 1)) with eps 1e-7 on the mean.
        x = num / (den + 1e-7 * (self.iterations + 1))
        x = F.leaky_relu(self.bn3(self.tconv(x)), 0.01)
        m = F.interpolate(m, scale_factor=2.0, mode="nearest")
        # Multi-channel mask: the image channels by the input mask, the features by the last
        # iteration's mask (the code's 67-channel mask with channel-identical copies).
        tail_valid = torch.cat([valid.expand(-1, 3, -1, -1), m.expand(-1, x.shape[1], -1, -1)], 1)
        x5, _ = self.tail1(torch.cat([image, x], 1), tail_valid)
        x5 = F.leaky_relu(x5, 0.01)
        return self.out(torch.cat([x5, self.tail2(x5)], 1))
