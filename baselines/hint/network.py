"""HINT's generator (Chen, Atapour-Abarghouei, Shum; IEEE TMM 2024, Sec. III; official code
ChrisChen1023/HINT, a Restormer-style U-shaped transformer).

- Gated embedding: a 3x3 conv to `2 dim` channels, halves combined as GELU(a) * b.
- Sandwich block (Sec. III-C): `x += FFN(LN x); x += SCAL(LN x); x += FFN(LN x)`, the FFN being
  the gated depthwise-conv feed-forward network.
- SCAL (Sec. III-B), the spatially-activated channel attention layer: channel attention
  (transposed attention over L2-normalised spatial vectors, a learnable temperature per head)
  multiplied by a spatial activation branch (2x average pool, two 3x3 conv - LN - ReLU, 2x
  nearest up-sampling), then a 1x1 projection.
- MPD (Sec. III-A), mask-aware pixel-shuffle down-sampling: a 3x3 conv halves the channels,
  pixel-unshuffle quadruples them; the mask at that resolution is pixel-unshuffled too, and each
  feature channel is paired with the mask of its own sub-pixel position and fused by a grouped
  3x3 conv (one group per pair), so no feature is mixed with another position's validity.
- Up-sampling: a 3x3 conv doubling the channels and pixel-shuffle.
- Four levels (dim, 2 dim, 4 dim, 8 dim), skips concatenated; 1x1 reductions at levels 3 and 2,
  none at level 1 (which runs at 2 dim); output conv and (tanh + 1) / 2.

LayerNorm is a custom module over the channel axis, as in the official code (thop counts no MACs
for it, which keeps thop's figure comparable with the official 211.67 G).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of `(N, C, H, W)` at every pixel, with weight and bias."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.layer_norm(x.permute(0, 2, 3, 1), x.shape[1:2], self.weight, self.bias, 1e-5)
        return y.permute(0, 3, 1, 2)


class GatedFFN(nn.Module):
    """1x1 to `2 hidden`, depthwise 3x3, GELU(a) * b, 1x1 back; `hidden = int(dim * factor)`."""

    def __init__(self, dim: int, factor: float):
        super().__init__()
        hidden = int(dim * factor)
        self.project_in = nn.Conv2d(dim, 2 * hidden, 1, bias=False)
        self.depthwise = nn.Conv2d(
            2 * hidden, 2 * hidden, 3, padding=1, groups=2 * hidden, bias=False
        )
        self.project_out = nn.Conv2d(hidden, dim, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.depthwise(self.project_in(x)).chunk(2, dim=1)
        return self.project_out(F.gelu(a) * b)


class SCAL(nn.Module):
    """Spatially-activated channel attention: `(N, dim, H, W)` -> same (H, W even)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        if dim % heads:
            raise ValueError(f"SCAL needs dim divisible by its heads, got dim {dim}, {heads} heads")
        self.heads = heads
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.qkv = nn.Conv2d(dim, 3 * dim, 1, bias=False)
        self.qkv_depthwise = nn.Conv2d(3 * dim, 3 * dim, 3, padding=1, groups=3 * dim, bias=False)
        self.spatial = nn.Sequential(
            nn.AvgPool2d(2),
            nn.Conv2d(dim, dim, 3, padding=1),
            ChannelLayerNorm(dim),
            nn.ReLU(),
            nn.Conv2d(dim, dim, 3, padding=1),
            ChannelLayerNorm(dim),
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
        )
        self.project_out = nn.Conv2d(dim, dim, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        q, k, v = self.qkv_depthwise(self.qkv(x)).chunk(3, dim=1)
        q, k, v = (t.reshape(n, self.heads, c // self.heads, h * w) for t in (q, k, v))
        q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
        attn = (q @ k.transpose(-2, -1) * self.temperature).softmax(-1)  # (N, heads, C/h, C/h)
        channel = (attn @ v).reshape(n, c, h, w)
        return self.project_out(self.spatial(x) * channel)


class SandwichBlock(nn.Module):
    """FFN, SCAL, FFN, each pre-normalised and residual."""

    def __init__(self, dim: int, heads: int, ffn_factor: float):
        super().__init__()
        self.norm1, self.ffn1 = ChannelLayerNorm(dim), GatedFFN(dim, ffn_factor)
        self.norm2, self.attn = ChannelLayerNorm(dim), SCAL(dim, heads)
        self.norm3, self.ffn2 = ChannelLayerNorm(dim), GatedFFN(dim, ffn_factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.ffn1(self.norm1(x))
        x = x + self.attn(self.norm2(x))
        return x + self.ffn2(self.norm3(x))


class MaskAwareDownsample(nn.Module):
    """MPD: `(N, C, H, W)` features and their `(N, 1, H, W)` hole mask -> `(N, 2C, H/2, W/2)`."""

    def __init__(self, channels: int):
        super().__init__()
        if channels % 2:
            raise ValueError(f"MPD halves its channels first, got an odd count {channels}")
        self.reduce = nn.Sequential(
            nn.Conv2d(channels, channels // 2, 3, padding=1, bias=False), nn.PixelUnshuffle(2)
        )
        self.unshuffle_mask = nn.PixelUnshuffle(2)
        self.fuse = nn.Conv2d(
            4 * channels, 2 * channels, 3, padding=1, groups=2 * channels, bias=False
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        features = self.reduce(x)  # channel 4c + s = channel c at sub-pixel s
        subpixel_masks = self.unshuffle_mask(mask).repeat(1, features.shape[1] // 4, 1, 1)
        pairs = torch.stack([features, subpixel_masks.to(features.dtype)], dim=2).flatten(1, 2)
        return self.fuse(pairs)


class Upsample(nn.Module):
    """`(N, C, H, W)` -> `(N, C/2, 2H, 2W)`: 3x3 conv to 2C, pixel-shuffle."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 2 * channels, 3, padding=1, bias=False), nn.PixelShuffle(2)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def _level(dim: int, blocks: int, heads: int, ffn_factor: float) -> nn.Sequential:
    return nn.Sequential(*(SandwichBlock(dim, heads, ffn_factor) for _ in range(blocks)))


class HINTGenerator(nn.Module):
    """`(N, 3, H, W)` image in [0, 1] with holes set to 1 and `(N, 1, H, W)` hole mask ->
    `(N, 3, H, W)` in [0, 1]. H and W must be multiples of 16.

    Args:
        dim: level-1 width (paper 48); levels 2-4 run at 2, 4, 8 x dim.
        blocks: sandwich blocks per level (encoder levels 1-3 and the decoder mirror them,
            level 4 is the latent stage); paper (4, 6, 6, 8).
        heads: SCAL heads per level; paper (1, 2, 4, 8).
        ffn_factor: FFN expansion (paper 2.66).
    """

    def __init__(
        self,
        dim: int = 48,
        blocks: tuple[int, int, int, int] = (4, 6, 6, 8),
        heads: tuple[int, int, int, int] = (1, 2, 4, 8),
        ffn_factor: float = 2.66,
    ):
        super().__init__()
        d = [dim, 2 * dim, 4 * dim, 8 * dim]
        self.embed = nn.Conv2d(4, 2 * dim, 3, padding=1, bias=False)
        self.enc1 = _level(d[0], blocks[0], heads[0], ffn_factor)
        self.down1 = MaskAwareDownsample(d[0])
        self.enc2 = _level(d[1], blocks[1], heads[1], ffn_factor)
        self.down2 = MaskAwareDownsample(d[1])
        self.enc3 = _level(d[2], blocks[2], heads[2], ffn_factor)
        self.down3 = MaskAwareDownsample(d[2])
        self.latent = _level(d[3], blocks[3], heads[3], ffn_factor)
        self.up3 = Upsample(d[3])
        self.reduce3 = nn.Conv2d(d[3], d[2], 1, bias=False)
        self.dec3 = _level(d[2], blocks[2], heads[2], ffn_factor)
        self.up2 = Upsample(d[2])
        self.reduce2 = nn.Conv2d(d[2], d[1], 1, bias=False)
        self.dec2 = _level(d[1], blocks[1], heads[1], ffn_factor)
        self.up1 = Upsample(d[1])
        # Level 1 of the decoder keeps the concatenated 2 dim channels (no reduction).
        self.dec1 = _level(d[1], blocks[0], heads[0], ffn_factor)
        self.output = nn.Conv2d(d[1], 3, 3, padding=1, bias=False)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h, w = mask.shape[-2:]
        # Nearest down-scaling, as the official code resizes the masks for MPD.
        half = F.interpolate(mask, size=(h // 2, w // 2), mode="nearest")
        quarter = F.interpolate(mask, size=(h // 4, w // 4), mode="nearest")
        a, b = self.embed(torch.cat([image, mask], 1)).chunk(2, dim=1)
        e1 = self.enc1(F.gelu(a) * b)
        e2 = self.enc2(self.down1(e1, mask))
        e3 = self.enc3(self.down2(e2, half))
        x = self.latent(self.down3(e3, quarter))
        x = self.dec3(self.reduce3(torch.cat([self.up3(x), e3], 1)))
        x = self.dec2(self.reduce2(torch.cat([self.up2(x), e2], 1)))
        x = self.dec1(torch.cat([self.up1(x), e1], 1))
        return (torch.tanh(self.output(x)) + 1) / 2
