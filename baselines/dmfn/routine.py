"""DMFN's training step (the authors' `InpaintingModel.optimize_parameters`).

Images in [-1, 1]; the generator sees `cat(image * (1 - M), M)` and its output is composited,
`out = M * G + (1 - M) * input`, before every loss. Per iteration, as the code does: one
generator update on

    1 * L1(out, gt) + 25 * VGG19 feature loss (self-guided on relu1_1, relu2_1)
    + 1 * centre loss (relu4_1) + 0.003 * RaGAN + 5 * local discriminator feature matching,

then one discriminator update on the relativistic average GAN loss (BCE on logits). The
discriminator sees the whole image and a half-size window around the hole. Without the ImageNet
VGG19 file the two VGG terms are dropped (`method.optional`), never replaced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch.optim.lr_scheduler import MultiStepLR

from geoinpaint.baselines.dmfn.discriminator import GlobalLocalDiscriminator
from geoinpaint.baselines.dmfn.losses import (
    VGG_LAYERS,
    centre_loss,
    crop,
    error_guidance,
    feature_matching,
    hole_windows,
    vgg_feature_loss,
)
from geoinpaint.baselines.dmfn.network import scaled
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.nn.vgg import VGGFeatures
from geoinpaint.training.data import Batch
from geoinpaint.training.losses import relativistic_average

if TYPE_CHECKING:
    from geoinpaint.baselines.dmfn import DMFN


class DMFNRoutine(GanRoutine):
    """Generator, global-local discriminator, their Adam optimisers and MultiStepLR schedules."""

    def __init__(self, method: DMFN, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        self.add_network("d", GlobalLocalDiscriminator(scaled(64, o.d_width), ctx.size))
        self.add_optimizer("g", method.parameters_of(), lr=o.lr, betas=o.betas)
        self.add_optimizer("d", self.nets["d"].parameters(), lr=o.lr, betas=o.betas)
        for name, opt in self.opts.items():
            milestones = list(o.lr_milestones)
            self.add_scheduler(name, MultiStepLR(opt, milestones, o.lr_gamma), per="step")
        self.vgg = method.optional("perceptual_loss", lambda: VGGFeatures("vgg19", VGG_LAYERS))
        if self.vgg is not None:
            self.vgg.to(ctx.device)

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, m = batch.images * 2 - 1, batch.masks
        x = gt * (1 - m)
        side = gt.shape[-1] // 2
        corners = hole_windows(m, side)
        d = self.nets["d"]

        self.requires_grad(False, "d")
        with self.autocast():
            out = m * self.nets["generator"](torch.cat([x, m], 1)) + (1 - m) * x
            fake_logits, fake_features = d(crop(out, corners, side), out)
            real_logits, real_features = d(crop(gt, corners, side), gt)
            l1 = (out.float() - gt).abs().mean()
            g_adv = relativistic_average(real_logits.detach(), fake_logits, False)
            dis_fm = feature_matching(fake_features, real_features)
            g_loss = o.pixel_weight * l1 + o.gan_weight * g_adv + o.dis_feature_weight * dis_fm
            losses = {"l1": l1, "g_adv": g_adv, "dis_fm": dis_fm}
            if self.vgg is not None:
                out_features, gt_features = self.vgg((out + 1) / 2), self.vgg((gt + 1) / 2)
                vgg = vgg_feature_loss(out_features, gt_features, error_guidance(out, gt))
                centre = centre_loss(out_features["relu4_1"], gt_features["relu4_1"])
                g_loss = g_loss + o.feature_weight * vgg + o.centre_weight * centre
                losses.update(vgg=vgg, centre=centre)
        self.update("g", g_loss)

        self.requires_grad(True, "d")
        fake = out.detach()
        with self.autocast():
            real_logits, _ = d(crop(gt, corners, side), gt)
            fake_logits, _ = d(crop(fake, corners, side), fake)
            d_loss = relativistic_average(real_logits, fake_logits, True)
        self.update("d", d_loss)
        return {**losses, "d": d_loss, "total": g_loss}
