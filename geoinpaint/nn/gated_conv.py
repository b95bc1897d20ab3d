"""Gated convolution (Yu et al., ICCV 2019, "Free-form image inpainting with gated
convolution"): `out = act(conv_f(x)) * sigmoid(conv_g(x))`, a learned soft mask per channel and
pixel. Used by IGLL's and HiFill's generators.
"""

from __future__ import annotations

import torch
from torch import nn


class GatedConv2d(nn.Module):
    """A feature convolution gated by a sigmoid convolution of the same shape.

    Args:
        c_in, c_out, kernel, stride, dilation: as `nn.Conv2d` ("same" padding for odd kernels).
        activation: applied to the features (`None` = identity, e.g. for an output layer).
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int = 3,
        stride: int = 1,
        dilation: int = 1,
        activation: nn.Module | None = None,
    ):
        super().__init__()
        padding = dilation * (kernel - 1) // 2
        self.feature = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation)
        self.gate = nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation)
        self.activation = activation if activation is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.feature(x)) * torch.sigmoid(self.gate(x))
