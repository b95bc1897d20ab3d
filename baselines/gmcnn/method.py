"""GMCNN (Wang, Tao, Qi, Shen, Jia: "Image Inpainting via Generative Multi-column
Convolutional Neural Networks", NeurIPS 2018) as a trained method of the suite.

The generator is the authors' PyTorch `GMCNN` (12,561,891 parameters; their TensorFlow one,
which produced the paper's figures, differs by 1 %). Its input is the image in [-1, 1] with
the hole set to 0, concatenated with the mask; its output is clamped to [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import torch
from torch import nn

from geoinpaint.baselines.csa.network import init_normal
from geoinpaint.baselines.gmcnn.network import GMCNN as Generator
from geoinpaint.baselines.gmcnn.network import Padding
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method

if TYPE_CHECKING:
    from geoinpaint.baselines.gmcnn.routine import GMCNNRoutine


@dataclass(frozen=True)
class GMCNNOptions(TrainOptions):
    """GMCNN's settings; defaults are the authors' PyTorch code's (`train_options.py`).

    Attributes:
        width: channel multiplier: generator cnum = 32 x width, discriminators d_cnum =
            64 x width (1 = official).
        dilations: the dilated convs of each column (official 2, 4, 8, 16).
        padding: `reflect` (PyTorch code; needs sides >= 12 x max(dilations) + 4, 196 px
            officially) or `zero` (the TensorFlow code's SAME padding; any multiple of 4).
        lambda_rec: confidence-driven reconstruction loss in the hole (1.4).
        lambda_ae: L1 on the known region (1.2).
        lambda_mrf: ID-MRF loss (0.05), after pretraining.
        lambda_adv: adversarial loss (1e-3), after pretraining.
        gan_loss: `hinge` (PyTorch code, with spectral norm) or `wgan-gp` (paper and
            TensorFlow code: WGAN with gradient penalty `lambda_gp`, 10).
        spectral_norm: spectrally normalise the discriminators (PyTorch code: yes).
        d_steps: discriminator updates per generator update (5).
        confidence_size: side of the confidence-driven blur kernel (65 px at 256 px; the paper
            says 64); 7 iterations, the authors' sigma 1/40.
        pretrain_epochs: epochs of reconstruction-only training (`--pretrain_network 1`) before
            ID-MRF and the discriminators join; the generator's Adam restarts then, as the
            authors' second run does. 40 + 40 epochs (their `epochs` default, per run).
        lr, beta1, beta2: Adam for G and D (1e-5, 0.5, 0.9).
        batch_size: 8 (their pretraining script; 6 in their fine-tuning script).
    """

    width: float = 1.0
    dilations: tuple[int, ...] = (2, 4, 8, 16)
    padding: Literal["reflect", "zero"] = "reflect"
    lambda_rec: float = 1.4
    lambda_ae: float = 1.2
    lambda_mrf: float = 0.05
    lambda_adv: float = 1e-3
    gan_loss: Literal["hinge", "wgan-gp"] = "hinge"
    spectral_norm: bool = True
    lambda_gp: float = 10.0
    d_steps: int = 5
    confidence_size: int = 65
    pretrain_epochs: int = 40
    epochs: int = 80
    lr: float = 1e-5
    beta1: float = 0.5
    beta2: float = 0.9
    batch_size: int = 8


@register_method("gmcnn", label="GMCNN")
class GMCNN(TrainableMethod):
    """Generative multi-column CNN with confidence-driven, ID-MRF and global/local GAN losses."""

    Options = GMCNNOptions
    ARCHITECTURE = ("width", "dilations", "padding")
    PAPER_LABEL = "GMCNN"
    multiple = 4
    EPOCH_OPTIONS = ("pretrain_epochs",)
    SMALL = {"width": 0.125, "dilations": [2, 4], "confidence_size": 17}
    options: GMCNNOptions

    @classmethod
    def size_problem(cls, options: GMCNNOptions, size: int) -> str:
        smallest = Generator(2, options.dilations, options.padding).min_side
        if size % 4 or size < smallest:
            return (
                f"with dilations {tuple(options.dilations)} and {options.padding} padding the "
                f"side must be a multiple of 4 and at least {smallest}"
            )
        return ""

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        if o.width <= 0:
            raise ValueError(f"GMCNN width must be positive, got {o.width}")
        padding: Padding = o.padding
        generator = Generator(max(2, round(32 * o.width)), o.dilations, padding)
        init_normal(generator)  # the authors' init_weights: N(0, 0.02), zero biases
        return {"generator": generator}

    def generate(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` images in [0, 1] (hole pixels ignored), `(N, 1, H, W)` masks ->
        the raw prediction in [-1, 1]."""
        m = masks.float()
        x = (images.float() * 2 - 1) * (1 - m)
        return self.nets["generator"](torch.cat([x, m], 1))

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return (self.generate(images, masks) + 1) / 2

    def routine(self, ctx: TrainContext) -> GMCNNRoutine:
        from geoinpaint.baselines.gmcnn.routine import GMCNNRoutine

        return GMCNNRoutine(self, ctx)
