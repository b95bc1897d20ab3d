"""PD-GAN's training routine: two stages in one run (see `method.py`).

Stage 1 (the first `prior_epochs` epochs): the PConv prior alone, with the PConv loss, Adam
(lr, betas (beta1, 0.999)), the PConv model's schedule: factor 1 - max(0, e + 2 - niter) /
(niter_decay + 1) after e epochs of the stage (the code's LambdaLR with `epoch_count` 1).

Stage 2: the prior frozen; per iteration one D update then one G update on two samples per image
(noises z_A, z_B from the global RNG, the same prior image), G at lr / 2 and D at 2 lr with betas
(beta1, 0.9), and PD-GAN's schedule: factor 1 - max(0, e - niter) / niter_decay after e epochs
of the stage (the code's `update_learning_rate`).
"""

from __future__ import annotations

import warnings

import torch

from geoinpaint.baselines.pdgan import losses as L
from geoinpaint.baselines.pdgan.discriminator import MultiscaleDiscriminator
from geoinpaint.baselines.pdgan.method import PDGAN, init_normal
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.nn.vgg import VGGFeatures
from geoinpaint.training.data import Batch

LambdaLR = torch.optim.lr_scheduler.LambdaLR


class PDGANRoutine(GanRoutine):
    """Stage 1 trains `prior`; stage 2 trains `generator` and the discriminator `d`."""

    def __init__(self, method: PDGAN, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        ndf = max(1, round(64 * o.width))
        self.add_network("d", init_normal(MultiscaleDiscriminator(6, ndf, o.layers_d, o.num_d)))
        prior = self.add_optimizer(
            "prior", method.parameters_of("prior"), lr=o.lr, betas=(o.beta1, 0.999)
        )
        g = self.add_optimizer(
            "g", method.parameters_of("generator"), lr=o.lr / 2, betas=(o.beta1, 0.9)
        )
        d = self.add_optimizer("d", self.nets["d"].parameters(), lr=o.lr * 2, betas=(o.beta1, 0.9))

        def prior_factor(e: int) -> float:
            return max(0.0, 1 - max(0, e + 2 - o.niter) / (o.niter_decay + 1))

        def gan_factor(e: int) -> float:
            return max(0.0, 1 - max(0, e - o.prior_epochs - o.niter) / max(1, o.niter_decay))

        self.add_scheduler("prior", LambdaLR(prior, prior_factor))
        self.add_scheduler("g", LambdaLR(g, gan_factor))
        self.add_scheduler("d", LambdaLR(d, gan_factor))
        self.vgg_prior = method.optional(
            "perceptual_loss", lambda: VGGFeatures("vgg16", L.VGG_LAYERS)
        )
        self.vgg = None
        if self.vgg_prior is not None:
            self.vgg_prior.to(ctx.device)
            self.vgg = VGGFeatures("vgg16", L.PERCEPTUAL).to(ctx.device)

    @property
    def training_prior(self) -> bool:
        """Whether the current epoch belongs to stage 1."""
        return self.scheds["prior"][0].last_epoch < self.method.options.prior_epochs

    def end_epoch(self, epoch: int) -> dict[str, float]:
        # the rate the epoch's stage trained with (read before its scheduler steps)
        active = "prior" if self.training_prior else "g"
        lr = self.opts[active].param_groups[0]["lr"]
        # Every stage's schedule counts all epochs, so the idle stage's schedulers step too;
        # torch warns about a scheduler stepped before its optimizer: expected here.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
            row = super().end_epoch(epoch)
        return {**row, "lr": lr}

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        return self.prior_step(batch) if self.training_prior else self.gan_step(batch)

    def prior_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        weights, gt = self.method.options.prior_loss, batch.images * 2 - 1
        with self.autocast():
            out = self.method.prior_image(batch.occluded(0.0), batch.masks)
            losses = L.prior_loss(out, gt, batch.masks, self.vgg_prior, weights)
        self.update("prior", losses["total"])
        return {**losses, "l1": (out.detach().float() - gt).abs().mean() / 2}

    def gan_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o, method = self.method.options, self.method
        gt, hole = batch.images * 2 - 1, batch.masks
        n = len(gt)
        self.nets["prior"].eval()
        with torch.no_grad(), self.autocast():
            prior = method.prior_image(batch.occluded(0.0), hole).float()
        z = torch.randn(2 * n, o.z_dim, device=self.device)
        hole3 = hole.expand(-1, 3, -1, -1)
        with self.autocast():
            fake = method.generate(z, prior.repeat(2, 1, 1, 1), hole.repeat(2, 1, 1, 1))
            fake_a, fake_b = fake.chunk(2)

            # D: both fakes and the real image in one pass (instance norms: per sample).
            self.requires_grad(True, "d")
            preds = self.discriminate(torch.cat([fake.detach(), gt]), hole3)
            fa, fb, real = self.split(preds, 3)
            # The code adds the real term once per fake.
            d_loss = L.d_hinge(fa, False) + L.d_hinge(fb, False) + 2 * L.d_hinge(real, True)
        self.update("d", d_loss)

        self.requires_grad(False, "d")
        with self.autocast():
            fa, fb, real = self.split(self.discriminate(torch.cat([fake, gt]), hole3), 3)
            comps = [f.float() * hole + gt * (1 - hole) for f in (fake_a, fake_b)]
            terms = {
                "g_adv": L.g_hinge(fa) + L.g_hinge(fb),
                "fm": o.lambda_feat * (L.feature_matching(fa, real) + L.feature_matching(fb, real)),
                "tv": o.lambda_tv * sum(L.hole_tv(c, hole) for c in comps),
            }
            if self.vgg is not None:
                perc, diversity = L.vgg_terms(self.vgg, fake_a.float(), fake_b.float(), gt, hole3)
                terms["perceptual"] = o.lambda_perceptual * perc
                terms["diversity"] = o.lambda_diversity * diversity
            total = sum(terms.values())
        self.update("g", total)
        l1 = (fake_a.detach().float() - gt).abs().mean() / 2
        return {**terms, "d": d_loss, "total": total, "l1": l1}

    def discriminate(self, images: torch.Tensor, hole3: torch.Tensor) -> list[list[torch.Tensor]]:
        """D on cat(3-channel hole mask, image) for a stack of image sets sharing the holes."""
        k = len(images) // len(hole3)
        return self.nets["d"](torch.cat([hole3.repeat(k, 1, 1, 1), images], 1))

    @staticmethod
    def split(preds: list[list[torch.Tensor]], k: int) -> list[list[list[torch.Tensor]]]:
        """Split a multiscale output of `k` stacked image sets into `k` outputs."""
        return [[[t.chunk(k)[i] for t in scale] for scale in preds] for i in range(k)]
