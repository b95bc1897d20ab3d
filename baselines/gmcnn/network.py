"""GMCNN's generator (Wang, Tao, Qi, Shen, Jia, NeurIPS 2018, Fig. 2; widths and layers from
the authors' PyTorch code, docs/fidelity/gmcnn.md).

Three columns see the same `(N, 4, H, W)` input (masked image, mask) with 7x7, 5x5 and 3x3
kernels. Each column: conv (c) s1, conv (2c) s2, conv (2c), conv (4c) s2, two convs (4c),
dilated convs (4c) with `dilations` (2, 4, 8, 16), two convs (4c), all at 1/4 resolution from
the second stride-2 conv on. Then each goes back to full resolution its own way:
- 7x7 column: bilinear x4 (align_corners) -> 4c channels;
- 5x5 column: nearest x2, two 5x5 convs (2c), bilinear x2 -> 2c;
- 3x3 column: nearest x2, two 3x3 convs (2c), nearest x2, two 3x3 convs (c) -> c.
The 7c concatenated channels are merged by a 3x3 conv (c/2) and a 3x3 conv to RGB, clamped to
[-1, 1]. Every conv has a bias and "same" padding (reflection, as the authors' PyTorch code, or
zeros, as their TensorFlow code), and is followed by ELU except the last; no normalisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Padding = Literal["reflect", "zero"]
COLUMNS = (7, 5, 3)  # kernel size of each column


class SameConv(nn.Module):
    """Conv with "same" padding `dilation * (k - 1) / 2` (reflection or zeros), then ELU."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        k: int,
        stride: int = 1,
        dilation: int = 1,
        padding: Padding = "reflect",
        act: bool = True,
    ):
        super().__init__()
        self.pad = dilation * (k - 1) // 2
        self.mode = "reflect" if padding == "reflect" else "constant"
        self.conv = nn.Conv2d(c_in, c_out, k, stride, dilation=dilation)
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(F.pad(x, (self.pad,) * 4, mode=self.mode))
        return F.elu(x) if self.act else x


class Upsample(nn.Module):
    """Parameter-free upsampling by `scale` (bilinear with aligned corners, or nearest)."""

    def __init__(self, scale: int, mode: Literal["bilinear", "nearest"]):
        super().__init__()
        self.scale, self.mode = scale, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = (x.shape[-2] * self.scale, x.shape[-1] * self.scale)
        if self.mode == "nearest":
            return F.interpolate(x, size=size, mode="nearest")
        return F.interpolate(x, size=size, mode="bilinear", align_corners=True)


def column(
    k: int, c: int, dilations: Sequence[int], padding: Padding, in_channels: int = 4
) -> nn.Sequential:
    """One branch of the generator with kernel `k` and base width `c` (the module docstring)."""

    def conv(c_in: int, c_out: int, stride: int = 1, dilation: int = 1) -> SameConv:
        return SameConv(c_in, c_out, k, stride, dilation, padding)

    layers = [conv(in_channels, c), conv(c, 2 * c, 2), conv(2 * c, 2 * c), conv(2 * c, 4 * c, 2)]
    layers += [conv(4 * c, 4 * c) for _ in range(2)]
    layers += [conv(4 * c, 4 * c, dilation=d) for d in dilations]
    layers += [conv(4 * c, 4 * c) for _ in range(2)]
    if k == 7:
        layers.append(Upsample(4, "bilinear"))
    elif k == 5:
        layers += [Upsample(2, "nearest"), conv(4 * c, 2 * c), conv(2 * c, 2 * c)]
        layers.append(Upsample(2, "bilinear"))
    else:
        layers += [Upsample(2, "nearest"), conv(4 * c, 2 * c), conv(2 * c, 2 * c)]
        layers += [Upsample(2, "nearest"), conv(2 * c, c), conv(c, c)]
    return nn.Sequential(*layers)


class GMCNN(nn.Module):
    """`(N, 4, H, W)` (image in [-1, 1] with the hole zeroed, mask) -> `(N, 3, H, W)` in [-1, 1].

    H and W must be multiples of 4, and with reflection padding larger than
    `min_side` (the reflection at 1/4 resolution must be shorter than the feature map).
    """

    def __init__(
        self,
        cnum: int = 32,
        dilations: Sequence[int] = (2, 4, 8, 16),
        padding: Padding = "reflect",
    ):
        super().__init__()
        if padding not in ("reflect", "zero"):
            raise ValueError(f"GMCNN padding must be 'reflect' or 'zero', got {padding!r}")
        self.columns = nn.ModuleList(column(k, cnum, dilations, padding) for k in COLUMNS)
        self.merge = nn.Sequential(
            SameConv(7 * cnum, cnum // 2, 3, padding=padding),
            SameConv(cnum // 2, 3, 3, padding=padding, act=False),
        )
        self.dilations, self.padding = tuple(dilations), padding

    @property
    def min_side(self) -> int:
        """The smallest image side the network accepts (4 with zero padding)."""
        if self.padding == "zero":
            return 4
        widest = max([1, *self.dilations]) * (COLUMNS[0] - 1) // 2
        return 4 * (widest + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h % 4 or w % 4 or min(h, w) < self.min_side:
            raise ValueError(
                f"GMCNN with dilations {self.dilations} and {self.padding} padding needs sides "
                f"that are multiples of 4 and at least {self.min_side} px, got {h}x{w} (smaller "
                "dilations or padding='zero' accept smaller images)"
            )
        x = torch.cat([col(x) for col in self.columns], 1)
        return self.merge(x).clamp(-1, 1)
