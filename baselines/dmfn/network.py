"""DMFN's generator (Hui et al. 2020, "Image Fine-grained Inpainting", Sec. III-A, Fig. 2-3).

A one-stage encoder / dense-multi-scale-fusion-block (DMFB) / decoder network on
`cat(image * (1 - M), M)` in [-1, 1], tanh output. Two layouts of the same design:

- `official` (Zheng222/DMFN, the authors' code): encoder conv5x5 -> conv3x3/2 -> conv3x3 ->
  conv3x3/2, each followed by a parameter-free InstanceNorm and ReLU (none after the first); the
  code's DMFB (`ResBlock_new`): a 3x3 reduction to C/4, four 3x3 convolutions with dilation
  1, 2, 4, 8 on it, their cumulative sums concatenated and fused by a **3x3** convolution, IN,
  residual; decoder conv3x3 and two (4x4/2 transposed conv, IN, ReLU, conv3x3, IN, ReLU) stages.
  8 blocks: 9,037,443 parameters (baselines.md).
- `port` (HannH/DMFN, the unofficial port whose 24-block model IGLL's Table 3 counts): the
  paper's DMFB, F_1 = K_1(x), F_i = K_i(d_i(x) + F_{i-1}) with dilated d_i (rates 2, 4, 8) and
  plain 3x3 K_i, concatenated, IN and a **1x1** fusion (the paper's Fig. 3), with the port's
  pre-activation (ReLU, IN) order; the port's encoder (ReLU before IN, nothing after the first
  conv) and tail (one transposed conv, a conv, bilinear x2, a conv, tanh).
  24 blocks: 13,036,483 parameters (baselines.md).
"""

from __future__ import annotations

from itertools import accumulate
from typing import Literal

import torch
from torch import nn

Layout = Literal["official", "port"]
LAYOUTS = ("official", "port")


def scaled(base: int, factor: float) -> int:
    """A channel count `base` times the width multiplier `factor`, at least 1."""
    return max(1, round(base * factor))


def conv(c_in: int, c_out: int, kernel: int, stride: int = 1, dilation: int = 1) -> nn.Conv2d:
    """Zero-padded convolution keeping the size at stride 1 (all DMFN convolutions have bias)."""
    return nn.Conv2d(c_in, c_out, kernel, stride, dilation * (kernel - 1) // 2, dilation)


def conv_norm_relu(c_in: int, c_out: int, kernel: int, stride: int = 1) -> nn.Sequential:
    """The official `conv_block`: convolution, InstanceNorm (affine=False), ReLU."""
    return nn.Sequential(conv(c_in, c_out, kernel, stride), nn.InstanceNorm2d(c_out), nn.ReLU())


class OfficialFusionBlock(nn.Module):
    """The authors' code's DMFB (`ResBlock_new`) on `(N, C, H, W)` features, C divisible by 4."""

    def __init__(self, channels: int):
        super().__init__()
        quarter = channels // 4
        self.reduce = conv(channels, quarter, 3)
        self.branches = nn.ModuleList(conv(quarter, quarter, 3, dilation=d) for d in (1, 2, 4, 8))
        self.fuse = conv(channels, channels, 3)
        # The code shares one parameter-free IN; three separate ones compute the same thing.
        self.norm_reduce = nn.InstanceNorm2d(quarter)
        self.norm_cat = nn.InstanceNorm2d(channels)
        self.norm_out = nn.InstanceNorm2d(channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.relu(self.norm_reduce(self.reduce(x)))
        dense = list(accumulate(branch(h) for branch in self.branches))  # d1, d1+d2, ...
        fused = self.fuse(self.relu(self.norm_cat(torch.cat(dense, 1))))
        return x + self.norm_out(fused)


class PortFusionBlock(nn.Module):
    """The paper's DMFB as the HannH port builds it, on `(N, C, H, W)`, C divisible by 4."""

    def __init__(self, channels: int):
        super().__init__()
        quarter = channels // 4
        self.pre = nn.Sequential(nn.ReLU(), nn.InstanceNorm2d(channels))
        self.reduce = conv(channels, quarter, 3)
        self.dilated = nn.ModuleList(conv(quarter, quarter, 3, dilation=d) for d in (2, 4, 8))
        self.combine = nn.ModuleList(conv(quarter, quarter, 3) for _ in range(4))
        self.norm = nn.InstanceNorm2d(channels)
        self.fuse = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.reduce(self.pre(x))
        fused = [self.combine[0](h)]
        for dilated, combine in zip(self.dilated, self.combine[1:], strict=True):
            fused.append(combine(dilated(h) + fused[-1]))
        return x + self.fuse(self.norm(torch.cat(fused, 1)))


def _official(nf: int, blocks: int) -> list[nn.Module]:
    def up(c_in: int, c_out: int) -> nn.Sequential:
        return nn.Sequential(
            nn.ConvTranspose2d(c_in, c_out, 4, 2, 1),
            nn.InstanceNorm2d(c_out),
            nn.ReLU(),
            conv_norm_relu(c_out, c_out, 3),
        )

    return [
        nn.Sequential(conv(4, nf, 5), nn.ReLU()),
        conv_norm_relu(nf, 2 * nf, 3, 2),
        conv_norm_relu(2 * nf, 2 * nf, 3),
        conv_norm_relu(2 * nf, 4 * nf, 3, 2),
        *(OfficialFusionBlock(4 * nf) for _ in range(blocks)),
        conv_norm_relu(4 * nf, 4 * nf, 3),
        up(4 * nf, 2 * nf),
        up(2 * nf, nf),
        conv(nf, 3, 3),
        nn.Tanh(),
    ]


def _port(nf: int, blocks: int) -> list[nn.Module]:
    def conv_relu_norm(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
        return [conv(c_in, c_out, 3, stride), nn.ReLU(), nn.InstanceNorm2d(c_out)]

    return [
        conv(4, nf, 5),
        *conv_relu_norm(nf, 2 * nf, 2),
        *conv_relu_norm(2 * nf, 2 * nf),
        *conv_relu_norm(2 * nf, 4 * nf, 2),
        *(PortFusionBlock(4 * nf) for _ in range(blocks)),
        *conv_relu_norm(4 * nf, 4 * nf),
        nn.ConvTranspose2d(4 * nf, 2 * nf, 4, 2, 1),
        nn.InstanceNorm2d(2 * nf),
        conv(2 * nf, nf, 3),
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        conv(nf, 3, 3),
        nn.Tanh(),
    ]


class DMFNGenerator(nn.Sequential):
    """`(N, 4, H, W)` = cat(image in [-1, 1] with holes zeroed, mask) -> `(N, 3, H, W)` in
    [-1, 1]; H and W multiples of 4.

    Args:
        nf: base width (64 in the paper); the blocks work on 4 * nf channels at 1/4 resolution.
        blocks: number of DMFBs (8 in the authors' code, 24 in the port IGLL counted).
        layout: `official` (authors' code) or `port` (HannH port), see the module docstring.
    """

    def __init__(self, nf: int = 64, blocks: int = 8, layout: Layout = "official"):
        if layout not in LAYOUTS:
            raise ValueError(f"unknown DMFN layout {layout!r}, expected one of {LAYOUTS}")
        if nf < 1 or blocks < 0:
            raise ValueError(f"DMFN needs nf >= 1 and blocks >= 0, got nf={nf}, blocks={blocks}")
        super().__init__(*(_official if layout == "official" else _port)(nf, blocks))
        self.apply(init_weights)


def init_weights(module: nn.Module) -> None:
    """The authors' `weights_init`: N(0, 0.02) convolutions with zero bias, BatchNorm N(1, 0.02).

    Their class-name test skips transposed convolutions and linear layers, which keep PyTorch's
    default initialisation.
    """
    if type(module) is nn.Conv2d:
        nn.init.normal_(module.weight, 0.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
