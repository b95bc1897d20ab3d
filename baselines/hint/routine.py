"""HINT's training step (official code `src/models.py`, weights from `config.yml`).

D judges the ground truth against the raw generator output with LSGAN on its sigmoid output
(the official discriminator ends in a sigmoid), averaged over real and fake. G's loss is
`1 L1 / hole fraction + 0.1 perceptual + 250 style + 0.01 GAN`, where L1, perceptual and GAN see
the whole raw output and the style loss its hole region. All in [0, 1].

The official step back-propagates D's and G's losses before stepping either optimiser, so D's
update also carries the gradient of G's adversarial term; here D is updated first, then G
against the updated D with D's gradients off (docs/fidelity/hint.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from geoinpaint.baselines.han.discriminator import EdgeConnectDiscriminator
from geoinpaint.baselines.han.losses import EdgeConnectVGGLoss
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.training import losses
from geoinpaint.training.data import Batch

if TYPE_CHECKING:
    from geoinpaint.baselines.hint import HINT


def _lsgan(logits: torch.Tensor, real: bool) -> torch.Tensor:
    return losses.adversarial(torch.sigmoid(logits.float()), real, "lsgan")


class HINTRoutine(GanRoutine):
    """G (Adam 1e-4) and the EdgeConnect SN-PatchGAN D (Adam 1e-5)."""

    def __init__(self, method: HINT, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        self.add_network("d", EdgeConnectDiscriminator(3, o.width))
        betas = (o.beta1, o.beta2)
        self.add_optimizer("g", method.parameters_of(), lr=o.lr, betas=betas)
        self.add_optimizer("d", self.nets["d"].parameters(), lr=o.lr * o.d_lr_ratio, betas=betas)
        self.vgg = method.optional("perceptual_and_style_loss", EdgeConnectVGGLoss)
        if self.vgg is not None:
            self.vgg.to(ctx.device)

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, holes = batch.images, batch.masks
        with self.autocast():
            pred = self.method.predict(batch.occluded(), holes)
            self.requires_grad(True, "d")
            d_loss = 0.5 * (
                _lsgan(self.nets["d"](gt), True) + _lsgan(self.nets["d"](pred.detach()), False)
            )
        self.update("d", d_loss)

        self.requires_grad(False, "d")
        with self.autocast():
            out = {"d": d_loss, "l1": losses.l1(pred, gt)}
            out["g_adv"] = _lsgan(self.nets["d"](pred), True)
            # The official division by mean(mask); a batch without holes would divide by zero.
            hole_fraction = holes.mean().clamp_min(1.0 / holes.numel())
            g_loss = o.lambda_l1 * out["l1"] / hole_fraction + o.lambda_adv * out["g_adv"]
            if self.vgg is not None:
                out["perceptual"] = self.vgg.perceptual(pred, gt)
                out["style"] = self.vgg.style(pred * holes, gt * holes)
                g_loss = g_loss + o.lambda_perceptual * out["perceptual"]
                g_loss = g_loss + o.lambda_style * out["style"]
        self.update("g", g_loss)
        out["total"] = g_loss
        return out
