"""HAN's training step (official code `model/han_model.py`).

Per iteration the discriminator, then the generator is updated (AdamW, betas (0.5, 0.9)).
D judges the ground truth against the raw generator output with the non-saturating GAN loss,
averaged over real and fake. G's loss is
`1 L1 + 1 perceptual + 250 style + 0.1 GAN`, where L1 and GAN see the whole raw output and the
style loss its hole region (output and ground truth multiplied by the hole mask). Images enter
L1 and D in the generator's [-1, 1] range, as in the official code.
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
    from geoinpaint.baselines.han import HAN


class HANRoutine(GanRoutine):
    """G and the EdgeConnect SN-PatchGAN D, both AdamW with the same settings."""

    def __init__(self, method: HAN, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        self.add_network("d", EdgeConnectDiscriminator(3, o.width))
        for name, params in (("g", method.parameters_of()), ("d", self.nets["d"].parameters())):
            self.add_optimizer(
                name,
                params,
                lr=o.lr,
                betas=(o.beta1, o.beta2),
                optimizer=torch.optim.AdamW,
                weight_decay=o.weight_decay,
            )
        self.vgg = method.optional("perceptual_and_style_loss", EdgeConnectVGGLoss)
        if self.vgg is not None:
            self.vgg.to(ctx.device)

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, holes = batch.images, batch.masks
        with self.autocast():
            pred = self.method.predict(batch.occluded(), holes)
            fake, real = pred * 2 - 1, gt * 2 - 1

            self.requires_grad(True, "d")
            d_loss = 0.5 * (
                losses.adversarial(self.nets["d"](real), True)
                + losses.adversarial(self.nets["d"](fake.detach()), False)
            )
        self.update("d", d_loss)

        self.requires_grad(False, "d")
        with self.autocast():
            out = {"d": d_loss, "l1": losses.l1(pred, gt)}
            out["g_adv"] = losses.adversarial(self.nets["d"](fake), True)
            g_loss = o.lambda_l1 * losses.l1(fake, real) + o.lambda_adv * out["g_adv"]
            if self.vgg is not None:
                out["perceptual"] = self.vgg.perceptual(pred, gt)
                out["style"] = self.vgg.style(pred * holes, gt * holes)
                g_loss = g_loss + o.lambda_perceptual * out["perceptual"]
                g_loss = g_loss + o.lambda_style * out["style"]
        self.update("g", g_loss)
        out["total"] = g_loss
        return out
