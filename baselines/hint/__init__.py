"""HINT: High-quality INpainting Transformer with Mask-Aware Encoding and Enhanced Attention
(Chen, Atapour-Abarghouei, Shum; IEEE TMM 2024), IGLL's lightweight baseline [20] (Tables 2-3).

Registered as `hint`. At the default options the generator is the official one
(ChrisChen1023/HINT): 72,265,248 parameters. IGLL's Table 3 lists 21.167 M, which no
configuration of the official code gives; the suite builds the official model and reports its
own count. `width` scales the channels (generator and discriminator), `blocks` the depth and
`ffn_factor` the feed-forward width for CPU variants. docs/fidelity/hint.md lists what follows
the paper, the code, or neither.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from geoinpaint.baselines.hint.network import HINTGenerator
from geoinpaint.baselines.hint.routine import HINTRoutine
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method

DIM = 48


@dataclass(frozen=True)
class HINTOptions(TrainOptions):
    """HINT's settings; defaults are the official `config.yml`'s (it overrides `config.py`).

    Attributes:
        width: channel multiplier: level-1 width `48 x width`, rounded to an even count (MPD
            halves it), and the discriminator's 64..512.
        blocks: sandwich blocks per level (paper 4, 6, 6, 8).
        ffn_factor: the feed-forward networks' expansion (paper 2.66).
        epochs: the code trains 300,001 iterations of batch 4 on its datasets; the suite
            follows IGLL's 40 epochs for every method.
        batch_size: 4.
        lr, beta1, beta2, d_lr_ratio: Adam for G at 1e-4, betas (0.9, 0.999); D at 0.1 x the
            G rate; constant (the config's `LR_Decay` is never used).
        lambda_l1, lambda_perceptual, lambda_style, lambda_adv: 1, 0.1, 250, 0.01; the L1 term
            is divided by the batch's hole fraction.
    """

    width: float = 1.0
    blocks: tuple[int, int, int, int] = (4, 6, 6, 8)
    ffn_factor: float = 2.66
    epochs: int = 40
    batch_size: int = 4
    lr: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.999
    d_lr_ratio: float = 0.1
    lambda_l1: float = 1.0
    lambda_perceptual: float = 0.1
    lambda_style: float = 250.0
    lambda_adv: float = 0.01


@register_method("hint", label="HINT")
class HINT(TrainableMethod):
    """Mask-aware transformer inpainting: one generator, trained against an SN-PatchGAN."""

    Options = HINTOptions
    ARCHITECTURE = ("width", "blocks", "ffn_factor")
    PAPER_LABEL = "HINT"
    multiple = 16  # three pixel-unshuffles, then SCAL's 2x average pool at the latent level
    SMALL = {"width": 0.125, "blocks": [1, 1, 1, 1], "ffn_factor": 1.0}

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        dim = 2 * round(DIM * o.width / 2)
        if dim < 2:
            raise ValueError(f"HINT width {o.width} leaves fewer than 2 channels (48 x width)")
        if len(o.blocks) != 4 or min(o.blocks) < 1:
            raise ValueError(f"HINT blocks must be 4 positive counts, got {o.blocks}")
        return {"generator": HINTGenerator(dim, o.blocks, ffn_factor=o.ffn_factor)}

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` in [0, 1] and `(N, 1, H, W)` holes -> `(N, 3, H, W)` in [0, 1]."""
        filled = images * (1 - masks) + masks  # the official input: holes white
        return self.nets["generator"](filled, masks)

    def routine(self, ctx: TrainContext) -> HINTRoutine:
        return HINTRoutine(self, ctx)
