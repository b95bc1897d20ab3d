"""IGLL's discriminator (paper Fig. 1, Eq. 5: conditioned on the edge map; layout from the
authors' code): a global branch on the whole image and a local branch on a crop around the
hole, each a stack of 5x5 stride-2 convolutions (widths d, 2d, 4d, 8d, 8d[, 8d]), every one
followed by leaky ReLU (slope 0.01) and then BatchNorm, and a linear layer to 512 features;
the two 512-vectors are concatenated, passed through leaky ReLU and a linear layer to one logit.

At 256 x 256 the global branch has 6 convolutions (256 -> 4) and the local one 5 on a 128 x 128
crop (128 -> 4), as in the code; the crop side is half the image side at any size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _halvings(side: int, n: int) -> int:
    for _ in range(n):
        side = (side + 1) // 2  # 5x5, stride 2, padding 2
    return side


class BatchNorm(nn.BatchNorm2d):
    """`nn.BatchNorm2d` that uses its running statistics where a training batch holds a single
    value per channel (one image whose map is 1 x 1: the last batch of an epoch at 64 px), which
    has no batch statistics."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and x.shape[0] * x.shape[2] * x.shape[3] == 1:
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps
            )
        return super().forward(x)


class Branch(nn.Module):
    """`(N, c_in, side, side)` -> `(N, 512)`: `layers` 5x5 stride-2 convs and a linear layer."""

    def __init__(self, c_in: int, width: int, layers: int, side: int):
        super().__init__()
        widths = [width, 2 * width, 4 * width] + [8 * width] * (layers - 3)
        blocks: list[nn.Module] = []
        for c_out in widths:
            blocks += [nn.Conv2d(c_in, c_out, 5, 2, 2), nn.LeakyReLU(0.01), BatchNorm(c_out)]
            c_in = c_out
        self.convs = nn.Sequential(*blocks)
        self.linear = nn.Linear(c_in * _halvings(side, layers) ** 2, 512)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.convs(x).flatten(1))


class GlobalLocalDiscriminator(nn.Module):
    """Global + local discriminator: `forward(images, conditions, masks)` -> `(N, 1)` logits.

    Args:
        c_in: channels of cat(image, condition): 3 + 1 with the edge map, 3 without.
        width: d (64 in the authors' code).
        size: the training image side (fixes the linear layers' inputs).
    """

    def __init__(self, c_in: int = 4, width: int = 64, size: int = 256):
        super().__init__()
        self.crop = size // 2
        self.global_branch = Branch(c_in, width, 6, size)
        self.local_branch = Branch(c_in, width, 5, self.crop)
        self.head = nn.Linear(1024, 1)
        for module in self.modules():  # the authors' initialisation
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(module.weight, 0.0, 0.02)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.normal_(module.weight, 1.0, 0.02)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """`x`: cat(image in [-1, 1], condition) `(N, c_in, size, size)`; `boxes`: `(N, 2)`
        top-left corners of the local crops (`hole_boxes`)."""
        c = self.crop
        local = torch.stack(
            [xi[:, t : t + c, s : s + c] for xi, (t, s) in zip(x, boxes.tolist(), strict=True)]
        )
        both = torch.cat([self.global_branch(x), self.local_branch(local)], 1)
        return self.head(F.leaky_relu(both, 0.01))


def hole_boxes(masks: torch.Tensor, side: int) -> torch.Tensor:
    """Top-left corners `(N, 2)` (row, col) of `side` x `side` crops centred on each mask's hole
    (its bounding box's centre; the image centre when there is no hole), kept inside the image."""
    n, _, h, w = masks.shape
    rows = masks.amax(dim=(1, 3)) > 0.5  # (N, H)
    cols = masks.amax(dim=(1, 2)) > 0.5  # (N, W)

    def centre(hit: torch.Tensor, length: int) -> torch.Tensor:
        idx = torch.arange(length, device=hit.device).expand_as(hit)
        first = torch.where(hit, idx, length).amin(1)
        last = torch.where(hit, idx, -1).amax(1)
        return torch.where(hit.any(1), (first + last) // 2, torch.full_like(first, length // 2))

    top = (centre(rows, h) - side // 2).clamp(0, h - side)
    left = (centre(cols, w) - side // 2).clamp(0, w - side)
    return torch.stack([top, left], 1)
