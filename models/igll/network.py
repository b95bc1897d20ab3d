"""IGLL's generator (paper Sec. 3.2, Fig. 1): the pixel-level reconstruction net PIRN (coarse)
and the perception-level reconstruction net PERN (refinement), two encoder-decoders of the same
layout (widths from the authors' code, cnum = 32):

- a feature branch: 5x5 conv (c), 3x3 stride-2 (c), 3x3 (2c), 3x3 stride-2 (2c), 3x3 (4c),
  3x3 (4c), then four dilated 3x3 convolutions at rates 2, 4, 8, 16 (4c at H/4);
- an attention branch: 5x5 (c), 3x3 stride-2 (c), 3x3 (2c), 3x3 stride-2 (4c), 3x3 (4c),
  3x3 (4c, ReLU), the attention module (GAM in PIRN, FFSM in PERN), two 3x3 (4c);
- a decoder on their concatenation: 3x3 (4c), 3x3 (4c), nearest x2, 3x3 (2c), 3x3 (2c),
  nearest x2, 3x3 (c), 3x3 (c/2), 3x3 to RGB, clamped to [-1, 1].
Every convolution has a bias and ELU, no normalisation (paper Sec. 1: normalisation layers
are excluded); weights start from N(0, 0.02), biases from 0 (the authors' initialisation).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.models.igll.attention import (
    FlexibleFeatureSimilarity,
    GlobalAttention,
    Position,
    VanillaAttention,
)

Init = Literal["normal", "xavier"]


def conv(c_in: int, c_out: int, k: int = 3, stride: int = 1, rate: int = 1, act="elu") -> nn.Module:
    """k x k convolution ("same" padding) followed by ELU, ReLU or nothing."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, k, stride, rate * (k // 2), rate)]
    if act == "elu":
        layers.append(nn.ELU())
    elif act == "relu":
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Stage(nn.Module):
    """One encoder-decoder: `(N, c_in, H, W)` and the mask -> `(N, 3, H, W)` in [-1, 1].

    H and W must be multiples of 4. `attention(x, mask)` runs at H/4 on 4c channels.
    """

    def __init__(self, c_in: int, cnum: int, attention: nn.Module):
        super().__init__()
        c = cnum
        self.features = nn.Sequential(
            conv(c_in, c, 5),
            conv(c, c, stride=2),
            conv(c, 2 * c),
            conv(2 * c, 2 * c, stride=2),
            conv(2 * c, 4 * c),
            conv(4 * c, 4 * c),
            *(conv(4 * c, 4 * c, rate=r) for r in (2, 4, 8, 16)),
        )
        self.encoder = nn.Sequential(
            conv(c_in, c, 5),
            conv(c, c, stride=2),
            conv(c, 2 * c),
            conv(2 * c, 4 * c, stride=2),
            conv(4 * c, 4 * c),
            conv(4 * c, 4 * c, act="relu"),
        )
        self.attention = attention
        self.after_attention = nn.Sequential(conv(4 * c, 4 * c), conv(4 * c, 4 * c))
        self.merge = nn.Sequential(conv(8 * c, 4 * c), conv(4 * c, 4 * c))
        self.up1 = nn.Sequential(conv(4 * c, 2 * c), conv(2 * c, 2 * c))
        self.up2 = nn.Sequential(conv(2 * c, c), conv(c, c // 2), conv(c // 2, 3, act="none"))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hallucinated = self.features(x)
        attended = self.after_attention(self.attention(self.encoder(x), mask))
        y = self.merge(torch.cat([hallucinated, attended], 1))
        y = self.up1(F.interpolate(y, scale_factor=2, mode="nearest"))
        y = self.up2(F.interpolate(y, scale_factor=2, mode="nearest"))
        return y.clamp(-1, 1)


class Generator(nn.Module):
    """PIRN then PERN.

    Inputs: the occluded image `(N, 3, H, W)` in [-1, 1] with the hole set to 0, the mask
    `(N, 1, H, W)` (1 = hole) and the edge map `(N, 1, H, W)` in [0, 1] (None without the
    structure prior). PIRN reads cat(image, edges, ones, mask) (`pirn_mask`) or
    cat(image, edges, ones) (authors' code); PERN reads cat(coarse M + image (1 - M), ones, M).
    The ones channel marks the image extent for the zero padding (the authors' code).

    Args:
        cnum: base width c (32 = paper).
        gam: GAM in PIRN and inside FFSM; False puts vanilla attention there (ablation).
        ffsm: FFSM in PERN; False puts vanilla attention there (ablation).
        structure_prior: read an edge map.
        pirn_mask: PIRN also reads the mask (paper Fig. 1 and Sec. 5).
        heads, position, position_side: of every GAM.
        init: `normal` = weights from N(0, 0.02), biases 0 (the authors' code); `xavier` =
            Glorot-uniform weights, biases 0 (trains much faster at small widths).
    """

    def __init__(
        self,
        cnum: int = 32,
        gam: bool = True,
        ffsm: bool = True,
        structure_prior: bool = True,
        pirn_mask: bool = True,
        heads: int = 1,
        position: Position = "learned",
        position_side: int = 64,
        init: Init = "normal",
    ):
        super().__init__()
        if cnum < 2 or cnum % 2:
            raise ValueError(f"cnum must be an even number >= 2, got {cnum}")
        width = 4 * cnum

        def attention() -> nn.Module:
            if gam:
                return GlobalAttention(width, heads, position, position_side)
            return VanillaAttention(width)

        self.structure_prior, self.pirn_mask = structure_prior, pirn_mask
        c_in = 3 + int(structure_prior) + 1 + int(pirn_mask)
        self.pirn = Stage(c_in, cnum, attention())
        refine = FlexibleFeatureSimilarity(width, attention()) if ffsm else VanillaAttention(width)
        self.pern = Stage(5, cnum, refine)
        if init not in ("normal", "xavier"):
            raise ValueError(f"init must be 'normal' or 'xavier', got {init!r}")
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                if init == "normal":
                    nn.init.normal_(module.weight, 0.0, 0.02)
                else:
                    nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor, edges: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (coarse, refined), each `(N, 3, H, W)` in [-1, 1]."""
        ones = torch.ones_like(mask)
        parts = [image]
        if self.structure_prior:
            if edges is None:
                raise ValueError("this IGLL generator reads an edge map (structure_prior=True)")
            parts.append(edges.to(image.dtype))
        parts.append(ones)
        if self.pirn_mask:
            parts.append(mask)
        coarse = self.pirn(torch.cat(parts, 1), mask)
        filled = coarse * mask + image * (1 - mask)
        refined = self.pern(torch.cat([filled, ones, mask], 1), mask)
        return coarse, refined

    def attention_modules(self) -> list[GlobalAttention]:
        """Every GAM (PIRN's first), e.g. to set `store_attention` for the attention figure."""
        return [m for m in self.modules() if isinstance(m, GlobalAttention)]
