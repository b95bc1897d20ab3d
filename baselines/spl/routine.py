"""SPL's training step, as the official `main.py` runs it:

    D: (nsgan(D(gt), real) + nsgan(D(out), fake)) / 2, updated first;
    G: 1 * nsgan(D(out)) + 10 * mean(|out - gt| * (1 + 2 M))
       + 1 * mean(|prior - T(gt)| * (1 + 3 M_1/4))

on the raw output `out`. T is the frozen teacher's stride-8 features of the clean image at 2x
(the CPU variant's `prior_scale` 1: stride-4 features at 1x), M_1/4 the mask
nearest-downsampled to the prior's 1/4 grid. Adam (lr 1e-4, betas (0, 0.9)) for
both, x0.1 after `lr_decay_epoch` epochs; per-sample random horizontal flips.

The teacher (`teacher.py`) is the run's frozen task network, not the official ASL TResNet-L
(unavailable offline); the method records which one in its notes. When its feature channels
differ from the generator's prior head (`prior_channels`, 152 = TResNet-L layer2), a trainable
1x1 conv (training only, like the head itself) maps the prior to them. Without a task network
(`ctx.task_net` None) the distillation term is dropped, with a note.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.misf.discriminator import EdgePatchGAN
from geoinpaint.baselines.misf.routine import random_hflip
from geoinpaint.baselines.spl.teacher import TaskTeacher
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.training.data import Batch
from geoinpaint.training.losses import adversarial

OFFICIAL_TEACHER = "ASL's OpenImages TResNet-L (needs its checkpoint and inplace_abn; offline)"


class SPLRoutine(GanRoutine):
    """SPL's two-branch generator, EdgeConnect's PatchGAN and the prior-distillation teacher."""

    def __init__(self, method: TrainableMethod, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        disc = self.add_network("d", EdgePatchGAN(3, o.width))
        self.teacher = self._teacher(method, ctx)
        self.adapter: nn.Module | None = None
        g_params = method.parameters_of()
        if self.teacher is not None and self.teacher.channels != o.prior_channels:
            adapter = nn.Conv2d(o.prior_channels, self.teacher.channels, 1)
            self.adapter = self.add_network("prior_adapter", adapter)
            g_params += list(self.adapter.parameters())
        for name, params in (("g", g_params), ("d", disc.parameters())):
            opt = self.add_optimizer(name, params, lr=o.lr, betas=o.betas)
            decay = torch.optim.lr_scheduler.MultiStepLR(opt, [o.lr_decay_epoch], gamma=0.1)
            self.add_scheduler(name, decay, per="epoch")

    def _teacher(self, method: TrainableMethod, ctx: TrainContext) -> TaskTeacher | None:
        if method.options.prior_weight == 0:
            method.record("prior_teacher", "none: prior_weight is 0", note=True)
            return None
        if ctx.task_net is None:
            method.record(
                "prior_teacher",
                f"none: {OFFICIAL_TEACHER} is unavailable and no task network was given, so the "
                "prior-distillation loss is dropped",
                note=True,
            )
            return None
        o = method.options
        teacher = TaskTeacher(ctx.task_net, ctx.task, ctx.device, o.prior_scale)
        used = (
            f"the frozen {ctx.task} network ({teacher.arch}, stride-{teacher.stride} features, "
            f"{teacher.channels} channels) instead of {OFFICIAL_TEACHER}"
        )
        if o.prior_channels != teacher.channels:
            used += f"; a 1x1 conv maps the {o.prior_channels}-channel prior to them"
        method.record("prior_teacher", used, note=True)
        return self.add_network("teacher", teacher, trainable=False)

    def _prior_weight(self) -> float:
        o = self.method.options
        epochs_done = self.scheds["g"][0].last_epoch
        return 0.0 if 0 < o.prior_cut_epoch <= epochs_done else o.prior_weight

    def _prior_loss(self, prior: torch.Tensor, gt: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        target = self.teacher(gt)
        pred = self.adapter(prior) if self.adapter is not None else prior
        hole = F.interpolate(m, size=prior.shape[-2:], mode="nearest")
        weight = 1 + self.method.options.prior_hole_weight * hole
        return ((pred.float() - target.float()).abs() * weight).mean()

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, m = random_hflip(batch.images, batch.masks)
        disc = self.nets["d"]
        with self.autocast():
            out, prior = self.nets["generator"](gt, m)
            d_loss = 0.5 * (adversarial(disc(gt), True) + adversarial(disc(out.detach()), False))
        self.update("d", d_loss)
        self.requires_grad(False, "d")
        with self.autocast():
            l1 = ((out - gt).abs() * (1 + o.hole_weight * m)).mean()
            terms = {"l1": o.l1_weight * l1, "g_adv": o.adv_weight * adversarial(disc(out), True)}
            if self.teacher is not None:
                terms["prior"] = self._prior_weight() * self._prior_loss(prior, gt, m)
            g_loss = sum(terms.values())
        self.update("g", g_loss)
        self.requires_grad(True, "d")
        return {**terms, "l1": l1, "d": d_loss, "total": g_loss}
