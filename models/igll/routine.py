"""IGLL's training step (paper Sec. 3.6, 4.2).

Per iteration: the generator's output once; `d_steps` discriminator updates on it (detached);
then one generator update against the updated discriminator.

Generator loss (paper Eq. for L_overall):
    w_perceptual L_perceptual + w_style L_style + w_local L_local + w_adv L_adv + w_svd L_svd
- L_perceptual: VGG19 relu1_1..relu5_1, mean L1 per layer (the layers of the authors' VGG loss);
- L_style: L1 between Gram matrices of VGG19 relu2_2, relu3_2, relu4_2 (the authors' style
  loss's layers);
  both on the completed image (prediction in the hole, ground truth outside) and dropped with a
  note when the ImageNet VGG19 file is missing;
- L_local: L1 over the hole pixels ("foreground differences");
- L_adv: relativistic-average GAN (BCE on logits);
- L_svd: `losses.svd_distance` between the completed image and the ground truth.
Discriminator loss (paper Eq. for L_dis): relativistic-average GAN; with the SVD term on the
discriminator side, the completed image's SVD distance to its ground truth is added to the
relativistic fake logits (the term whose target is "fake"); `svd_d_input: logits` uses the
code's term on the logits instead. The discriminator sees cat(image, edge map) globally and
on a crop around the hole (`hole_boxes`).
"""

from __future__ import annotations

import torch

from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.models.igll.discriminator import GlobalLocalDiscriminator, hole_boxes
from geoinpaint.models.igll.losses import (
    discriminator_loss,
    hole_l1,
    logit_svd_penalty,
    svd_distance,
)
from geoinpaint.nn.vgg import VGGFeatures, perceptual_loss, style_loss
from geoinpaint.training.data import Batch
from geoinpaint.training.losses import relativistic_average

PERCEPTUAL_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
STYLE_LAYERS = ("relu2_2", "relu3_2", "relu4_2")


def _layers(features: tuple[dict, ...], names: tuple[str, ...]) -> list[dict]:
    """Each feature dict restricted to `names`."""
    return [{k: f[k] for k in names} for f in features]


class IGLLRoutine(GanRoutine):
    """IGLL's generator and its global-local discriminator `d`, Adam for both."""

    def __init__(self, method: TrainableMethod, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        disc = GlobalLocalDiscriminator(3 + int(o.structure_prior), o.d_cnum, ctx.size)
        self.add_network("d", disc)
        betas = (o.beta1, o.beta2)
        self.add_optimizer("g", method.parameters_of(), lr=o.lr, betas=betas)
        self.add_optimizer("d", disc.parameters(), lr=o.lr, betas=betas)
        if o.lr_milestones:
            for name, opt in self.opts.items():
                sched = torch.optim.lr_scheduler.MultiStepLR(opt, list(o.lr_milestones), o.lr_gamma)
                self.add_scheduler(name, sched, per="step")
        self.vgg = None
        if o.w_perceptual or o.w_style:
            layers = PERCEPTUAL_LAYERS + STYLE_LAYERS
            self.vgg = method.optional("perceptual_loss", lambda: VGGFeatures("vgg19", layers))
        if self.vgg is not None:
            self.vgg.to(ctx.device)

    def _discriminate(
        self, images: torch.Tensor, edges: torch.Tensor | None, boxes: torch.Tensor
    ) -> torch.Tensor:
        x = images * 2 - 1
        if edges is not None:
            x = torch.cat([x, edges.to(x.dtype)], 1)
        return self.nets["d"](x, boxes).float()

    def _vgg_losses(self, completed: torch.Tensor, gt: torch.Tensor) -> dict[str, torch.Tensor]:
        pred_f = self.vgg(completed)
        with torch.no_grad():
            gt_f = self.vgg(gt)
        return {
            "perceptual": perceptual_loss(*_layers((pred_f, gt_f), PERCEPTUAL_LAYERS)),
            "style": style_loss(*_layers((pred_f, gt_f), STYLE_LAYERS)),
        }

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, m = batch.images, batch.masks
        edges = self.method.training_edges(gt, m)
        with self.autocast():
            pred = self.method.predict(batch.occluded(0.0), m, edges=edges).float()
        completed = pred * m + gt * (1 - m)
        boxes = hole_boxes(m, self.nets["d"].crop)
        svd = svd_distance(completed, gt, o.svd_rank) if o.svd_loss != "off" else None
        svd_in_d = o.svd_loss in ("both", "discriminator")

        self.requires_grad(True, "d")
        for _ in range(o.d_steps):
            with self.autocast():
                real = self._discriminate(gt, edges, boxes)
                fake = self._discriminate(completed.detach(), edges, boxes)
            shift = None
            if svd_in_d and o.svd_d_input == "images":
                shift = svd.detach()[:, None]
            elif svd_in_d:
                shift = logit_svd_penalty(real, fake)
            d_loss = discriminator_loss(real, fake, shift)
            self.update("d", d_loss)
        self.requires_grad(False, "d")

        with self.autocast():
            real = self._discriminate(gt, edges, boxes)
            fake = self._discriminate(completed, edges, boxes)
        adv = relativistic_average(real, fake, for_discriminator=False)
        local = hole_l1(pred, gt, m)
        total = o.w_local * local + o.w_adv * adv
        out = {"l1": local.detach(), "g_adv": adv.detach(), "d": d_loss.detach()}
        if self.vgg is not None:
            for key, value in self._vgg_losses(completed, gt).items():
                total = total + getattr(o, f"w_{key}") * value
                out[key] = value.detach()
        if svd is not None:
            out["svd"] = svd.mean().detach()
            if o.svd_loss in ("both", "generator"):
                total = total + o.w_svd * svd.mean()
        self.update("g", total)
        out["total"] = total.detach()
        return out
