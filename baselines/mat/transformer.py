"""MAT's transformer body (Li et al. 2022, Sec. 3.2-3.3): partial convolutions and the adjusted
transformer blocks with multi-head contextual attention (MCA).

Validity masks here are `(N, 1, H, W)` feature maps or `(N, L, 1)` token columns, 1 = valid
(known or already filled); tokens are `(N, L, C)` with `L = H * W` in row-major order.

- Partial convolution (MAT's variant, not Liu et al.'s): the convolution sees the *unmasked*
  input; its activated output is multiplied by `k^2 / sum(window of the mask)` where the window
  holds a valid pixel and by 0 elsewhere; the new mask marks windows holding any valid pixel.
- Adjusted block: no LayerNorm; queries and keys from the L2-normalised tokens, values from the
  raw tokens, scale `head_dim^-1/2`, no relative-position bias; instead of residuals,
  `FC(cat[x, attention(x)])` with lrelu, then an MLP (ratio 2, lrelu) with no residual.
- MCA: attention logits towards invalid keys get -100 (as the shifted-window mask does for
  keys from another region); after attention every token of a window holding a valid token
  becomes valid (the dynamic mask update, Eq. 2 of the paper).
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.mat.layers import Conv2dLayer, FullyConnected

MASKED = -100.0


class PartialConv(nn.Module):
    """`forward(x, valid)` -> `(out, new_valid)`; with `valid=None` a plain `Conv2dLayer`."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, up: int = 1, down: int = 1):
        super().__init__()
        self.conv = Conv2dLayer(c_in, c_out, kernel, "lrelu", up=up, down=down)
        self.kernel, self.stride = kernel, down

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        out = self.conv(x)
        if valid is None:
            return out, None
        # Exact counts in float32, also under mixed precision (bf16 would round 9 / 7).
        with torch.no_grad(), torch.autocast(valid.device.type, enabled=False):
            ones = valid.new_ones(1, 1, self.kernel, self.kernel)
            count = F.conv2d(
                valid.float(), ones.float(), stride=self.stride, padding=self.kernel // 2
            )
            new_valid = count.clamp(0, 1)
            ratio = self.kernel**2 / (count + 1e-8) * new_valid
        return out * ratio.to(out.dtype), new_valid


def to_feature(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Tokens `(N, H*W, C)` -> feature map `(N, C, H, W)`."""
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], *size)


def to_tokens(x: torch.Tensor) -> torch.Tensor:
    """Feature map `(N, C, H, W)` -> tokens `(N, H*W, C)`."""
    return x.flatten(2).transpose(1, 2)


def partition(x: torch.Tensor, window: int) -> torch.Tensor:
    """`(N, H, W, C)` -> `(N * windows, window^2, C)`, windows in row-major order."""
    n, h, w, c = x.shape
    x = x.view(n, h // window, window, w // window, window, c).transpose(2, 3)
    return x.reshape(-1, window * window, c)


def merge(x: torch.Tensor, window: int, n: int, h: int, w: int) -> torch.Tensor:
    """Inverse of `partition`: `(N * windows, window^2, C)` -> `(N, H, W, C)`."""
    x = x.view(n, h // window, w // window, window, window, -1).transpose(2, 3)
    return x.reshape(n, h, w, -1)


@functools.lru_cache(maxsize=32)
def shift_mask(h: int, w: int, window: int, shift: int, device: torch.device) -> torch.Tensor:
    """`(windows, window^2, window^2)`: -100 between tokens that the cyclic shift brought
    together from different image regions (Swin's shifted-window mask), else 0."""
    region = torch.zeros(1, h, w, 1, device=device)
    cuts = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    for i, rows in enumerate(cuts):
        for j, cols in enumerate(cuts):
            region[:, rows, cols, :] = 3 * i + j
    ids = partition(region, window).squeeze(-1)
    return (ids[:, None, :] != ids[:, :, None]).float() * MASKED


class WindowAttention(nn.Module):
    """Multi-head contextual attention within windows: `(B_, L, C)` -> `(B_, L, C)`."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        if dim % heads:
            raise ValueError(f"MAT's attention width {dim} is not divisible by {heads} heads")
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        # The official separate q and k layers, as one (same parameters and initialisation).
        self.qk, self.v = FullyConnected(dim, 2 * dim), FullyConnected(dim, dim)
        self.proj = FullyConnected(dim, dim)

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor | None, region: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        b, n, c = x.shape
        qk = self.qk(F.normalize(x, dim=-1)).view(b, n, 2, self.heads, c // self.heads)
        q, k = qk.permute(2, 0, 3, 1, 4).unbind(0)
        v = self.v(x).view(b, n, self.heads, c // self.heads).transpose(1, 2)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        if region is not None:
            windows = region.shape[0]
            attn = attn.view(b // windows, windows, self.heads, n, n) + region[None, :, None]
            attn = attn.view(b, self.heads, n, n)
        if valid is not None:
            attn = attn + (1 - valid.view(b, 1, 1, n)).to(attn.dtype) * MASKED
            with torch.no_grad():
                valid = valid.amax(dim=1, keepdim=True).expand(b, n, 1)
        out = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out), valid


class Block(nn.Module):
    """One adjusted transformer block on `(N, H*W, C)` tokens (shifted windows when `shift`).

    `window` and `shift` are the official ones clamped at the build-time token side `side`:
    where the side is no larger than the window, one window covers it and nothing shifts.
    """

    def __init__(self, dim: int, heads: int, side: int, window: int, shift: bool, mlp: float):
        super().__init__()
        self.window = min(window, side)
        self.shift = self.window // 2 if shift and side > window else 0
        self.attn = WindowAttention(dim, heads)
        self.fuse = FullyConnected(2 * dim, dim, "lrelu")
        hidden = int(dim * mlp)
        self.mlp = nn.Sequential(FullyConnected(dim, hidden, "lrelu"), FullyConnected(hidden, dim))

    def forward(
        self, x: torch.Tensor, size: tuple[int, int], valid: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        (h, w), n, c, ws, s = size, x.shape[0], x.shape[2], self.window, self.shift
        if h % ws or w % ws:
            raise ValueError(f"MAT token map {h}x{w} is not divisible by its window {ws}")
        grid = x.view(n, h, w, c)
        vgrid = valid.view(n, h, w, 1) if valid is not None else None
        if s:
            grid = torch.roll(grid, (-s, -s), (1, 2))
            vgrid = torch.roll(vgrid, (-s, -s), (1, 2)) if vgrid is not None else None
        region = shift_mask(h, w, ws, s, x.device) if s else None
        out, vwin = self.attn(
            partition(grid, ws), partition(vgrid, ws) if vgrid is not None else None, region
        )
        out = merge(out, ws, n, h, w)
        vgrid = merge(vwin, ws, n, h, w) if vwin is not None else None
        if s:
            out = torch.roll(out, (s, s), (1, 2))
            vgrid = torch.roll(vgrid, (s, s), (1, 2)) if vgrid is not None else None
        x = self.mlp(self.fuse(torch.cat([x, out.reshape(n, h * w, c)], dim=-1)))
        return x, vgrid.reshape(n, h * w, 1) if vgrid is not None else None


class Stage(nn.Module):
    """One stage of the body: optional x2 resampling (partial conv, stride 2 or up 2), blocks
    (every second one shifted), a 3x3 partial conv, plus the resampled input (residual)."""

    def __init__(
        self,
        dim: int,
        depth: int,
        heads: int,
        side: int,
        window: int,
        resample: int,
        mlp: float = 2.0,
    ):
        super().__init__()
        self.resample = None
        if resample:
            up, down = (2, 1) if resample > 0 else (1, 2)
            self.resample = PartialConv(dim, dim, 3, up=up, down=down)
        self.blocks = nn.ModuleList(
            Block(dim, heads, side, window, i % 2 == 1, mlp) for i in range(depth)
        )
        self.conv = PartialConv(dim, dim, 3)

    def forward(
        self, x: torch.Tensor, size: tuple[int, int], valid: torch.Tensor | None
    ) -> tuple[torch.Tensor, tuple[int, int], torch.Tensor | None]:
        if self.resample is not None:
            vmap = to_feature(valid, size) if valid is not None else None
            feat, vmap = self.resample(to_feature(x, size), vmap)
            size = (feat.shape[2], feat.shape[3])
            x, valid = to_tokens(feat), (to_tokens(vmap) if vmap is not None else None)
        identity = x
        for block in self.blocks:
            x, valid = block(x, size, valid)
        vmap = to_feature(valid, size) if valid is not None else None
        feat, vmap = self.conv(to_feature(x, size), vmap)
        x = to_tokens(feat) + identity
        return x, size, (to_tokens(vmap) if vmap is not None else None)
