"""One CSA training iteration (Liu et al., ICCV 2019, Sec. 3.4; the authors' `CSA.py`).

Per iteration the discriminators are updated first, then both generators:
- D: `0.5 RaLSGAN(D(gt), D(out)) + 0.5 RaLSGAN(F(vgg(gt)), F(vgg(out)))`, where D is the RGB
  patch discriminator on the raw refined output `out` and F the feature patch discriminator on
  VGG16 relu3_3;
- G: `lambda_l1 [L1(out, gt) + L1(P, gt)] + gan_weight [RaLSGAN_G(D) + RaLSGAN_G(F)]
  + consistency_weight [InnerCos(csa) + InnerCos(decoder)]`, the consistency target being VGG16
  relu4_3 of the ground truth.

VGG16 sees images in [-1, 1] without ImageNet normalisation, as in the authors' code. Without
the VGG16 weights, the consistency loss and the feature discriminator are dropped (the
method's notes say so) and the D loss keeps its 0.5 weight on the patch term.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from geoinpaint.baselines.csa.discriminators import FeaturePatchDiscriminator, PatchDiscriminator
from geoinpaint.baselines.csa.losses import consistency, relativistic_lsgan
from geoinpaint.baselines.csa.network import init_normal
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.nn.vgg import IMAGENET_MEAN, IMAGENET_STD, VGGFeatures
from geoinpaint.training import losses
from geoinpaint.training.data import Batch

if TYPE_CHECKING:
    from geoinpaint.baselines.csa.method import CSA

VGG_LAYERS = ("relu3_3", "relu4_3")


def linear_decay(constant: int, decay: int):
    """The authors' lr factor per epoch e (from 0): `1 - max(0, e + 2 - constant) / (decay + 1)`
    (pix2pix's rule with their `epoch_count` 1 and an extra +1)."""

    def factor(epoch: int) -> float:
        return 1.0 - max(0, epoch + 2 - constant) / (decay + 1)

    return factor


class CSARoutine(GanRoutine):
    """Patch and feature-patch discriminators, then the coarse and refinement generators."""

    method: CSA

    def __init__(self, method: CSA, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        ndf = max(1, round(64 * o.width))
        self.discriminators = ["d_patch"]
        init_normal(self.add_network("d_patch", PatchDiscriminator(ndf)))
        self.vgg = method.optional(
            "consistency_loss_and_feature_discriminator", lambda: VGGFeatures("vgg16", VGG_LAYERS)
        )
        if self.vgg is not None:
            self.vgg.to(ctx.device)
            width = max(1, round(512 * o.width))
            init_normal(self.add_network("d_feature", FeaturePatchDiscriminator(width)))
            self.discriminators.append("d_feature")
        betas = (o.beta1, 0.999)
        self.add_optimizer("g", method.parameters_of(), lr=o.lr, betas=betas)
        d_params = [p for name in self.discriminators for p in self.nets[name].parameters()]
        self.add_optimizer("d", d_params, lr=o.lr, betas=betas)
        decay = linear_decay(o.lr_constant_epochs, o.lr_decay_epochs)
        for name in ("g", "d"):
            self.add_scheduler(name, torch.optim.lr_scheduler.LambdaLR(self.opts[name], decay))
        self.mean = torch.tensor(IMAGENET_MEAN, device=ctx.device).view(1, 3, 1, 1)
        self.std = torch.tensor(IMAGENET_STD, device=ctx.device).view(1, 3, 1, 1)

    def _vgg(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """VGG16 features of `x` in [-1, 1] fed as-is (`VGGFeatures` normalises its input, so
        the inverse of that normalisation is applied first)."""
        assert self.vgg is not None
        return self.vgg(x * self.std + self.mean)

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt = batch.images * 2 - 1
        d_patch, d_feature = self.nets["d_patch"], self.nets["d_feature"] if self.vgg else None
        with self.autocast():
            f = self.method.forward_all(batch.images, batch.masks)
            if self.vgg is not None:
                with torch.no_grad():
                    real = self._vgg(gt)
                fake = self._vgg(f.refined.detach() if o.official_detach else f.refined)
        out: dict[str, torch.Tensor] = {}

        self.requires_grad(True, *self.discriminators)
        with self.autocast():
            d_loss = 0.5 * relativistic_lsgan(d_patch(gt), d_patch(f.refined.detach()), True)
            if d_feature is not None:
                out["d_feature"] = relativistic_lsgan(
                    d_feature(real["relu3_3"]), d_feature(fake["relu3_3"].detach()), True
                )
                d_loss = d_loss + 0.5 * out["d_feature"]
        self.update("d", d_loss)
        self.requires_grad(False, *self.discriminators)

        with self.autocast():
            l1 = losses.l1(f.refined.float(), gt) + losses.l1(f.coarse.float(), gt)
            adv = relativistic_lsgan(d_patch(gt), d_patch(f.refined), False)
            if d_feature is not None:
                adv = adv + relativistic_lsgan(
                    d_feature(real["relu3_3"]), d_feature(fake["relu3_3"]), False
                )
            total = o.lambda_l1 * l1 + o.gan_weight * adv
            if self.vgg is not None:
                target = real["relu4_3"]
                cons = consistency(f.csa, f.hole, target) + consistency(f.decoder, f.hole, target)
                total = total + o.consistency_weight * (
                    cons.detach() if o.official_detach else cons
                )
                out["consistency"] = cons
        self.update("g", total)
        return {"l1": l1, "g_adv": adv, "d": d_loss, **out, "total": total}
