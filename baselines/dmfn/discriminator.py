"""DMFN's global-local discriminator (Hui et al. 2020, Sec. III-C; the authors' `Discriminator`).

Two branches of 5x5 stride-2 convolutions with BatchNorm and LeakyReLU(0.2): a global one (six
layers, widths nf, 2nf, 4nf, 8nf, 8nf, 8nf) on the whole image and a local one (the first five)
on a half-size window around the hole, each flattened into a linear layer of 8nf outputs; their
concatenation goes through LeakyReLU and a linear layer to one logit. The local branch's
features also serve the generator's discriminator feature-matching loss. At nf = 64 and 256x256
images: 36,673,025 parameters (baselines.md).
"""

from __future__ import annotations

import torch
from torch import nn

from geoinpaint.baselines.dmfn.network import init_weights


def _down(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 5, 2, 2), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))


def _side_after(side: int, layers: int) -> int:
    for _ in range(layers):
        side = (side + 1) // 2  # a 5x5 stride-2 convolution with padding 2
    return side


class GlobalLocalDiscriminator(nn.Module):
    """`forward(local, whole)` -> `((N, 1) logits, [5 local-branch feature maps])`.

    Args:
        nf: base width (64 in the code).
        size: the side of the whole images; the local windows have half that side.
    """

    def __init__(self, nf: int = 64, size: int = 256):
        super().__init__()
        widths = (nf, 2 * nf, 4 * nf, 8 * nf, 8 * nf, 8 * nf)
        self.global_branch = nn.Sequential(
            *(_down(c_in, c_out) for c_in, c_out in zip((3, *widths[:-1]), widths, strict=True))
        )
        self.local_branch = nn.ModuleList(
            _down(c_in, c_out) for c_in, c_out in zip((3, *widths[:4]), widths[:5], strict=True)
        )
        hidden = 8 * nf  # 512 in the code, which fixes it for nf = 64
        self.global_fc = nn.Linear(8 * nf * _side_after(size, 6) ** 2, hidden)
        self.local_fc = nn.Linear(8 * nf * _side_after(size // 2, 5) ** 2, hidden)
        self.head = nn.Sequential(nn.LeakyReLU(0.2), nn.Linear(2 * hidden, 1))
        self.apply(init_weights)

    def forward(
        self, local: torch.Tensor, whole: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        x = local
        for layer in self.local_branch:
            x = layer(x)
            features.append(x)
        local_code = self.local_fc(x.flatten(1))
        global_code = self.global_fc(self.global_branch(whole).flatten(1))
        return self.head(torch.cat([local_code, global_code], 1)), features
