"""CSA's two generators (Liu et al., ICCV 2019, Fig. 2; widths and layers from the authors' code,
docs/fidelity/csa.md).

- `CoarseUNet`: the rough network, pix2pix's `unet_256` (Isola et al. 2017): `depth` 4x4
  stride-2 convolutions (LeakyReLU 0.2 before, instance norm after, none on the first and the
  innermost), mirrored by 4x4 stride-2 transposed convolutions (ReLU before, instance norm after)
  with U-Net concatenations, Tanh output. Widths ngf, 2, 4, then 8 x ngf.
- `RefineUNet`: the refinement network. A 3x3 stem, then `depth` levels; each encoder level is
  LeakyReLU, 4x4 stride-2 dilation-2 conv (C -> C), IN, LeakyReLU, 3x3 conv (C -> C'), IN; each
  decoder level ReLU, 3x3 transposed conv (2C' -> C), IN, ReLU, 4x4 stride-2 transposed conv,
  IN, then concatenation with the level's input. The third level (1/8 resolution, 8 x ngf
  channels) holds the CSA layer between its 3x3 conv and its norm; the innermost level has no
  3x3 conv and no encoder norm. Linear output (no Tanh).

Every conv has a bias and every norm is an affine instance norm, as in the authors' code.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from geoinpaint.baselines.csa.attention import coherent_attention

CSA_LEVEL = 2  # index of the encoder level holding the CSA layer: output at 1/8 resolution


def _norm(c: int) -> nn.Module:
    return nn.InstanceNorm2d(c, affine=True)


def widths(ngf: int, depth: int) -> list[int]:
    """Channels after each of the `depth` downsamplings: ngf, 2 ngf, 4 ngf, then 8 ngf."""
    return [ngf * min(2**i, 8) for i in range(depth)]


def init_normal(module: nn.Module, std: float = 0.02) -> None:
    """The authors' init: conv, transposed-conv and linear weights N(0, std), biases zero
    (instance norms keep weight 1, bias 0)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class CoarseUNet(nn.Module):
    """pix2pix U-Net: `(N, 3, H, W)` in [-1, 1] -> `(N, 3, H, W)` in [-1, 1] (Tanh).

    H and W must be multiples of 2^depth.
    """

    def __init__(self, ngf: int = 64, depth: int = 8):
        super().__init__()
        if depth < 5:
            raise ValueError(f"the coarse U-Net needs at least 5 downsamplings, got {depth}")
        c = widths(ngf, depth)
        self.down = nn.ModuleList([nn.Conv2d(3, c[0], 4, 2, 1)])
        for i in range(1, depth):
            layers = [nn.LeakyReLU(0.2), nn.Conv2d(c[i - 1], c[i], 4, 2, 1)]
            self.down.append(nn.Sequential(*layers, *([_norm(c[i])] if i < depth - 1 else [])))
        # up[i] undoes down[i]; every decoder level but the innermost sees a concatenation.
        self.up = nn.ModuleList(
            [nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2 * c[0], 3, 4, 2, 1), nn.Tanh())]
        )
        for i in range(1, depth):
            c_in = c[i] if i == depth - 1 else 2 * c[i]
            self.up.append(
                nn.Sequential(
                    nn.ReLU(), nn.ConvTranspose2d(c_in, c[i - 1], 4, 2, 1), _norm(c[i - 1])
                )
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for down in self.down:
            x = down(x)
            skips.append(x)
        skips.pop()
        for up in reversed(self.up[1:]):
            x = torch.cat([up(x), skips.pop()], 1)
        return self.up[0](x)


class RefineOutput(NamedTuple):
    """The refinement network's output and the two features of the consistency loss.

    Attributes:
        image: `(N, 3, H, W)`, linear output in (about) [-1, 1].
        csa: `(N, 8 ngf, H/8, W/8)` the CSA layer's output (the authors' InnerCos).
        decoder: `(N, 8 ngf, H/8, W/8)` the first 8 ngf channels entering the CSA level's
            decoder (InnerCos2).
    """

    image: torch.Tensor
    csa: torch.Tensor
    decoder: torch.Tensor


def _encoder(c_in: int, c_out: int, level: int, depth: int) -> nn.Sequential:
    layers = [nn.LeakyReLU(0.2), nn.Conv2d(c_in, c_in, 4, 2, padding=3, dilation=2)]
    if level == depth - 1:  # innermost: no 3x3 conv, no norm
        return nn.Sequential(*layers)
    layers += [_norm(c_in), nn.LeakyReLU(0.2), nn.Conv2d(c_in, c_out, 3, 1, 1)]
    if level != CSA_LEVEL:  # there the CSA layer comes before the norm
        layers.append(_norm(c_out))
    return nn.Sequential(*layers)


def _decoder(c_in: int, c_out: int, innermost: bool = False) -> nn.Sequential:
    up = [nn.ReLU(), nn.ConvTranspose2d(c_out, c_out, 4, 2, 1), _norm(c_out)]
    if innermost:
        return nn.Sequential(*up)
    return nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2 * c_in, c_out, 3, 1, 1), _norm(c_out), *up)


class RefineUNet(nn.Module):
    """CSA's refinement network: `(N, 6, H, W)` -> `RefineOutput`; CSA at 1/8 resolution.

    H and W must be multiples of 2^depth.
    """

    def __init__(self, ngf: int = 64, depth: int = 8):
        super().__init__()
        if depth < CSA_LEVEL + 2:
            raise ValueError(f"the refinement U-Net needs at least 4 downsamplings, got {depth}")
        # Level i maps outer[i] channels at its input to inner[i] after its 3x3 conv.
        outer = widths(ngf, depth)
        inner = outer[1:] + [outer[-1]]
        self.stem = nn.Conv2d(6, ngf, 3, 1, 1)
        self.encoders = nn.ModuleList(_encoder(outer[i], inner[i], i, depth) for i in range(depth))
        self.csa_norm = _norm(inner[CSA_LEVEL])
        self.decoders = nn.ModuleList(
            _decoder(inner[i], outer[i], innermost=i == depth - 1) for i in range(depth)
        )
        self.head = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2 * ngf, 3, 3, 1, 1))
        self.csa_channels = inner[CSA_LEVEL]

    def forward(self, x: torch.Tensor, hole: torch.Tensor) -> RefineOutput:
        """`x`: `(N, 6, H, W)`; `hole`: `(N, 1, H/8, W/8)` bool (`feature_hole`)."""
        x = self.stem(x)
        skips = []
        for i, enc in enumerate(self.encoders):
            skips.append(x)
            x = enc(x)
            if i == CSA_LEVEL:
                csa = coherent_attention(x, hole)
                x = self.csa_norm(csa)
        for i in reversed(range(len(self.decoders))):
            if i == CSA_LEVEL:
                decoder = x[:, : self.csa_channels]
            x = torch.cat([self.decoders[i](x), skips[i]], 1)
        return RefineOutput(self.head(x), csa, decoder)
