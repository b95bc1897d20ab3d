"""MAT's generator (Li et al., CVPR 2022) as the official code builds it: a mapping network and a
two-stage synthesis network.

Conventions inside the network (the official code's): images `(N, 3, H, W)` in [-1, 1],
`valid` `(N, 1, H, W)` with 1 = known pixel, 0 = hole. Both stages composite their output with
the known pixels, so the hole pixels of the input never reach the output.

Stage 1 (`FirstStage`, the paper's MAT, Fig. 2): a convolutional head of partial convolutions
down to a `tokens` x `tokens` map (64 officially), a five-stage U-shaped transformer body
(`tokens`, /2, /4, /2, /1; skips from the first two stages into the last two), the style
manipulation module after the middle stage (noise mixing and a global style) and a
style-modulated convolutional tail back to the input size.

Stage 2 (`Refinement`, released code only): a CoModGAN-like convolutional encoder-decoder with
per-pixel noise that refines the composited stage-1 image.

Randomness (z, the Bernoulli noise-mixing maps, per-pixel noise) comes from `rng` when given
(a seeded `torch.Generator`: deterministic inference) and from torch's global RNG otherwise.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.mat.layers import (
    Conv2dLayer,
    FullyConnected,
    MappingNetwork,
    StyleConv,
    ToRGB,
)
from geoinpaint.baselines.mat.transformer import PartialConv, Stage, to_feature, to_tokens

DEPTHS = (2, 3, 4, 3, 2)
WINDOWS = (8, 16, 16, 16, 8)
RESAMPLE = (0, -1, -1, 1, 1)  # per body stage: none, stride-2 partial conv, x2 up-conv
# Stage-2 channels per resolution (the official `nf`), before the width multiplier.
REFINE_CHANNELS = {512: 64, 256: 128, 128: 256, 64: 512, 32: 512, 16: 512, 8: 512, 4: 512}


def log2_exact(value: int, what: str) -> int:
    """`log2(value)` for a power of two, else a ValueError naming `what`."""
    power = int(round(math.log2(value))) if value > 0 else -1
    if power < 0 or 2**power != value:
        raise ValueError(f"MAT's {what} must be a power of two, got {value}")
    return power


def bernoulli_half(
    shape: torch.Size, like: torch.Tensor, rng: torch.Generator | None
) -> torch.Tensor:
    """`{0, 1}` map, each entry 1 with probability 1/2: the official `dropout(0.5 * ones)`,
    which stays active at test time."""
    u = torch.rand(shape, device=like.device, generator=rng)
    return (u < 0.5).to(like.dtype)


class StyleBlockUp(nn.Module):
    """Stage-1 tail level: modulated up-conv, + head skip, modulated conv, ToRGB (no noise)."""

    def __init__(self, dim: int, style_dim: int, resolution: int):
        super().__init__()
        self.conv0 = StyleConv(dim, dim, style_dim, resolution, up=2, noise=False)
        self.conv1 = StyleConv(dim, dim, style_dim, resolution, noise=False)
        self.to_rgb = ToRGB(dim, style_dim)

    def forward(
        self, x: torch.Tensor, img: torch.Tensor | None, style: torch.Tensor, skip: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.conv1(self.conv0(x, style) + skip, style)
        return x, self.to_rgb(x, style, img)


class FirstStage(nn.Module):
    """The MAT network proper: `(images, valid, w)` -> composited image `(N, 3, H, W)`.

    Args:
        size: build resolution (a power of two, larger than `tokens`).
        dim: token width (180 officially), every stage and the tail.
        tokens: side of the token map at `size` (64 officially).
        depths: blocks per body stage (2, 3, 4, 3, 2 officially).
        heads: attention heads (6).
        w_dim: width of the mapping network's w.
    """

    def __init__(
        self,
        size: int,
        dim: int = 180,
        tokens: int = 64,
        depths: tuple[int, ...] = DEPTHS,
        heads: int = 6,
        w_dim: int = 512,
    ):
        super().__init__()
        downs = log2_exact(size, "image size") - log2_exact(tokens, "token side")
        if downs < 1:
            raise ValueError(f"MAT needs an image side above its token side {tokens}, got {size}")
        if len(depths) != 5 or tokens < 4:
            raise ValueError(f"MAT's body has 5 stages on >= 4x4 tokens, got {depths}, {tokens}")
        self.conv_first = PartialConv(4, dim, 3)
        self.enc_conv = nn.ModuleList(PartialConv(dim, dim, 3, down=2) for _ in range(downs))
        sides = (tokens, tokens // 2, tokens // 4, tokens // 2, tokens)
        self.body = nn.ModuleList(
            Stage(dim, d, heads, s, win, r)
            for d, s, win, r in zip(depths, sides, WINDOWS, RESAMPLE, strict=True)
        )
        mid = tokens // 4
        # Global style: stride-2 convs down to 1x1 at the build size (4 convs officially).
        self.down_conv = nn.Sequential(
            *(Conv2dLayer(dim, dim, 3, "lrelu", down=2) for _ in range(log2_exact(mid, "mid")))
        )
        self.to_style = FullyConnected(dim, 2 * dim, "lrelu")
        self.ws_style = FullyConnected(w_dim, dim, "lrelu")
        self.to_square = FullyConnected(dim, mid * mid, "lrelu")
        self.dec_conv = nn.ModuleList(
            StyleBlockUp(dim, 3 * dim, tokens * 2 ** (i + 1)) for i in range(downs)
        )

    def forward(
        self,
        images: torch.Tensor,
        valid: torch.Tensor,
        w: torch.Tensor,
        rng: torch.Generator | None = None,
    ) -> torch.Tensor:
        x, vmap = self.conv_first(torch.cat([valid - 0.5, images * valid], 1), valid)
        skips = [x]
        for conv in self.enc_conv:
            x, vmap = conv(x, vmap)
            skips.append(x)
        skips.pop()  # the token map itself is no skip
        size = (x.shape[2], x.shape[3])
        x, valid_t = to_tokens(x), to_tokens(vmap)
        x, size, valid_t = self.body[0](x, size, valid_t)
        s0 = x
        x, size, valid_t = self.body[1](x, size, valid_t)
        s1 = x
        # Only the first two stages see the mask, as in the official code.
        x, size, _ = self.body[2](x, size, None)
        x, style = self._style(x, size, w, rng)
        x, size, _ = self.body[3](x, size, None)
        x = x + s1
        x, size, _ = self.body[4](x, size, None)
        x = to_feature(x + s0, size)
        img = None
        for block, skip in zip(self.dec_conv, reversed(skips), strict=True):
            x, img = block(x, img, style, skip)
        return img * (1 - valid) + images * valid

    def _style(
        self, x: torch.Tensor, size: tuple[int, int], w: torch.Tensor, rng: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Noise mixing `x * B + n * (1 - B)` of the tokens and the 3*dim style code."""
        keep = bernoulli_half(x.shape, x, rng)
        ws = self.ws_style(w)
        noise = self.to_square(ws).unsqueeze(1)  # (N, 1, mid^2), stretched over the tokens
        noise = F.interpolate(noise, size=x.shape[1], mode="linear", align_corners=False)
        x = x * keep + noise.transpose(1, 2) * (1 - keep)
        gs = self.to_style(F.adaptive_avg_pool2d(self.down_conv(to_feature(x, size)), 1).flatten(1))
        return x, torch.cat([gs, ws], dim=1)


class Refinement(nn.Module):
    """Stage 2: `(images, valid, stage1, ws)` -> composited image `(N, 3, H, W)`.

    Encoder from `size` down to 16x16 (widths `REFINE_CHANNELS * width`), noise mixing at 16x16,
    a global style from three stride-2 convs, and a StyleGAN2 skip decoder with per-pixel noise
    and encoder skips back to `size`; style = cat(w_i, global style).
    """

    def __init__(self, size: int, w_dim: int = 512, width: float = 1.0):
        super().__init__()
        top = log2_exact(size, "image size")
        if top < 4:
            raise ValueError(f"MAT's refinement stage needs at least 16x16 images, got {size}")

        def nf(res: int) -> int:
            return max(1, round(REFINE_CHANNELS[res] * width))

        self.levels = [2**r for r in range(top, 3, -1)]  # size ... 16
        self.enc = nn.ModuleDict()
        for res in self.levels:
            if res == size:
                layers = [
                    Conv2dLayer(7, nf(res), 1, "lrelu"),
                    Conv2dLayer(nf(res), nf(res), 3, "lrelu"),
                ]
            else:
                layers = [
                    Conv2dLayer(nf(2 * res), nf(res), 3, "lrelu", down=2),
                    Conv2dLayer(nf(res), nf(res), 3, "lrelu"),
                ]
            self.enc[str(res)] = nn.Sequential(*layers)
        self.to_square = FullyConnected(w_dim, 16 * 16, "lrelu")
        self.to_style = nn.Sequential(
            *(Conv2dLayer(nf(16), nf(16), 3, "lrelu", down=2) for _ in range(3)),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            FullyConnected(nf(16), 2 * nf(4), "lrelu"),
        )
        style_dim = w_dim + 2 * nf(4)
        self.first_conv = Conv2dLayer(nf(16), nf(16), 3, "lrelu")
        self.first_style = StyleConv(nf(16), nf(16), style_dim, 16)
        self.first_rgb = ToRGB(nf(16), style_dim)
        self.dec = nn.ModuleDict()
        for res in self.levels[-2::-1]:  # 32 ... size
            self.dec[str(res)] = nn.ModuleDict(
                {
                    "conv0": StyleConv(nf(res // 2), nf(res), style_dim, res, up=2),
                    "conv1": StyleConv(nf(res), nf(res), style_dim, res),
                    "to_rgb": ToRGB(nf(res), style_dim),
                }
            )

    def forward(
        self,
        images: torch.Tensor,
        valid: torch.Tensor,
        stage1: torch.Tensor,
        ws: torch.Tensor,
        noise_mode: str = "random",
        rng: torch.Generator | None = None,
    ) -> torch.Tensor:
        comp = images * valid + stage1 * (1 - valid)
        x = torch.cat([valid - 0.5, comp, images * valid], 1)
        feats = {}
        for res in self.levels:
            x = self.enc[str(res)](x)
            feats[res] = x
        keep = bernoulli_half(x.shape, x, rng)
        noise = self.to_square(ws[:, 0]).view(-1, 1, 16, 16)
        noise = F.interpolate(noise, size=x.shape[-2:], mode="bilinear", align_corners=False)
        x = x * keep + noise * (1 - keep)
        gs = self.to_style(x)

        def style(i: int) -> torch.Tensor:
            return torch.cat([ws[:, i], gs], dim=1)

        x = self.first_conv(x) + x
        x = self.first_style(x, style(0), noise_mode, rng)
        img = self.first_rgb(x, style(1))
        for i, res in enumerate(self.levels[-2::-1]):
            block = self.dec[str(res)]
            x = block["conv0"](x, style(2 * i + 1), noise_mode, rng) + feats[res]
            x = block["conv1"](x, style(2 * i + 2), noise_mode, rng)
            img = block["to_rgb"](x, style(2 * i + 3), img)
        return img * (1 - valid) + images * valid


class Generator(nn.Module):
    """Mapping network + stage 1 (+ stage 2 when `two_stage`).

    `forward(images, valid, z, ...)` -> `(final, stage1)`, both `(N, 3, H, W)` in about
    [-1, 1] (the output layers are linear), composited with the known pixels.
    """

    def __init__(
        self,
        size: int,
        dim: int = 180,
        tokens: int = 64,
        depths: tuple[int, ...] = DEPTHS,
        heads: int = 6,
        w_dim: int = 512,
        mapping_layers: int = 8,
        refine_width: float = 1.0,
        two_stage: bool = True,
    ):
        super().__init__()
        self.z_dim = w_dim
        # One w per stage-2 decoder layer (12 at 512, 10 at 256); stage 1 reads the last.
        num_ws = 2 * log2_exact(size, "image size") - 6 if two_stage else 1
        self.mapping = MappingNetwork(w_dim, w_dim, num_ws, mapping_layers)
        self.first_stage = FirstStage(size, dim, tokens, depths, heads, w_dim)
        self.refinement = Refinement(size, w_dim, refine_width) if two_stage else None

    def forward(
        self,
        images: torch.Tensor,
        valid: torch.Tensor,
        z: torch.Tensor,
        psi: float = 1.0,
        mixing: float = 0.0,
        noise_mode: str = "random",
        rng: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        ws = self.mapping(z, psi)
        if mixing > 0 and ws.shape[1] > 1 and torch.rand([]).item() < mixing:
            # Style mixing: from a random layer on, the ws of a second latent.
            cut = int(torch.randint(1, ws.shape[1], []).item())
            other = self.mapping(torch.randn_like(z), psi, track=False)
            ws = torch.cat([ws[:, :cut], other[:, cut:]], dim=1)
        stage1 = self.first_stage(images, valid, ws[:, -1], rng)
        if self.refinement is None:
            return stage1, stage1
        return self.refinement(images, valid, stage1, ws, noise_mode, rng), stage1
