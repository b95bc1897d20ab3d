"""GMCNN's global and local discriminators, as in the authors' PyTorch code
(`GlobalLocalDiscriminator`, d_cnum 64).

Each is four 5x5 stride-2 convs (d, 2d, 4d, 4d channels, ELU after each) and a linear layer on
the flattened map to one logit, all spectrally normalised by default. The global one sees the
whole image; the local one the hole's rectangle in the authors' rectangle setting, and the whole
image for free-form masks (their `stroke` setting), which is what every mask of this suite is.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def _out_side(size: int, layers: int = 4) -> int:
    for _ in range(layers):
        size = (size + 2 * 2 - 5) // 2 + 1
    return size


class Critic(nn.Module):
    """`(N, 3, size, size)` in [-1, 1] -> `(N, 1)` logits."""

    def __init__(self, size: int, cnum: int = 64, normalise: bool = True):
        super().__init__()
        wrap = spectral_norm if normalise else (lambda m: m)
        widths = [3, cnum, 2 * cnum, 4 * cnum, 4 * cnum]
        self.convs = nn.ModuleList(
            wrap(nn.Conv2d(widths[i], widths[i + 1], 5, 2, 2)) for i in range(4)
        )
        self.linear = wrap(nn.Linear(4 * cnum * _out_side(size) ** 2, 1))
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.size or x.shape[-2] != self.size:
            raise ValueError(
                f"this GMCNN discriminator was built for {self.size}x{self.size} images, "
                f"got {x.shape[-2]}x{x.shape[-1]}"
            )
        for conv in self.convs:
            x = F.elu(conv(x))
        return self.linear(x.flatten(1))


class GlobalLocalDiscriminator(nn.Module):
    """The two critics; `forward(global_input, local_input)` -> `(global, local)` logits."""

    def __init__(
        self, size: int, local_size: int | None = None, cnum: int = 64, normalise: bool = True
    ):
        super().__init__()
        self.global_critic = Critic(size, cnum, normalise)
        self.local_critic = Critic(local_size or size, cnum, normalise)

    def forward(
        self, whole: torch.Tensor, local: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.global_critic(whole), self.local_critic(local)
