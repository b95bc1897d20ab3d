"""IGLL's attention modules (paper Sec. 3.4-3.5): the global attention module (GAM) of PIRN, the
flexible feature similarity module (FFSM) of PERN, and the vanilla attention the ablation study
puts in their place (Sec. 4.4 (1): "substituting the proposed GAM and FFSM with vanilla attention
mechanisms").

Every module takes `(x, mask)`: features `(N, C, h, w)` and the image mask `(N, 1, H, W)`, 1 =
hole, resized here to the feature size by nearest neighbour (as the authors' code does).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Position = Literal["learned", "random", "none"]


def feature_mask(mask: torch.Tensor, size: torch.Size | tuple[int, int]) -> torch.Tensor:
    """The image mask `(N, 1, H, W)` at the feature size (nearest neighbour)."""
    return F.interpolate(mask.float(), size=tuple(size), mode="nearest")


def masked_softmax(scores: torch.Tensor, allowed: torch.Tensor, dim: int) -> torch.Tensor:
    """Softmax over `dim` among the `allowed` entries (float32; disallowed entries get 0).

    A slice with no allowed entry gets all zeros rather than NaN (a mask covering everything).
    """
    scores = scores.float().masked_fill(~allowed, torch.finfo(torch.float32).min)
    return torch.softmax(scores, dim) * allowed


def box_sum(x: torch.Tensor, k: int) -> torch.Tensor:
    """Sum over each k x k neighbourhood of the last two dims (zero padding, odd k): FFSM's
    score propagation. Shifted slices: far faster on the CPU than `avg_pool2d` here."""
    r = k // 2
    x = F.pad(x, (r, r, r, r))
    h, w = x.shape[-2] - 2 * r, x.shape[-1] - 2 * r
    rows = sum(x[..., i : i + h, :] for i in range(k))
    return sum(rows[..., j : j + w] for j in range(k))


class GlobalAttention(nn.Module):
    """GAM: mask-aware single-head self-attention with absolute position encodings.

    Scores (BoTNet-style, no 1/sqrt(d) scaling, as the authors' code):
    `s_ij = q_i . k_j + p_i . q_j`, with q, k, v 1x1 projections and p_i = P_h[row(i)] +
    P_w[col(i)]; a hole query cannot attend to a hole key (paper Sec. 3.4: the attention is
    normalised over the known background); the output replaces the hole positions only,
    `F_o = (V A) M + F (1 - M)` (paper Eq. for F_o).

    Args:
        channels: C of the features (128 at the paper's width).
        heads: 1 (paper); h > 1 gives each head its own C-wide projections and merges them with a
            1x1 convolution W_O (the multi-head ablation, Table 4).
        position: `learned` (paper: absolute encodings learned through training), `random`
            (the authors' code: redrawn from N(0, 1) on every call; in eval mode from a fixed
            seed here) or `none` (ablation).
        side: feature side the learned encodings are sized for (training side / 4); another
            feature size interpolates them bilinearly.

    After a forward call with `store_attention = True`, `attention` holds the last attention
    weights `(N, heads, h*w, h*w)` (rows: queries), detached, for the attention-map figure.
    """

    def __init__(
        self, channels: int, heads: int = 1, position: Position = "learned", side: int = 64
    ):
        super().__init__()
        if heads < 1:
            raise ValueError(f"GAM needs at least one head, got heads={heads}")
        if position not in ("learned", "random", "none"):
            raise ValueError(f"position must be 'learned', 'random' or 'none', got {position!r}")
        self.channels, self.heads, self.position = channels, heads, position
        width = heads * channels
        self.query = nn.Conv2d(channels, width, 1)
        self.key = nn.Conv2d(channels, width, 1)
        self.value = nn.Conv2d(channels, width, 1)
        self.merge = nn.Conv2d(width, channels, 1) if heads > 1 else None
        if position == "learned":
            self.pos_h = nn.Parameter(torch.randn(heads, channels, side, 1))
            self.pos_w = nn.Parameter(torch.randn(heads, channels, 1, side))
        self.store_attention = False
        self.attention: torch.Tensor | None = None

    def positions(self, h: int, w: int, like: torch.Tensor) -> torch.Tensor | None:
        """`(heads, C, h*w)` position encodings at feature size h x w (None without them)."""
        if self.position == "none":
            return None
        if self.position == "random":
            # Training draws from the seeded global RNG; evaluation from a fixed seed, so that
            # inpainting the same input twice gives the same result.
            gen = None if self.training else torch.Generator().manual_seed(0)
            pos_h = torch.randn(self.heads, self.channels, h, 1, generator=gen)
            pos_w = torch.randn(self.heads, self.channels, 1, w, generator=gen)
            pos_h, pos_w = pos_h.to(like.device), pos_w.to(like.device)
        else:
            pos_h, pos_w = self.pos_h, self.pos_w
            if pos_h.shape[2] != h:
                pos_h = F.interpolate(pos_h, size=(h, 1), mode="bilinear", align_corners=False)
            if pos_w.shape[3] != w:
                pos_w = F.interpolate(pos_w, size=(1, w), mode="bilinear", align_corners=False)
        return (pos_h + pos_w).flatten(2).to(like.dtype)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, keys: torch.Tensor | None = None
    ) -> torch.Tensor:
        """`x` `(N, C, h, w)`; `keys`: features the keys are projected from (default `x`)."""
        n, c, h, w = x.shape
        m = feature_mask(mask, (h, w))
        q = self.query(x).view(n, self.heads, c, h * w)
        k = self.key(x if keys is None else keys).view(n, self.heads, c, h * w)
        v = self.value(x).view(n, self.heads, c, h * w)
        scores = torch.einsum("bhci,bhcj->bhij", q, k)
        pos = self.positions(h, w, q)
        if pos is not None:
            scores = scores + torch.einsum("hci,bhcj->bhij", pos, q)
        known_key = (m.view(n, 1, 1, h * w) < 0.5).expand_as(scores)
        attn = masked_softmax(scores, known_key, dim=-1)
        if self.store_attention:
            self.attention = attn.detach()
        out = torch.einsum("bhij,bhcj->bhci", attn.to(v.dtype), v).reshape(n, -1, h, w)
        if self.merge is not None:
            out = self.merge(out)
        return out * m + x * (1 - m)


class VanillaAttention(nn.Module):
    """Transformer attention (Vaswani et al., the paper's Eq. for Attention(Q, K, V)) as the
    ablation's stand-in: `x + softmax(Q K^T / sqrt(C)) V` over all positions, single head, no
    mask, no position encodings (the residual as in a transformer sublayer, no normalisation as
    everywhere in IGLL)."""

    def __init__(self, channels: int):
        super().__init__()
        self.query = nn.Conv2d(channels, channels, 1)
        self.key = nn.Conv2d(channels, channels, 1)
        self.value = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        q, k, v = (f(x).flatten(2) for f in (self.query, self.key, self.value))
        attn = torch.softmax(torch.einsum("bci,bcj->bij", q, k).float() * c**-0.5, dim=-1)
        return x + torch.einsum("bij,bcj->bci", attn.to(v.dtype), v).view(n, c, h, w)


class FlexibleFeatureSimilarity(nn.Module):
    """FFSM: GAM, then fill the hole with background patches chosen by cosine similarity.

    1. background B = F (1 - M); the GAM (queries and values from F, keys from B) gives F_g;
    2. every 3x3 patch of B, re-weighted by a channel attention B * sigmoid(W2 W1 B) (1x1
       convolutions C -> C/8 -> C), is a kernel; kernels are L2-normalised;
    3. cosine similarity of each F_g patch with each kernel (paper Eq. for s: both normalised),
       summed over a 3x3 neighbourhood (propagation);
    4. softmax over the kernels that lie wholly in the background (paper Eq. for kappa);
    5. the kernels are pasted back by a transposed convolution with these weights; the result
       replaces the hole positions of F_g.

    Args:
        channels: C.
        attention: the GAM (or the ablation's vanilla attention) of step 1.
    """

    patch = 3

    def __init__(self, channels: int, attention: nn.Module):
        super().__init__()
        self.attention = attention
        self.squeeze = nn.Conv2d(channels, max(channels // 8, 1), 1)
        self.excite = nn.Conv2d(max(channels // 8, 1), channels, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        k, pad = self.patch, self.patch // 2
        m = feature_mask(mask, (h, w))
        background = x * (1 - m)
        if isinstance(self.attention, GlobalAttention):
            fg = self.attention(x, mask, keys=background)
        else:
            fg = self.attention(x, mask)
        # 1x1 convolutions commute with cutting patches, so the re-weighting runs on the map.
        weighted = background * torch.sigmoid(self.excite(self.squeeze(background)))
        kernels = F.unfold(weighted, k, padding=pad)  # (N, C*k*k, hw): one kernel per column
        kernels = kernels / kernels.norm(dim=1, keepdim=True).clamp_min(1e-7)
        # conv2d(F_g, kernels) and conv_transpose2d(scores, kernels) as matrix products over
        # unfolded patches (the same sums, far faster on the CPU)
        patches = F.unfold(fg, k, padding=pad)
        patches = patches / patches.norm(dim=1, keepdim=True).clamp_min(1e-7)
        scores = torch.bmm(kernels.transpose(1, 2), patches).view(n, h * w, h, w)
        scores = box_sum(scores, k)
        known_patch = F.unfold(m, k, padding=pad).sum(1) == 0  # (N, hw)
        attn = masked_softmax(scores, known_patch.view(n, h * w, 1, 1).expand_as(scores), dim=1)
        pasted = torch.bmm(kernels, attn.to(kernels.dtype).view(n, h * w, h * w))
        pasted = F.fold(pasted, (h, w), k, padding=pad)
        return pasted * m + fg * (1 - m)
