"""HAN's generator (Deng et al., ECCV 2022, Sec. 3; official code dengyecode/hourglassattention).

A convolutional encoder brings the 4-channel input (image in [-1, 1] and validity mask) to a
`4 ngf`-channel feature map at 1/4 resolution; eight attention blocks process it in an
hourglass over the patch size, 1, 2, 4, 8 then 8, 4, 2, 1 (tokens are ps x ps patches, so the
token count shrinks and grows again while the token dimension does the opposite); a decoder of
bilinear up-sampling and residual blocks returns the image through tanh.

Each block is Laplace attention (multi-head attention whose scores get a learnable multiple of
minus the L1 grid distance between tokens) with a 3x3 output conv, and a feed-forward network of
two 3x3 convs with InstanceNorm, both residual. There is no LayerNorm. The official "decoder"
blocks are self-attention too, like the encoder blocks (query = key = value), so both halves use
one block class here.

Layer types follow the official code where `thop` counts them (InstanceNorm2d modules,
functional interpolation): `thop` MACs then reproduce IGLL's Table 3 figure.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _norm(channels: int) -> nn.Module:
    return nn.InstanceNorm2d(channels, track_running_stats=False)


class StemBlock(nn.Module):
    """The first residual block: conv - IN - SiLU - conv, plus a 1x1 projection shortcut."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 5):
        super().__init__()
        pad = kernel // 2
        self.shortcut = nn.Conv2d(c_in, c_out, 1)
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, kernel, padding=pad),
            _norm(c_out),
            nn.SiLU(),
            nn.Conv2d(c_out, c_out, kernel, padding=pad),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class ResBlock(nn.Module):
    """Pre-activation residual block: IN - SiLU - conv(stride) - IN - SiLU - conv; the shortcut
    is a strided 1x1 conv when the channels change, else the identity (stride 1 then)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.shortcut = nn.Identity() if c_in == c_out else nn.Conv2d(c_in, c_out, 1, stride)
        self.body = nn.Sequential(
            _norm(c_in),
            nn.SiLU(),
            nn.Conv2d(c_in, c_out, 3, stride, padding=1),
            _norm(c_out),
            nn.SiLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


def laplace_grid(rows: int, cols: int, device: torch.device) -> torch.Tensor:
    """`(rows*cols, rows*cols)` minus the L1 distance between the tokens' grid positions
    (tokens numbered row by row)."""
    r = torch.arange(rows, device=device).repeat_interleave(cols)
    c = torch.arange(cols, device=device).repeat(rows)
    return -((r[:, None] - r[None]).abs() + (c[:, None] - c[None]).abs()).float()


class LaplaceAttention(nn.Module):
    """Multi-head attention over ps x ps patches with the Laplace distance prior (paper Eq. 3).

    `(N, C, H, W)` -> same; H and W must be multiples of `patch`. Tokens are the flattened
    patches (dimension `C * patch^2`), split over `4 * patch` heads; scores are
    `(q k^T - softplus(a) * d_L1) / sqrt(d_head)` with `a` learnable (initialised to 1).
    """

    def __init__(self, channels: int, patch: int):
        super().__init__()
        self.patch, self.heads = patch, 4 * patch
        if (channels * patch) % 4:
            raise ValueError(
                f"Laplace attention needs channels*patch divisible by 4, got {channels}"
            )
        self.query = nn.Conv2d(channels, channels, 1)
        self.key = nn.Conv2d(channels, channels, 1)
        self.value = nn.Conv2d(channels, channels, 1)
        self.out = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.LeakyReLU(0.2))
        self.prior_scale = nn.Parameter(torch.ones(1))

    def _tokens(self, x: torch.Tensor) -> torch.Tensor:
        """`(N, C, H, W)` -> `(N, heads, tokens, C * ps^2 / heads)`."""
        n, c, h, w = x.shape
        p = self.patch
        t = x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)
        return t.reshape(n, (h // p) * (w // p), self.heads, -1).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        p = self.patch
        if h % p or w % p:
            raise ValueError(f"a {h}x{w} feature map does not split into {p}x{p} patches")
        q, k, v = (self._tokens(f(x)) for f in (self.query, self.key, self.value))
        prior = F.softplus(self.prior_scale) * laplace_grid(h // p, w // p, x.device)
        scores = (q @ k.transpose(-2, -1) + prior.to(q.dtype)) / math.sqrt(q.shape[-1])
        out = scores.softmax(-1) @ v  # (N, heads, tokens, d_head)
        out = out.transpose(1, 2).reshape(n, h // p, w // p, c, p, p)
        out = out.permute(0, 3, 1, 4, 2, 5).reshape(n, c, h, w)
        return x + self.out(out)


class HourglassBlock(nn.Module):
    """Laplace attention then the convolutional feed-forward network, both residual."""

    def __init__(self, channels: int, patch: int):
        super().__init__()
        self.attention = LaplaceAttention(channels, patch)
        self.ffn = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=2, dilation=2),
            _norm(channels),
            nn.LeakyReLU(0.2),
            nn.Conv2d(channels, channels, 3, padding=1),
            _norm(channels),
            nn.LeakyReLU(0.2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.attention(x)
        return x + self.ffn(x)


class HANGenerator(nn.Module):
    """`(N, 4, H, W)` (image in [-1, 1] with holes zeroed, validity mask) -> `(N, 3, H, W)` in
    [-1, 1]. H and W must be multiples of `4 * max(patch_sizes)` (32 at the paper's sizes).

    Args:
        ngf: encoder width (paper 64); the attention blocks run at `4 * ngf` (paper 256).
        patch_sizes: the hourglass, encoder half (the decoder half is its reverse).
    """

    def __init__(self, ngf: int = 64, patch_sizes: tuple[int, ...] = (1, 2, 4, 8)):
        super().__init__()
        c1, c2, c4 = ngf, 2 * ngf, 4 * ngf
        self.encoder = nn.Sequential(
            StemBlock(4, c1),
            ResBlock(c1, c2, stride=2),
            ResBlock(c2, c2),
            ResBlock(c2, c4, stride=2),
            ResBlock(c4, c4),
        )
        hourglass = tuple(patch_sizes) + tuple(reversed(patch_sizes))
        self.blocks = nn.Sequential(*(HourglassBlock(c4, p) for p in hourglass))
        self.up1 = nn.Sequential(ResBlock(c4, c2), ResBlock(c2, c2))
        self.up2 = nn.Sequential(ResBlock(c2, c1), ResBlock(c1, c1))
        self.to_image = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(c1, 3, 7), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.encoder(x))
        # Functional interpolation as in the official code (thop counts no MACs for it).
        x = self.up1(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True))
        x = self.up2(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True))
        return self.to_image(x)


def init_normal(module: nn.Module, std: float = 0.02) -> None:
    """The official initialisation: every conv weight N(0, std), biases zero."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
