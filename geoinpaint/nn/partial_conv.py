"""Partial convolution (Liu et al., ECCV 2018): a convolution that sees only known pixels.

    x' = W^T (X . M) * sum(1) / sum(M) + b   where sum(M) > 0, else 0
    m' = 1 where sum(M) > 0 over the window, else 0

`M` here is the *validity* mask (1 = known), the opposite of the suite's hole masks; callers
pass `1 - hole`. The sums run over the window and, for a multi-channel mask (one mask channel
per input channel, NVIDIA's `multi_channel=True`), over the channels too: `sum(1) = C_in k^2`.
A one-channel mask stands for the same mask on every input channel, which gives the same
output as repeating it; it costs `C_in` times less. Used by RFR and PD-GAN's prior network.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class PartialConv2d(nn.Conv2d):
    """`forward(x, valid) -> (out, new_valid)`.

    `x` is `(N, C_in, H, W)`; `valid` is `(N, 1, H, W)` (one mask for every channel) or
    `(N, C_in, H, W)` (one per channel), float in {0, 1}. `new_valid` is `(N, 1, H', W')`: the
    updated mask is the same for every output channel.
    """

    def forward(  # type: ignore[override]
        self, x: torch.Tensor, valid: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        channels = valid.shape[1]
        if channels not in (1, self.in_channels) or (channels > 1 and self.groups > 1):
            raise ValueError(
                f"partial conv with {self.in_channels} input channels (groups={self.groups}) "
                f"got a {channels}-channel mask; expected 1 or {self.in_channels} (groups=1)"
            )
        kh, kw = self.kernel_size
        # Window counts reach C_in k^2 (603 in RFR's tail): float32 keeps them exact where
        # bfloat16 autocast would round them.
        with torch.no_grad(), torch.autocast(x.device.type, enabled=False):
            ones = torch.ones(1, channels, kh, kw, device=x.device)
            count = F.conv2d(valid.float(), ones, None, self.stride, self.padding, self.dilation)
            new_valid = (count > 0).float()
            scale = (channels * kh * kw) / count.clamp(min=1.0) * new_valid
        raw = F.conv2d(
            x * valid.to(x.dtype),
            self.weight,
            None,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
        )
        out = raw * scale.to(raw.dtype)
        if self.bias is not None:
            out = (out + self.bias.view(1, -1, 1, 1)) * new_valid.to(out.dtype)
        return out, new_valid.to(x.dtype)
