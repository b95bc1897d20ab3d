"""Partial convolution (Liu et al., ECCV 2018): a convolution that sees only known pixels.

    x' = W^T (X . M) * sum(1) / sum(M) + b   where sum(M) > 0, else 0
    m' = 1 where sum(M) > 0 over the window, else 0

`M` here is the *validity* mask (1 = known), the opposite of the suite's hole masks; callers
pass `1 - hole`. Used by RFR and PD-GAN's prior network.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class PartialConv2d(nn.Conv2d):
    """`forward(x, valid) -> (out, new_valid)` with `valid` `(N, 1, H, W)` in {0, 1}.

    The mask is updated per sample with one channel (the multi-channel variant of the paper is
    not used by the methods here).
    """

    def forward(  # type: ignore[override]
        self, x: torch.Tensor, valid: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        kh, kw = self.kernel_size
        ones = torch.ones(1, 1, kh, kw, device=x.device, dtype=x.dtype)
        with torch.no_grad():
            count = F.conv2d(
                valid.to(x.dtype), ones, None, self.stride, self.padding, self.dilation
            )
            new_valid = (count > 0).to(x.dtype)
            scale = (kh * kw) / count.clamp(min=1.0) * new_valid
        raw = F.conv2d(
            x * valid, self.weight, None, self.stride, self.padding, self.dilation, self.groups
        )
        out = raw * scale
        if self.bias is not None:
            out = (out + self.bias.view(1, -1, 1, 1)) * new_valid
        return out, new_valid
