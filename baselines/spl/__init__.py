"""SPL: Context-Aware Image Inpainting with Learned Semantic Priors (Zhang et al., IJCAI 2021),
registered as the trained method `spl`.

A semantic prior learner, distilled from a frozen classifier's features of the clean image,
produces a layout that modulates (SPADE) the image generator's residual blocks; region
normalisation (RN-B with the mask, RN-L learned) in its encoder and decoder (`network.py`).
Both branches see the image with white holes (`x (1 - M) + M`), so the occluder is never read.
Training: `routine.py`; the teacher: `teacher.py`. docs/fidelity/spl.md lists paper, code and
suite choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from geoinpaint.baselines.spl.network import SPLGenerator
from geoinpaint.baselines.spl.routine import SPLRoutine
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method


@dataclass(frozen=True)
class SPLOptions(TrainOptions):
    """Defaults: the official code (WendongZh/SPL `main.py`, `networks.py`).

    Attributes:
        width: channel multiplier of the generator and the discriminator (1.0 = official).
        blocks: SPADE residual blocks of the image generator (8).
        rdbs: residual dense blocks of the prior learner (16).
        rdb_layers: dense layers per block (6).
        prior_channels: output channels of the prior head (152, TResNet-L's layer2).
        prior_scale: the prior learner and the teacher see the image upsampled by this (2; 1
            for the CPU variant: the prior encoder drops its last stride-2 conv and the teacher
            gives its stride-4 features).
        epochs: `--nEpochs` 60 (the README's Paris runs: 70).
        batch_size: 8 in total (`--bs 8`; the README trains 2 GPUs x 4).
        lr: Adam learning rate of G and D.
        betas: Adam betas (0, 0.9).
        lr_decay_epoch: both learning rates x0.1 after this many epochs (`epoch > 49`: 50).
        l1_weight, hole_weight: `l1_weight * mean(|out - gt| * (1 + hole_weight * M))`.
        adv_weight: nsgan generator loss weight.
        prior_weight, prior_hole_weight: the prior-distillation L1, weighted like the L1 with
            the 1/4-resolution mask.
        prior_cut_epoch: drop the prior loss after this many epochs (0 = never; the official
            code does it after epoch 60 on Paris StreetView only).
    """

    width: float = 1.0
    blocks: int = 8
    rdbs: int = 16
    rdb_layers: int = 6
    prior_channels: int = 152
    prior_scale: int = 2
    epochs: int = 60
    batch_size: int = 8
    lr: float = 1e-4
    betas: tuple[float, float] = (0.0, 0.9)
    lr_decay_epoch: int = 50
    l1_weight: float = 10.0
    hole_weight: float = 2.0
    adv_weight: float = 1.0
    prior_weight: float = 1.0
    prior_hole_weight: float = 3.0
    prior_cut_epoch: int = 0


@register_method("spl", label="SPL")
class SPL(TrainableMethod):
    """SPL's prior learner and SPADE image generator; input sides must be multiples of 4."""

    Options = SPLOptions
    ARCHITECTURE = ("width", "blocks", "rdbs", "rdb_layers", "prior_channels", "prior_scale")
    PAPER_LABEL = "SPL"
    multiple = 4
    EPOCH_OPTIONS = ("lr_decay_epoch", "prior_cut_epoch")
    SMALL = {"width": 0.125, "blocks": 4, "rdbs": 4, "prior_scale": 1}

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        generator = SPLGenerator(
            o.width, o.blocks, o.rdbs, o.rdb_layers, o.prior_channels, o.prior_scale
        )
        return {"generator": generator}

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` occluded images in [0, 1], `(N, 1, H, W)` masks (1 = hole) ->
        `(N, 3, H, W)` raw prediction in [0, 1] (the prior is for training only)."""
        return self.nets["generator"](images, masks)[0]

    def routine(self, ctx: TrainContext) -> SPLRoutine:
        return SPLRoutine(self, ctx)
