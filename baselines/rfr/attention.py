"""Knowledge-consistent attention (KCA) of RFR-Net.

Plain patch attention forgets between recurrences; KCA carries each iteration's attention scores
into the next one, so the features it borrows stay consistent across iterations:

    s_i      = softmax_keys(boxsum_3x3(<x_q, k / |k|>))        (1x1 patches, every position a key)
    s_i'     = (s_{i-1}' m_{i-1} + s_i |r|) / (m_{i-1} + |r|)   (from the 2nd iteration on)
    out_q    = sum_k s_i'[k, q] k / |k|

where `m_{i-1}` is the previous iteration's validity mask at this resolution and `r` one
learnable scalar. As in the authors' code: queries are not normalised, keys include the hole
positions (the code does not mask them), the 3x3 box sum runs over the *query* positions of
each key's score map, and the output is merged with the input by a 1x1 conv with a bias.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

KcaState = tuple[torch.Tensor, torch.Tensor] | None
"""(scores `(N, HW, H, W)`, mask `(N, 1, H, W)`) of the previous iteration, or None."""


class KnowledgeConsistentAttention(nn.Module):
    """`forward(x, valid, prev) -> (out, state)`: x `(N, C, H, W)`; valid `(N, 1, h, w)` in {0, 1}
    at any resolution (resized, nearest); the state feeds the next iteration's call."""

    def __init__(self, channels: int):
        super().__init__()
        self.ratio = nn.Parameter(torch.ones(1))
        self.combiner = nn.Conv2d(2 * channels, channels, 1)

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor, prev: KcaState = None
    ) -> tuple[torch.Tensor, KcaState]:
        n, c, h, w = x.shape
        if valid.shape[-2:] != (h, w):
            valid = F.interpolate(valid, size=(h, w), mode="nearest")
        # The code adds 1e-7 before normalising, so an all-zero key stays finite.
        keys = x.flatten(2) + 1e-7  # (N, C, HW)
        keys = keys / keys.pow(2).sum(1, keepdim=True).sqrt()
        scores = torch.einsum("nck,ncq->nkq", keys, x.flatten(2)).view(n, h * w, h, w)
        scores = F.avg_pool2d(scores, 3, 1, padding=1) * 9  # zero-padded 3x3 sum
        scores = torch.softmax(scores, dim=1)
        if prev is not None:
            prev_scores, prev_valid = prev
            r = self.ratio.abs() + 1e-7
            scores = (prev_scores * prev_valid + scores * r) / (prev_valid + r)
        att = torch.einsum("nkq,nck->ncq", scores.flatten(2), keys).view(n, c, h, w)
        return self.combiner(torch.cat([att, x], 1)), (scores, valid)
