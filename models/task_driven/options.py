"""Options of the task-driven coarse-to-fine family (config `inpainting.*`, a row's overrides).

Defaults are the paper's settings (Sec. III-IV); where the paper is silent, the authors' code's
(docs/fidelity.md). Each registered name fixes a preset of them (`models.task_driven`).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields
from typing import Literal

from geoinpaint.methods.options import TrainOptions
from geoinpaint.models.task_driven.generator import Encoder, Residual
from geoinpaint.training.losses import GanLoss


@dataclass(frozen=True)
class TaskDrivenOptions(TrainOptions):
    """Everything that defines one trained coarse-to-fine model.

    Attributes:
        encoder: `resnet34` (paper) or `resnet-small` (CPU variant).
        skips: encoder-decoder skip connections, 6 (paper) or 4 (authors' code).
        refine_conv: the authors' extra 3x3 conv after the residual sum.
        residual_on: `coarse` = R_refined = R_coarse + E_residual (Eq. 1); `composite` = the
            residual added to R_coarse * M + I * (1 - M) (authors' code).
        norm_affine: InstanceNorm with learned scale and shift (the authors' code: none; the
            paper is silent, so the default is the code's).
        init: `imagenet` = ResNet-34 layer1..layer3 from ImageNet, the rest PyTorch's default
            (paper); `normal` = every conv N(0, 0.02), as the authors' code (which thereby
            overwrites the ImageNet weights).
        hole_fill: value of the hole pixels in the network input (authors' code: 1.0, white).
        task_loss: use the frozen task network's loss.
        lambda_task: its weight lambda (paper: 5; 1.2 for cross-view).
        alpha1: weight of the LPIPS-VGG perceptual loss.
        lpips_rescale: map images from [0, 1] to [-1, 1] before LPIPS, the range the lpips
            package expects (the authors' code feeds [0, 1]).
        alpha2: weight of the adversarial losses.
        gan_loss: `bce` (Eq. 5) or `lsgan` (authors' code).
        disc_coarse, disc_refine: registered discriminators (`patchgan`, `dcgan`).
        d_coarse, d_refine: PatchGAN downsampling layers (Table VI).
        disc_padding: `same` (output H / 2^d, the paper's sizes) or `pix2pix` (authors' code).
        adv_input: what the generator's adversarial term shows the discriminators: `composite`
            (Eq. 2, as in their own updates) or `authors-code` (the raw R_coarse to D_c, and
            `cat(I * (1 - M), R_refined * M)` in place of `cat(condition, image)` to D_r).
        ndf: discriminator base width.
        task_input: the task loss sees the `composite` (default) or the `raw` refined output
            (authors' code).
        jsd_weight: weight of AugMix's Jensen-Shannon consistency term (Hendrycks et al. use
            12) on the frozen task network's predictions for the clean image and two AugMix
            draws; 0 = off (the paper does not use it). Needs `augment: augmix`.
        output: what `inpaint` returns, `refined` (R_refined) or `coarse` (R_coarse, Sec. H).
        lr, beta1, beta2, lr_step, lr_gamma: Adam and StepLR (paper/code: 2e-4, (0.5, 0.999),
            30 epochs x 0.8); epochs 101, batch 4.
    """

    encoder: Encoder = "resnet34"
    skips: int = 6
    refine_conv: bool = False
    residual_on: Residual = "coarse"
    norm_affine: bool = False
    init: Literal["imagenet", "normal"] = "imagenet"
    hole_fill: float = 1.0
    task_loss: bool = True
    lambda_task: float = 5.0
    alpha1: float = 1.0
    lpips_rescale: bool = True
    alpha2: float = 1.0
    gan_loss: GanLoss = "bce"
    disc_coarse: str = "patchgan"
    disc_refine: str = "patchgan"
    d_coarse: int = 3
    d_refine: int = 3
    disc_padding: Literal["same", "pix2pix"] = "same"
    adv_input: Literal["composite", "authors-code"] = "composite"
    ndf: int = 64
    task_input: Literal["composite", "raw"] = "composite"
    jsd_weight: float = 0.0
    output: Literal["refined", "coarse"] = "refined"
    epochs: int = 101
    batch_size: int = 4
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    lr_step: int = 30
    lr_gamma: float = 0.8

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in fields(self):
            allowed = typing.get_args(hints[f.name])
            if typing.get_origin(hints[f.name]) is Literal and getattr(self, f.name) not in allowed:
                raise ValueError(
                    f"task-driven option {f.name}: {getattr(self, f.name)!r} is not one of "
                    f"{allowed}"
                )
        if self.jsd_weight and self.augment != "augmix":
            raise ValueError("jsd_weight is AugMix's consistency term: it needs augment: augmix")
