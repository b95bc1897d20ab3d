"""MAT's discriminator (official `networks/mat.py`): two StyleGAN2 residual discriminators in one
module, one for the final output and one, at half width, for the stage-1 output.

Each sees `cat(valid - 0.5, image)` (4 channels, valid = 1 on known pixels, images in [-1, 1]):
a 1x1 FromRGB conv, residual blocks halving the side down to 4x4 (3x3 conv, 3x3 stride-2 conv,
1x1 stride-2 skip, both branches scaled by sqrt(1/2)), the minibatch standard-deviation
channel, a 3x3 conv and two linear layers to one logit per image.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from geoinpaint.baselines.mat.layers import Conv2dLayer, FullyConnected
from geoinpaint.baselines.mat.network import REFINE_CHANNELS, log2_exact

HALF = math.sqrt(0.5)


class DisBlock(nn.Module):
    """`(N, c_in, H, W)` -> `(N, c_out, H / 2, W / 2)`, residual."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv0 = Conv2dLayer(c_in, c_in, 3, "lrelu")
        self.conv1 = Conv2dLayer(c_in, c_out, 3, "lrelu", down=2)
        self.skip = Conv2dLayer(c_in, c_out, 1, down=2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x, gain=HALF) + self.conv1(self.conv0(x), gain=HALF)


class MinibatchStd(nn.Module):
    """Appends one channel: the feature standard deviation over groups of `group` images.

    StyleGAN2 needs the batch size divisible by the group; here the group is the largest
    divisor of the batch size not above `group`, so any batch (a short last one too) works.
    """

    def __init__(self, group: int = 4):
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = max(d for d in range(1, min(self.group, n) + 1) if n % d == 0)
        y = x.float().reshape(g, -1, c, h, w)
        y = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))
        y = y.view(-1, 1, 1, 1).repeat(g, 1, h, w).to(x.dtype)
        return torch.cat([x, y], dim=1)


class Trunk(nn.Module):
    """One residual discriminator with widths `REFINE_CHANNELS * width`: -> `(N, 1)` logits."""

    def __init__(self, size: int, width: float, group: int):
        super().__init__()

        def nf(res: int) -> int:
            return max(1, round(REFINE_CHANNELS[res] * width))

        top = log2_exact(size, "image size")
        if top < 3:
            raise ValueError(f"MAT's discriminator needs at least 8x8 images, got {size}")
        layers: list[nn.Module] = [Conv2dLayer(4, nf(size), 1, "lrelu")]
        layers += [DisBlock(nf(2**r), nf(2 ** (r - 1))) for r in range(top, 2, -1)]
        layers += [MinibatchStd(group), Conv2dLayer(nf(4) + 1, nf(4), 3, "lrelu")]
        self.features = nn.Sequential(*layers)
        self.fc0 = FullyConnected(nf(4) * 16, nf(4), "lrelu")
        self.fc1 = FullyConnected(nf(4), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc1(self.fc0(self.features(x).flatten(1)))


class Discriminator(nn.Module):
    """`forward(images, valid, stage1)` -> `(logits, logits_stage1)`, each `(N, 1)`.

    Args:
        size: image side (a power of two, at least 8; other sides fail at the linear layer).
        width: channel multiplier (1.0 = official; the stage-1 trunk has half of it).
        group: minibatch-std group size (the official run has 4 images per GPU, so 4).
        two_stage: without stage 2 there is one output, judged by the full-width trunk.
    """

    def __init__(self, size: int, width: float = 1.0, group: int = 4, two_stage: bool = True):
        super().__init__()
        self.main = Trunk(size, width, group)
        self.stage1 = Trunk(size, width / 2, group) if two_stage else None

    def forward(
        self, images: torch.Tensor, valid: torch.Tensor, stage1: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        logits = self.main(torch.cat([valid - 0.5, images], 1))
        if self.stage1 is None or stage1 is None:
            return logits, None
        return logits, self.stage1(torch.cat([valid - 0.5, stage1], 1))
