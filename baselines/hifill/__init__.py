"""HiFill (Yi, Tang, Azizi, Jang, Xu, CVPR 2020, "Contextual Residual Aggregation for Ultra
High-Resolution Image Inpainting"), one of IGLL's lightweight baselines (IGLL Tables 2-3),
re-implemented from the paper and the facts of the first author's TensorFlow code
(duxingren14/Hifill-tensorflow); docs/fidelity/hifill.md lists every choice.

Inference: an image of side at most `cra_size` is inpainted directly. A larger one (a multiple
of `cra_size`) is box-averaged down to `cra_size` and inpainted there; the detail it lost, the
residual `image - upsample(low-resolution image)` over the known region, is aggregated into the
hole with the generator's attention scores (contextual residual aggregation) and added to the
up-sampled low-resolution result.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.hifill.attention import aggregate_residual
from geoinpaint.baselines.hifill.network import HiFillGenerator, HiFillOutput, Init
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method


def scaled(base: int, factor: float) -> int:
    """A channel count `base` times the width multiplier `factor`, at least 1."""
    return max(1, round(base * factor))


@dataclass(frozen=True)
class HiFillOptions(TrainOptions):
    """HiFill's settings; defaults are the code's `config.yml` (Places2, 512x512).

    Attributes:
        width: multiplier of the generator's base width GEN_NC = 32 (1.0 = the code).
        init: `code` (std-0.05 truncated normal, whose signal all but vanishes through the
            gated stack at first) or `gated-he` (scale-keeping, for short runs); see
            `network.init_weights`. Not the architecture, but a note in the tables.
        coarse_size: side of the coarse stage (the code resizes its 512 input to 256).
        cra_size: the generator's working side (the code's IMG_SHAPE, 512); larger images
            (multiples of it) go through contextual residual aggregation, smaller ones are
            inpainted at their own side.
        d_width: multiplier of the discriminator's base width DIS_NC = 64.
        epochs: the code runs 300k iterations of batch 4 (1.2M samples), i.e. 1.2M / N epochs
            on an N-image training split; 1 is that rounded up for Places2's 1.8M images.
        batch_size: 4, as the code.
        lr, betas: Adam for generator and discriminator (code: 1e-4, (0.5, 0.9)), no schedule.
        d_steps: discriminator updates per generator update (code: 3).
        gan_weight, gp_weight: WGAN weight in the generator loss and gradient-penalty weight
            (code: 0.001, 10).
        coarse_weight, hole_weight, valid_weight: the code's COARSE_ALPHA, L1_LOSS_ALPHA and
            AE_LOSS_ALPHA (1.2 each).
    """

    width: float = 1.0
    init: Init = "code"
    coarse_size: int = 256
    cra_size: int = 512
    d_width: float = 1.0
    epochs: int = 1
    batch_size: int = 4
    lr: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.9)
    d_steps: int = 3
    gan_weight: float = 0.001
    gp_weight: float = 10.0
    coarse_weight: float = 1.2
    hole_weight: float = 1.2
    valid_weight: float = 1.2


def working_resolution(
    images: torch.Tensor, masks: torch.Tensor, side: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images box-averaged and masks max-pooled down to `side` when they are larger.

    Max-pooling marks every low-resolution pixel that touches the hole as hole, so once the
    caller zeroes the low-resolution holes no occluder pixel is left in the input. The code
    resizes the mask with nearest neighbours instead, which its test script can afford: there
    the hole holds the original photograph.

    Raises:
        ValueError: the image is larger than `side` but not a multiple of it.
    """
    h, w = images.shape[-2:]
    if h <= side and w <= side:
        return images, masks
    if h % side or w % side or h // side != w // side:
        raise ValueError(
            f"HiFill's CRA needs an image side that is a multiple of cra_size {side} "
            f"(the same on both axes), got {h}x{w}"
        )
    return F.avg_pool2d(images, h // side), F.max_pool2d(masks, h // side)


@register_method("hifill", label="HiFill")
class HiFill(TrainableMethod):
    """HiFill: `predict` returns the refined output (with CRA above `cra_size`) in [0, 1]."""

    Options = HiFillOptions
    ARCHITECTURE = ("width", "coarse_size", "cra_size", "d_width")
    PAPER_LABEL = "HiFill"
    multiple = 16  # the attention grid is 1/16 of the image
    SMALL = {"width": 0.25, "coarse_size": 32, "d_width": 0.125}  # 20-25 img/s at 64 px, 1 thread
    options: HiFillOptions

    @classmethod
    def size_problem(cls, options: HiFillOptions, size: int) -> str:
        if options.coarse_size % 4:
            return f"coarse_size {options.coarse_size} must be a multiple of 4"
        if size > options.cra_size and size % options.cra_size:
            return f"a side above cra_size {options.cra_size} must be a multiple of it (CRA)"
        working = min(size, options.cra_size)
        if working % 16:
            return f"the generator's working side {working} must be a multiple of 16"
        return ""

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        if o.init != "code":
            self.record("init", f"{o.init}, not the code's std-0.05 truncated normal", note=True)
        return {"generator": HiFillGenerator(scaled(32, o.width), o.coarse_size, o.init)}

    def generate(self, images: torch.Tensor, masks: torch.Tensor) -> HiFillOutput:
        """Both stages on `(N, 3, S, S)` images in [-1, 1] with holes zeroed, S <= cra_size."""
        return self.nets["generator"](images, masks)

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        x = (images * 2 - 1) * (1 - masks)
        low, low_masks = working_resolution(x, masks, self.options.cra_size)
        low = low * (1 - low_masks)
        out = self.generate(low, low_masks)
        if low.shape == x.shape:
            return (out.refined + 1) / 2
        factor = x.shape[-1] // low.shape[-1]
        known = 1 - F.interpolate(low_masks, scale_factor=factor, mode="nearest")
        blurred = F.interpolate(low, scale_factor=factor, mode="bilinear")
        residual = aggregate_residual((x - blurred) * known, out.scores, out.grid)
        upsampled = F.interpolate(out.refined, scale_factor=factor, mode="bilinear")
        return ((upsampled + residual).clamp(-1, 1) + 1) / 2

    def routine(self, ctx: TrainContext) -> GanRoutine:
        from geoinpaint.baselines.hifill.routine import HiFillRoutine

        return HiFillRoutine(self, ctx)
