"""HAN: Hourglass Attention Network for Image Inpainting (Deng, Hui, Meng, Zhou, Wang; ECCV 2022),
IGLL's lightweight baseline [29] (Tables 2-3).

Registered as `han`. At the default options the generator is the official one
(dengyecode/hourglassattention): 19,446,475 parameters and 114.737 G thop MACs at 256x256, the
figures of IGLL's Table 3. `width` scales every channel count (generator and discriminator) for
CPU variants. docs/fidelity/han.md lists what follows the paper, the code, or neither.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from geoinpaint.baselines.han.network import HANGenerator, init_normal
from geoinpaint.baselines.han.routine import HANRoutine
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method

NGF = 64


@dataclass(frozen=True)
class HANOptions(TrainOptions):
    """HAN's settings; defaults are the official code's (README training command).

    Attributes:
        width: channel multiplier of the generator (encoder 64, attention 256 at 1.0) and of the
            discriminator (64..512 at 1.0).
        noise_std: std of the Gaussian noise the official generator adds to its input, at
            training and test time (1/256; 0 turns it off).
        epochs: the paper trains by iterations on its datasets (no count given; the code's cap
            is 5M); the suite follows IGLL's 40 epochs for every method.
        batch_size: 6 (paper).
        lr, beta1, beta2, weight_decay: AdamW for G and D; 1e-4 as the README trains (the
            code's default 1e-5 is its fine-tuning rate), betas (0.5, 0.9), weight decay 0.01
            (AdamW's default: the code never passes its `--weight_decay`); constant rate.
        lambda_l1, lambda_perceptual, lambda_style, lambda_adv: loss weights 1, 1, 250, 0.1.
    """

    width: float = 1.0
    noise_std: float = 1.0 / 256.0
    epochs: int = 40
    batch_size: int = 6
    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.9
    weight_decay: float = 0.01
    lambda_l1: float = 1.0
    lambda_perceptual: float = 1.0
    lambda_style: float = 250.0
    lambda_adv: float = 0.1


@register_method("han", label="HAN")
class HAN(TrainableMethod):
    """Hourglass attention inpainting: one generator, trained against an SN-PatchGAN."""

    Options = HANOptions
    ARCHITECTURE = ("width",)
    PAPER_LABEL = "HAN"
    multiple = 32  # two stride-2 convs, then 8x8 patches in the attention hourglass
    SMALL = {"width": 0.125}

    def build(self) -> dict[str, nn.Module]:
        ngf = round(NGF * self.options.width)
        if ngf < 1:
            raise ValueError(f"HAN width {self.options.width} leaves no channels (64 x width < 1)")
        generator = HANGenerator(ngf)
        init_normal(generator)
        return {"generator": generator}

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` in [0, 1] and `(N, 1, H, W)` holes -> `(N, 3, H, W)`, about [0, 1]."""
        valid = 1 - masks  # the official mask is 1 on known pixels
        x = (images * 2 - 1) * valid
        if self.options.noise_std:
            # training draws from the run's seeded stream; inference from a fixed one, so that
            # the same input always gives the same output (the official code draws anew)
            gen = None
            if not self.nets.training:
                gen = torch.Generator(x.device).manual_seed(0)
            noise = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
            x = x + self.options.noise_std * noise
        out = self.nets["generator"](torch.cat([x, valid], 1))
        return (out + 1) / 2

    def routine(self, ctx: TrainContext) -> HANRoutine:
        return HANRoutine(self, ctx)
