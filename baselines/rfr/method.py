"""RFR-Net as a trained method of the suite: options (defaults = the authors' settings), the
registered method and its training routine.

Schedule: Adam 2e-4 (default betas), batch 6, no decay; then a fine-tuning phase at 5e-5 with
every BatchNorm frozen in eval mode (the authors' `--finetune`, which they say colour stability
needs). The code counts iterations (README: Paris StreetView 400k + 200k at batch 6 on 14,900
images, about 161 + 81 epochs); the suite counts epochs, `finetune_epochs` of them at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from geoinpaint.baselines.rfr.losses import VGG_LAYERS, PConvLossWeights, rfr_loss
from geoinpaint.baselines.rfr.network import RFRNet
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method
from geoinpaint.nn.vgg import VGGFeatures
from geoinpaint.training.data import Batch


@dataclass(frozen=True)
class RFROptions(TrainOptions):
    """RFR-Net's options; architecture: `width`, `iterations`, `kernel`.

    Attributes:
        width: channel multiplier (1.0 = official: 64 channels at H/2, 512 in the RFR module).
        iterations: recurrences of the RFR module (6).
        kernel: side of the head's second and the recurrence's partial convs (7; the authors'
            `RFRNet_Smaller_Hole.py` uses 5).
        epochs: all epochs, fine-tuning included.
        finetune_epochs: the last epochs, at `finetune_lr` with BatchNorm frozen.
        lr: Adam learning rate before fine-tuning.
        finetune_lr: Adam learning rate of the fine-tuning phase.
        loss: the loss weights.
    """

    width: float = 1.0
    iterations: int = 6
    kernel: int = 7
    epochs: int = 240
    finetune_epochs: int = 80
    batch_size: int = 6
    lr: float = 2e-4
    finetune_lr: float = 5e-5
    loss: PConvLossWeights = field(default_factory=PConvLossWeights)


@register_method("rfr", label="RFR")
class RFR(TrainableMethod):
    """RFR-Net: one generator, no discriminator; output = raw conv output in about [0, 1]."""

    Options = RFROptions
    ARCHITECTURE = ("width", "iterations", "kernel")
    PAPER_LABEL = "RFR"
    multiple = 16  # a stride-2 head, then three stride-2 levels in the RFR module
    EPOCH_OPTIONS = ("finetune_epochs",)
    SMALL = {"width": 0.125}

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        if not 0 <= o.finetune_epochs <= o.epochs:
            raise ValueError(
                f"rfr: finetune_epochs={o.finetune_epochs} must lie in [0, epochs={o.epochs}]"
            )
        if o.kernel % 2 == 0:
            raise ValueError(
                f"rfr: kernel must be odd (size-keeping partial convs), got {o.kernel}"
            )
        return {"generator": RFRNet(o.width, o.iterations, o.kernel)}

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        valid = 1 - masks
        # The network sees the known pixels only: the code's input is `gt * mask`.
        return self.nets["generator"](images * valid, valid)

    def routine(self, ctx: TrainContext) -> RFRRoutine:
        return RFRRoutine(self, ctx)


class RFRRoutine(GanRoutine):
    """Generator-only training with the RFR loss; BatchNorm frozen while fine-tuning."""

    def __init__(self, method: RFR, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        opt = self.add_optimizer("g", method.parameters_of(), lr=o.lr)
        start, ratio = o.epochs - o.finetune_epochs, o.finetune_lr / o.lr
        self.finetune_start = start
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 if e < start else ratio)
        self.add_scheduler("g", sched, per="epoch")
        self.vgg = method.optional("perceptual_loss", lambda: VGGFeatures("vgg16", VGG_LAYERS))
        if self.vgg is not None:
            self.vgg.to(ctx.device)

    @property
    def finetuning(self) -> bool:
        """Whether the current epoch belongs to the fine-tuning phase."""
        return self.scheds["g"][0].last_epoch >= self.finetune_start

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        if self.finetuning:
            for module in self.nets["generator"].modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.eval()
        with self.autocast():
            out = self.method.predict(batch.occluded(0.0), batch.masks)
            losses = rfr_loss(out, batch.images, batch.masks, self.vgg, self.method.options.loss)
        self.update("g", losses["total"])
        return losses
