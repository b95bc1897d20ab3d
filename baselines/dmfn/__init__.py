"""DMFN (Hui, Li, Wang, Gao 2020, "Image Fine-grained Inpainting", arXiv 2002.02609), one of
IGLL's lightweight baselines (IGLL Tables 2-3), re-implemented from the paper and the facts of
its authors' code (Zheng222/DMFN); docs/fidelity/dmfn.md lists every choice.

Two registered names:
- `dmfn`: the authors' code, 8 dense multi-scale fusion blocks, 9,037,443 parameters;
- `dmfn-24`: the unofficial HannH/DMFN port's 24-block layout, 13,036,483 parameters, the
  count IGLL's Table 3 reports for DMFN.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from geoinpaint.baselines.dmfn.network import DMFNGenerator, Layout, scaled
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method


@dataclass(frozen=True)
class DMFNOptions(TrainOptions):
    """DMFN's settings; defaults are the authors' code and its celeba-hq config.

    Attributes:
        width: multiplier of the generator's base width 64 (1.0 = the code).
        blocks: dense multi-scale fusion blocks (code: 8; the port IGLL counted: 24).
        layout: `official` (the authors' code) or `port` (the HannH port), see `network.py`.
        d_width: multiplier of the discriminator's base width 64 (1.0 = the code).
        epochs: the code runs 100k iterations of batch 16 (1.6M samples), i.e. 1.6M / N epochs
            on an N-image training split; 57 is that for 28k images (CelebA-HQ's usual split).
        batch_size: 16, as the code.
        lr, betas: Adam for generator and discriminator (code: 2e-4, (0.5, 0.999)).
        lr_milestones, lr_gamma: MultiStepLR in iterations (code: x0.5 at 100k, its last one).
        pixel_weight, feature_weight, centre_weight, dis_feature_weight, gan_weight: loss
            weights of L1, VGG feature matching (self-guided), geometrical alignment,
            discriminator feature matching and RaGAN (code: 1, 25, 1, 5, 0.003).
    """

    width: float = 1.0
    blocks: int = 8
    layout: Layout = "official"
    d_width: float = 1.0
    epochs: int = 57
    batch_size: int = 16
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    lr_milestones: tuple[int, ...] = (100_000,)
    lr_gamma: float = 0.5
    pixel_weight: float = 1.0
    feature_weight: float = 25.0
    centre_weight: float = 1.0
    dis_feature_weight: float = 5.0
    gan_weight: float = 0.003


@register_method("dmfn", label="DMFN")
@register_method("dmfn-24", preset={"layout": "port", "blocks": 24}, label="DMFN-24")
class DMFN(TrainableMethod):
    """DMFN: `predict` returns the generator's raw tanh output mapped to [0, 1]."""

    Options = DMFNOptions
    ARCHITECTURE = ("width", "blocks", "layout", "d_width")
    PAPER_LABEL = "DMFN"
    multiple = 4  # two stride-2 stages
    SMALL = {"width": 0.25, "d_width": 0.125}  # 22-28 img/s at 64x64, batch 4, one thread
    options: DMFNOptions

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        return {"generator": DMFNGenerator(scaled(64, o.width), o.blocks, o.layout)}

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        x = (images * 2 - 1) * (1 - masks)
        return (self.nets["generator"](torch.cat([x, masks], 1)) + 1) / 2

    def routine(self, ctx: TrainContext) -> GanRoutine:
        from geoinpaint.baselines.dmfn.routine import DMFNRoutine

        return DMFNRoutine(self, ctx)
