"""MAT's training (official `losses/loss.py` TwoStageLoss and the StyleGAN2-ADA training loop).

Per iteration, on one batch:
- the trained generator `g_train` inpaints the batch with a fresh z (training-time truncation
  psi 0.5 towards the tracked mean w, style mixing with probability 0.5);
- D step: non-saturating logistic loss `softplus(D(fake)) + softplus(-D(real))` on both heads
  (final output and stage-1 output); every `r1_interval` steps a separate R1 step,
  `gamma / 2 * |grad_x D(real)|^2 * r1_interval` for each head;
- G step: `softplus(-D(fake)) + softplus(-D_1(fake_1)) + pcp_weight * P(fake, real)` with P the
  L1 distance of pre-ReLU VGG19 conv4_4 (weight 1/4) and conv5_4 (1/2) features of the
  composited output in [0, 1] (ImageNet-normalised); without the VGG19 file the term is dropped
  and the tables say so. L1 is reported, never optimised (as the official loss);
- the inference generator `nets["generator"]` (what the checkpoint holds) follows `g_train` as
  an exponential moving average with a half-life of `ema_kimg` thousand images.

Deviation from the official loop (for speed): one generator forward per iteration serves both
the D step and the G step, the D step first; the official loop runs the G phase, then the D
phase with a second generator forward and another z.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F

from geoinpaint.baselines.mat.discriminator import Discriminator
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.nn.vgg import VGGFeatures, perceptual_loss
from geoinpaint.training.data import Batch

PCP_LAYERS = {"conv4_4": 0.25, "conv5_4": 0.5}


def lazy_adam(lr: float, betas: tuple[float, float], interval: int) -> dict[str, Any]:
    """StyleGAN2's lazy-regularisation correction of Adam's lr and betas."""
    ratio = interval / (interval + 1) if interval > 0 else 1.0
    return {
        "lr": lr * ratio,
        "betas": (betas[0] ** ratio, betas[1] ** ratio),
        "eps": 1e-8,
        "fused": True,  # hundreds of small tensors: one kernel for all, also on the CPU
    }


class MATRoutine(GanRoutine):
    """Networks: `generator` (EMA, inference), `g_train` (optimised), `d` (both heads)."""

    def __init__(self, method, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        if ctx.size != o.size:
            raise ValueError(
                f"MAT is built for {o.size}x{o.size} images (option size) but the training "
                f"images are {ctx.size}x{ctx.size}; set the mat option size: {ctx.size}"
            )
        ema = self.nets["generator"]
        ema.requires_grad_(False)
        self.frozen.add("generator")
        self.add_network("g_train", copy.deepcopy(ema).requires_grad_(True))
        self.add_network("d", Discriminator(o.size, o.d_width, o.mbstd_group, o.two_stage))
        self.add_optimizer(
            "g", self.nets["g_train"].parameters(), **lazy_adam(o.lr, o.betas, o.g_reg_interval)
        )
        self.add_optimizer(
            "d", self.nets["d"].parameters(), **lazy_adam(o.lr, o.betas, o.r1_interval)
        )
        self.vgg = method.optional(
            "perceptual_loss", lambda: VGGFeatures("vgg19", tuple(PCP_LAYERS))
        )
        if self.vgg is not None:
            self.vgg.to(ctx.device)
        self.iteration, self.nimg = 0, 0
        self.last_r1 = torch.zeros((), device=ctx.device)

    def _flip(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        gt, masks = batch.images, batch.masks
        if not self.method.options.hflip:
            return gt, masks
        flip = (torch.rand(len(gt)) < 0.5).to(gt.device)[:, None, None, None]
        return torch.where(flip, gt.flip(-1), gt), torch.where(flip, masks.flip(-1), masks)

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, masks = self._flip(batch)
        real, valid = gt * 2 - 1, 1 - masks
        g, d = self.nets["g_train"], self.nets["d"]
        z = torch.randn(len(gt), g.z_dim, device=gt.device)
        with self.autocast():
            fake, fake1 = g(real * valid, valid, z, psi=o.truncation, mixing=o.style_mixing)

        self.requires_grad(True, "d")
        with self.autocast():
            lf, lf1 = d(fake.detach(), valid, fake1.detach())
            lr_, lr1 = d(real, valid, real)
            d_loss = F.softplus(lf).mean() + F.softplus(-lr_).mean()
            if lf1 is not None:
                d_loss = d_loss + F.softplus(lf1).mean() + F.softplus(-lr1).mean()
        self.update("d", d_loss)
        if o.r1_gamma > 0 and o.r1_interval > 0 and self.iteration % o.r1_interval == 0:
            r1 = self._r1(real, valid)
            self.update("d", r1 * (o.r1_gamma / 2) * o.r1_interval)
            self.last_r1 = r1.detach()

        self.requires_grad(False, "d")
        with self.autocast():
            gf, gf1 = d(fake, valid, fake1)
            g_adv = F.softplus(-gf).mean()
            g_adv1 = F.softplus(-gf1).mean() if gf1 is not None else torch.zeros_like(g_adv)
            g_loss = g_adv + g_adv1
            pcp = self._perceptual(fake, gt)
            if pcp is not None:
                g_loss = g_loss + o.pcp_weight * pcp
        self.update("g", g_loss)
        self._update_ema(len(gt))

        losses = {
            "l1": (fake.detach().float() - real).abs().mean() / 2,  # in [0, 1] units
            "g_adv": g_adv,
            "g_adv_stage1": g_adv1,
            "d": d_loss,
            "r1": self.last_r1,
            "total": g_loss,
        }
        if pcp is not None:
            losses["perceptual"] = pcp
        return losses

    def _r1(self, real: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Mean over images of `|grad_x D(x)|^2` at the real images, summed over both heads."""
        x = real.detach().requires_grad_(True)
        x1 = real.detach().requires_grad_(True)
        with self.autocast():
            logits, logits1 = self.nets["d"](x, valid, x1)
        outputs, inputs = [logits.float().sum()], [x]
        if logits1 is not None:
            outputs.append(logits1.float().sum())
            inputs.append(x1)
        grads = torch.autograd.grad(outputs, inputs, create_graph=True)
        return sum(gr.float().square().sum(dim=(1, 2, 3)) for gr in grads).mean()

    def _perceptual(self, fake: torch.Tensor, gt: torch.Tensor) -> torch.Tensor | None:
        if self.vgg is None:
            return None
        with torch.no_grad():
            target = self.vgg(gt)
        return perceptual_loss(self.vgg((fake.float() + 1) / 2), target, PCP_LAYERS)

    @torch.no_grad()
    def _update_ema(self, batch_size: int) -> None:
        o = self.method.options
        half_life = o.ema_kimg * 1000
        if o.ema_rampup > 0:
            half_life = min(half_life, self.nimg * o.ema_rampup)
        beta = 0.5 ** (batch_size / max(half_life, 1e-8))
        ema, live = self.nets["generator"], self.nets["g_train"]
        # p_ema <- p + beta (p_ema - p), as StyleGAN2-ADA's `p.lerp(p_ema, beta)`
        torch._foreach_lerp_(list(ema.parameters()), list(live.parameters()), 1 - beta)
        for b_ema, b in zip(ema.buffers(), live.buffers(), strict=True):
            b_ema.copy_(b)
        self.nimg += batch_size
        self.iteration += 1

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "progress": [self.iteration, self.nimg]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.iteration, self.nimg = state["progress"]
