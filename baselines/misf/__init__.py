"""MISF: Multi-level Interactive Siamese Filtering (Li, Guo, Lin, Li, Feng, Wang, CVPR 2022),
registered as the trained method `misf`.

The generator (`network.py`) predicts per-pixel kernels that filter its own features and its RGB
output; it sees `cat(image * (1 - M), M)` and returns `(tanh + 1) / 2`, so the occluder inside
the hole is never read. Training (`routine.py`) follows the official `checkpoints/config.yml`
(EdgeConnect's losses and optimiser). docs/fidelity/misf.md lists paper, code and suite choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from geoinpaint.baselines.misf.network import MISFGenerator
from geoinpaint.baselines.misf.routine import MISFRoutine
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method


@dataclass(frozen=True)
class MISFOptions(TrainOptions):
    """Defaults: the official code (tsingqguo/misf `checkpoints/config.yml`).

    Attributes:
        width: channel multiplier of the generator and the discriminator (1.0 = official).
        blocks: dilated residual blocks of the SIFB (official 8).
        epochs: passes over the training split. The official schedule counts iterations
            (MAX_ITERS 3.5e5 at batch 1, no LR schedule, best-PSNR checkpoint); the task-driven
            paper trains its baselines "until convergence". 100 passes is the suite's choice;
            `epochs = 350000 / n_train` reproduces the official image count.
        batch_size: the shipped config.yml's BATCH_SIZE 1 (EdgeConnect's DEFAULT_CONFIG: 8).
        lr: generator Adam learning rate; the discriminator's is `lr * d2g_lr`.
        betas: Adam betas of both optimisers (BETA1 0, BETA2 0.9).
        l1_weight, perceptual_weight, style_weight, adv_weight: L1 (over the whole image,
            divided by the hole fraction), VGG19 perceptual, VGG19 style (on the hole region) and
            nsgan adversarial weights.
        vgg_imagenet_norm: normalise the VGG19 input with ImageNet statistics. The official
            loss (EdgeConnect's) feeds [0, 1] images unnormalised: False reproduces it.
    """

    width: float = 1.0
    blocks: int = 8
    epochs: int = 100
    batch_size: int = 1
    lr: float = 1e-4
    d2g_lr: float = 0.1
    betas: tuple[float, float] = (0.0, 0.9)
    l1_weight: float = 1.0
    perceptual_weight: float = 0.1
    style_weight: float = 250.0
    adv_weight: float = 0.1
    vgg_imagenet_norm: bool = False


@register_method("misf", label="MISF")
class MISF(TrainableMethod):
    """MISF's siamese filtering generator; input sides must be multiples of 4."""

    Options = MISFOptions
    ARCHITECTURE = ("width", "blocks")
    PAPER_LABEL = "MISF"
    multiple = 4
    SMALL = {"width": 0.125}

    def build(self) -> dict[str, nn.Module]:
        return {"generator": MISFGenerator(self.options.width, self.options.blocks)}

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` occluded images in [0, 1], `(N, 1, H, W)` masks (1 = hole) ->
        `(N, 3, H, W)` raw prediction in [0, 1]."""
        known = images * (1 - masks)
        return self.nets["generator"](torch.cat([known, masks], 1))

    def routine(self, ctx: TrainContext) -> MISFRoutine:
        return MISFRoutine(self, ctx)
