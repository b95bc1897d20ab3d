"""CSA (Liu, Jiang, Xiao, Yang: "Coherent Semantic Attention for Image Inpainting", ICCV 2019)
as a trained method of the suite.

Pipeline (the authors' code, docs/fidelity/csa.md): images in [-1, 1]; the hole is filled with
the ImageNet mean colour and the rough network predicts P; the refinement network sees
`cat(P * M + x * (1 - M), x * (1 - M))` (the second half has its hole zeroed, a side effect in
the authors' code) with P's values only (no gradient reaches the rough network from the
refinement) and outputs the image, used without compositing (the suite composites every
output itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import torch
from torch import nn

from geoinpaint.baselines.csa.attention import feature_hole
from geoinpaint.baselines.csa.network import CoarseUNet, RefineUNet, init_normal
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method

if TYPE_CHECKING:
    from geoinpaint.baselines.csa.routine import CSARoutine

# The authors' hole fill: ImageNet's mean colour (123, 104, 117) / 255, mapped to [-1, 1].
MEAN_FILL = (2 * 123 / 255 - 1, 2 * 104 / 255 - 1, 2 * 117 / 255 - 1)


@dataclass(frozen=True)
class CSAOptions(TrainOptions):
    """CSA's settings; defaults are the authors' code's (`train.ipynb`).

    Attributes:
        width: channel multiplier of every network (generators ngf = 64 x width,
            discriminators ndf = 64 x width, feature discriminator 512 x width); 1 = official.
        downsamplings: stride-2 levels of both U-Nets (8 = the official 256 px nets); image
            sides must be multiples of 2^downsamplings; at least 5. The CSA layer stays at 1/8.
        threshold: a 1/8-resolution position is a hole when its averaged mask exceeds this.
        lambda_l1: weight of the whole-image L1 of both outputs (code 100; paper 1 : 0.01 :
            0.002 for reconstruction : consistency : adversarial, the same ratio).
        gan_weight: weight of the two relativistic LSGAN terms (code 0.2).
        consistency_weight: weight of each consistency (InnerCos) term (code strength 1).
        official_detach: True reproduces the authors' code, where the consistency loss and the
            feature discriminator's generator term are detached and train nothing; False
            (default, the paper's losses) lets both reach the generator.
        lr, beta1: Adam for all four networks (code 2e-4, 0.5; beta2 0.999).
        lr_constant_epochs, lr_decay_epochs: constant lr, then linear decay to 0 (code 20,
            100); `epochs` = their sum.
        batch_size: code 1 ("need to be set to 1": its CSA layer used sample 0's mask); any
            batch size works here.
    """

    width: float = 1.0
    downsamplings: int = 8
    threshold: float = 5 / 16
    lambda_l1: float = 100.0
    gan_weight: float = 0.2
    consistency_weight: float = 1.0
    official_detach: bool = False
    lr: float = 2e-4
    beta1: float = 0.5
    lr_constant_epochs: int = 20
    lr_decay_epochs: int = 100
    epochs: int = 120
    batch_size: int = 1


class CSAForward(NamedTuple):
    """One forward pass in the networks' [-1, 1] space.

    Attributes:
        coarse: `(N, 3, H, W)` the rough network's output P.
        refined: `(N, 3, H, W)` the refinement network's output.
        csa, decoder: the two consistency features (`RefineOutput`).
        hole: `(N, 1, H/8, W/8)` bool, the hole at the CSA layer's resolution.
    """

    coarse: torch.Tensor
    refined: torch.Tensor
    csa: torch.Tensor
    decoder: torch.Tensor
    hole: torch.Tensor


@register_method("csa", label="CSA")
class CSA(TrainableMethod):
    """Coarse U-Net + refinement U-Net with the coherent semantic attention layer."""

    Options = CSAOptions
    ARCHITECTURE = ("width", "downsamplings")
    PAPER_LABEL = "CSA"
    multiple = 256  # 2^downsamplings: the paper's nets; `build` sets a variant's own
    EPOCH_OPTIONS = ("lr_constant_epochs", "lr_decay_epochs")
    SMALL = {"width": 0.125, "downsamplings": 6}
    options: CSAOptions

    @classmethod
    def size_problem(cls, options: CSAOptions, size: int) -> str:
        side = 2**options.downsamplings
        if size % side:
            return (
                f"with {options.downsamplings} downsamplings the side must be a multiple of {side}"
            )
        return ""

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        if o.width <= 0:
            raise ValueError(f"CSA width must be positive, got {o.width}")
        self.multiple = 2**o.downsamplings
        ngf = max(1, round(64 * o.width))
        nets = {
            "coarse": CoarseUNet(ngf, o.downsamplings),
            "refine": RefineUNet(ngf, o.downsamplings),
        }
        for net in nets.values():
            init_normal(net)
        return nets

    def forward_all(self, images: torch.Tensor, masks: torch.Tensor) -> CSAForward:
        """Both networks on `(N, 3, H, W)` images in [0, 1] (hole pixels ignored) and
        `(N, 1, H, W)` masks (1 = hole)."""
        h, w = images.shape[-2:]
        if h % self.multiple or w % self.multiple:
            raise ValueError(
                f"CSA with {self.options.downsamplings} downsamplings needs image sides that "
                f"are multiples of {self.multiple}, got {h}x{w}"
            )
        m = masks.float()
        x = images.float() * 2 - 1
        known = x * (1 - m)
        fill = torch.tensor(MEAN_FILL, device=x.device).view(1, 3, 1, 1)
        coarse = self.nets["coarse"](known + fill * m)
        merged = coarse.detach() * m + known
        hole = feature_hole(m, 3, self.options.threshold)
        out = self.nets["refine"](torch.cat([merged, known], 1), hole)
        return CSAForward(coarse, out.image, out.csa, out.decoder, hole)

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return (self.forward_all(images, masks).refined + 1) / 2

    def routine(self, ctx: TrainContext) -> CSARoutine:
        from geoinpaint.baselines.csa.routine import CSARoutine

        return CSARoutine(self, ctx)
