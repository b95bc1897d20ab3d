"""HiFill's generator (Yi et al., CVPR 2020, Sec. 3.4, Fig. 3; the first author's TensorFlow
re-implementation duxingren14/Hifill-tensorflow, `config.yml` with GEN_NC 32).

Inputs: the working image `x` in [-1, 1] with holes zeroed and its hole mask. Two stages:

- coarse: `cat(x, M)` resized to a fixed low resolution (`coarse_size`, 256 in the code), a
  gated-convolution encoder (two stride-2 convolutions), 14 dilated convolutions (dilation
  1, 1, 1, 2, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8) and a decoder with bilinear up-sampling, clipped to
  [-1, 1] and resized back; "slice" gates (one k x k gate channel shared by all features);
- refine: on `cat(composite of the coarse result, M)` at the working resolution, a three-level
  gated encoder (widths nc, 2nc, 4nc, each a stride-2 and a plain convolution) down to 1/8,
  five dilated convolutions (1, 2, 4, 8, 16), the attention computing module (contextual
  attention, `attention.py`), and a decoder whose two levels concatenate attention-transferred
  skip features; "ds" gates (a 1x1 gate convolution per feature channel); clipped to [-1, 1].

Every gated convolution computes `sigmoid(gate) * ELU(features)`. At nc = 32: coarse 811,489
and refine 1,911,302 parameters, 2,722,791 in all (baselines.md's hand count of the code).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.hifill.attention import attention_scores, paste, same_patches, transfer
from geoinpaint.nn.gated_conv import GatedConv2d

Gate = Literal["slice", "ds"]
Init = Literal["code", "gated-he"]
INITS = ("code", "gated-he")
COARSE_DILATIONS = (1, 1, 1, 2, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8)
REFINE_DILATIONS = (1, 2, 4, 8, 16)


class HiFillGatedConv(GatedConv2d):
    """`GatedConv2d` with ELU features and one of HiFill's light gates.

    Args:
        gate: `slice`, a k x k convolution to one gate channel shared by all features; `ds`, a
            1x1 convolution to one gate per feature channel (the code's depthwise part is
            commented out, leaving the pointwise one).
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int = 3,
        stride: int = 1,
        dilation: int = 1,
        gate: Gate = "slice",
    ):
        super().__init__(c_in, c_out, kernel, stride, dilation, activation=nn.ELU())
        if gate == "slice":
            padding = dilation * (kernel - 1) // 2
            self.gate = nn.Conv2d(c_in, 1, kernel, stride, padding, dilation)
        elif gate == "ds":
            self.gate = nn.Conv2d(c_in, c_out, 1, stride)
        else:
            raise ValueError(f"unknown HiFill gate {gate!r}, expected 'slice' or 'ds'")


class UpGatedConv(HiFillGatedConv):
    """Bilinear x2 up-sampling, then a 3x3 gated convolution (the code's `gen_deconv_gated_*`)."""

    def __init__(self, c_in: int, c_out: int, gate: Gate = "slice"):
        super().__init__(c_in, c_out, 3, gate=gate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.interpolate(x, scale_factor=2, mode="bilinear"))


class CoarseNet(nn.Sequential):
    """`(N, 4, s, s)` at the coarse resolution -> `(N, 3, s, s)` (unclipped), s a multiple of 4."""

    def __init__(self, nc: int):
        def g(c_in: int, c_out: int, kernel: int = 3, stride: int = 1, dilation: int = 1):
            return HiFillGatedConv(c_in, c_out, kernel, stride, dilation, gate="slice")

        c2 = 2 * nc
        super().__init__(
            g(4, nc, 5, 2),
            g(nc, nc),
            g(nc, c2, 3, 2),
            *(g(c2, c2) for _ in range(3)),
            *(g(c2, c2, dilation=d) for d in COARSE_DILATIONS),
            *(g(c2, c2) for _ in range(3)),
            UpGatedConv(c2, nc),
            g(nc, nc),
            UpGatedConv(nc, 3),
        )


class ContextualAttention(nn.Module):
    """The attention computing module on `(N, C, h, w)` bottleneck features: pasted attention
    output through a gated convolution, concatenated with the input, fused back to C."""

    def __init__(self, channels: int):
        super().__init__()
        self.after = HiFillGatedConv(channels, channels, gate="ds")
        self.fuse = HiFillGatedConv(2 * channels, channels, gate="ds")

    def forward(self, x: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores = attention_scores(x, masks)
        attended = paste(same_patches(x, 3, 2), scores.to(x.dtype), 3, 2, x.shape[-2:])
        return self.fuse(torch.cat([x, self.after(attended)], 1)), scores


class DecoderLevel(nn.Module):
    """Up-sample, convolve, and concatenate the attention-transferred skip features."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.up = UpGatedConv(c_in, c_out, gate="ds")
        self.conv = HiFillGatedConv(c_out, c_out, gate="ds")
        self.skip = nn.Sequential(
            HiFillGatedConv(c_out, c_out, gate="ds"),
            HiFillGatedConv(c_out, c_out, dilation=2, gate="ds"),
        )

    def forward(
        self, x: torch.Tensor, skip: torch.Tensor, scores: torch.Tensor, grid: tuple[int, int]
    ) -> torch.Tensor:
        attended = self.skip(transfer(skip, scores, grid))
        return torch.cat([attended, self.conv(self.up(x))], 1)


class RefineNet(nn.Module):
    """`(N, 4, S, S)` -> `((N, 3, S, S)` unclipped, `(N, L, L)` attention scores), S a multiple
    of 16 (the attention grid is S/16)."""

    def __init__(self, nc: int):
        super().__init__()
        widths = (nc, 2 * nc, 4 * nc)
        self.encoder = nn.ModuleList(
            nn.Sequential(
                HiFillGatedConv(c_in, c_out, 3, 2, gate="ds"),
                HiFillGatedConv(c_out, c_out, gate="ds"),
            )
            for c_in, c_out in zip((4, *widths[:-1]), widths, strict=True)
        )
        c = widths[-1]
        self.dilated = nn.Sequential(
            *(HiFillGatedConv(c, c, dilation=d, gate="ds") for d in REFINE_DILATIONS)
        )
        self.attention = ContextualAttention(c)
        self.decoder = nn.ModuleList([DecoderLevel(c, widths[1]), DecoderLevel(c, widths[0])])
        self.to_rgb = UpGatedConv(2 * widths[0], 3, gate="ds")

    def forward(self, x: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        skips = []
        for level in self.encoder:
            x = level(x)
            skips.append(x)
        x, scores = self.attention(self.dilated(x), masks)
        grid = (x.shape[-2] // 2, x.shape[-1] // 2)
        for level, skip in zip(self.decoder, reversed(skips[:-1]), strict=True):
            x = level(x, skip, scores, grid)
        return self.to_rgb(x), scores


class HiFillOutput(NamedTuple):
    """What the generator returns (images in [-1, 1] at the working resolution)."""

    coarse: torch.Tensor  # (N, 3, S, S) coarse result, resized back from the coarse size
    refined: torch.Tensor  # (N, 3, S, S) refined result
    scores: torch.Tensor  # (N, L, L) attention over the S/16 grid
    grid: tuple[int, int]  # (S/16, S/16)


class HiFillGenerator(nn.Module):
    """Coarse and refine stages; `forward(x, masks)` with `x` `(N, 3, S, S)` in [-1, 1], holes
    zeroed, S a multiple of 16.

    Args:
        nc: base width (GEN_NC, 32 in the code).
        coarse_size: side of the coarse stage (256 in the code), a multiple of 4.
        init: weight initialisation, `code` or `gated-he` (see `init_weights`).
    """

    def __init__(self, nc: int = 32, coarse_size: int = 256, init: Init = "code"):
        super().__init__()
        if coarse_size % 4:
            raise ValueError(f"HiFill's coarse_size must be a multiple of 4, got {coarse_size}")
        if init not in INITS:
            raise ValueError(f"unknown HiFill init {init!r}, expected one of {INITS}")
        self.coarse_size = coarse_size
        self.coarse = CoarseNet(nc)
        self.refine = RefineNet(nc)
        self.apply(partial(init_weights, scheme=init))

    def forward(self, x: torch.Tensor, masks: torch.Tensor) -> HiFillOutput:
        size = x.shape[-2:]
        if size[0] % 16 or size[1] % 16:
            raise ValueError(f"HiFill needs image sides that are multiples of 16, got {size}")
        small = F.interpolate(torch.cat([x, masks], 1), self.coarse_size, mode="bilinear")
        coarse = F.interpolate(self.coarse(small).clamp(-1, 1), size, mode="bilinear")
        composite = coarse * masks + x * (1 - masks)
        refined, scores = self.refine(torch.cat([composite, masks], 1), masks)
        grid = (size[0] // 16, size[1] // 16)
        return HiFillOutput(coarse, refined.clamp(-1, 1), scores, grid)


def init_weights(module: nn.Module, scheme: Init = "code") -> None:
    """Zero biases and truncated-normal (cut at 2 std) convolution weights.

    `code`: std 0.05 for every layer, the code's initialiser. Each gated layer then roughly
    halves the signal (sigmoid(0) = 1/2 times a fan-in gain near 1 at 64 channels, less when
    narrower), so the 25-layer coarse stage starts with outputs of std ~1e-9 at nc = 32 (far
    less at nc = 8) and Adam has to grow the weights from the output side first.
    `gated-he`: std 2 sqrt(2 / fan_in), He's gain for the ELU features doubled for the gate's
    1/2, which keeps the signal's scale through the stack.
    """
    if isinstance(module, nn.Conv2d):
        std = 0.05 if scheme == "code" else 2 * math.sqrt(2 / module.weight[0].numel())
        nn.init.trunc_normal_(module.weight, std=std, a=-2 * std, b=2 * std)
        nn.init.zeros_(module.bias)
