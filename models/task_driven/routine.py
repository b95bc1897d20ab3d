"""One training iteration of the coarse-to-fine GAN (paper Sec. III-B, IV-D).

Per iteration the coarse discriminator, then the refinement discriminator, then the generator
are updated (the authors' order; Adam 2e-4, betas (0.5, 0.999), StepLR 30 epochs x 0.8).
Generator loss (Eq. 6): `L1(R_coarse) + L1(R_refined) + a1 LPIPS-VGG(R_refined)
+ a2 [GAN_c + GAN_r] + lambda T`, where the discriminators see `R * M + I * (1 - M)` (Eq. 2)
beside the occluded input, and T is the frozen task network's loss on the composited refined
image (what the task network receives at test time). Options give the authors' code's variants
(`adv_input`, `task_input`, `lpips_rescale`, `gan_loss`) and AugMix's Jensen-Shannon
consistency term (`jsd_weight`, off as in the paper).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from geoinpaint.masks.augmix import jensen_shannon
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.models.task_driven.generator import init_normal
from geoinpaint.nn.discriminators import DISCRIMINATORS
from geoinpaint.training import losses
from geoinpaint.training.data import Batch

if TYPE_CHECKING:
    from geoinpaint.models.task_driven.method import TaskDriven


def frozen_task_network(task: str, checkpoint, device: torch.device):
    """The frozen task network of `task` whose loss trains the Proposed variants."""
    from geoinpaint.tasks.frozen import FROZEN

    return FROZEN[task](checkpoint, device)


class TaskDrivenRoutine(GanRoutine):
    """D_c, D_r, then G per iteration; the task loss through the frozen task network."""

    method: TaskDriven

    def __init__(self, method: TaskDriven, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        # Networks start from the run's seed: the generator was drawn when the method was built;
        # its (ImageNet or N(0, 0.02)) initialisation, then the discriminators, follow.
        method.initialise()
        self.task_net = None
        if o.task_loss and o.lambda_task:
            if ctx.task_net is None:
                raise ValueError(f"{method.name} uses a task loss: give the frozen task network")
            self.task_net = frozen_task_network(ctx.task, ctx.task_net, ctx.device)
            method.record("task_network", f"{self.task_net.arch} ({ctx.task_net.name})")
        else:
            method.record("task_network", "none")
        if o.jsd_weight:
            if self.task_net is None or not hasattr(self.task_net, "logits"):
                raise ValueError(
                    f"{method.name}: AugMix's consistency term compares the frozen task "
                    f"network's class probabilities; the {ctx.task} network gives none here"
                )
            method.record("consistency", f"AugMix Jensen-Shannon, weight {o.jsd_weight}")
        self.perceptual = None
        if not o.alpha1:
            method.record("perceptual_loss", "off (alpha1 = 0)")
        else:
            self.perceptual = method.optional(
                "perceptual_loss", lambda: losses.PerceptualLoss(rescale=o.lpips_rescale)
            )
            if self.perceptual is not None:
                fed = "[-1, 1]" if o.lpips_rescale else "[0, 1] (authors' code)"
                method.record("perceptual_loss", f"LPIPS-VGG v0.1, images in {fed}")
                self.perceptual.to(ctx.device)
        for name, kind, layers in (
            ("dc", o.disc_coarse, o.d_coarse),
            ("dr", o.disc_refine, o.d_refine),
        ):
            self.add_network(name, self._discriminator(kind, layers))
        betas = (o.beta1, o.beta2)
        for name in ("generator", "dc", "dr"):
            self.add_optimizer(name, self.nets[name].parameters(), lr=o.lr, betas=betas)
            self.add_scheduler(
                name, torch.optim.lr_scheduler.StepLR(self.opts[name], o.lr_step, o.lr_gamma)
            )

    def _discriminator(self, kind: str, layers: int) -> nn.Module:
        o = self.method.options
        disc = DISCRIMINATORS.build(
            kind, ndf=o.ndf, layers=layers, padding=o.disc_padding, size=self.ctx.size
        )
        init_normal(disc)  # pix2pix's and the authors' N(0, 0.02) initialisation
        return disc

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, m = batch.images, batch.masks
        with self.autocast():
            x_in, coarse, refined = self.method.forward_both(gt, m)
            comp_c, comp_r = coarse * m + gt * (1 - m), refined * m + gt * (1 - m)
        out: dict[str, torch.Tensor] = {}
        # Discriminators first (D_c, then D_r), on detached reconstructions.
        for name, comp in (("dc", comp_c), ("dr", comp_r)):
            self.requires_grad(True, name)
            disc = self.nets[name]
            with self.autocast():
                real = disc(torch.cat([x_in, gt], 1))
                fake = disc(torch.cat([x_in, comp.detach()], 1))
                loss = 0.5 * (
                    losses.adversarial(real, True, o.gan_loss)
                    + losses.adversarial(fake, False, o.gan_loss)
                )
            self.update(name, loss)
            out[f"d_{name[1]}"] = loss
        # Then the generator, against the updated discriminators.
        self.requires_grad(False, "dc", "dr")
        if o.adv_input == "composite":
            shown = {"dc": torch.cat([x_in, comp_c], 1), "dr": torch.cat([x_in, comp_r], 1)}
        else:  # the authors' code: raw R_coarse to D_c; known pixels and the refined hole to D_r
            shown = {
                "dc": torch.cat([x_in, coarse], 1),
                "dr": torch.cat([gt * (1 - m), refined * m], 1),
            }
        with self.autocast():
            rec = losses.l1(coarse, gt) + losses.l1(refined, gt)
            adv = sum(
                losses.adversarial(self.nets[name](x), True, o.gan_loss)
                for name, x in shown.items()
            )
            total = rec + o.alpha2 * adv
            losses_g = {"l1": rec, "gan": adv}
            if self.perceptual is not None and o.alpha1:
                lp = self.perceptual(refined.float(), gt)
                total = total + o.alpha1 * lp
                losses_g["lpips"] = lp
        if self.task_net is not None:
            seen = comp_r if o.task_input == "composite" else refined
            task = self.task_net.loss(seen.float(), batch.targets)
            total = total + o.lambda_task * task
            losses_g["task"] = task
            if o.jsd_weight:
                jsd = self._consistency(batch, seen)
                total = total + o.jsd_weight * jsd
                losses_g["jsd"] = jsd
        self.update("generator", total)
        return {**losses_g, **out, "total": total}

    def _consistency(self, batch: Batch, seen: torch.Tensor) -> torch.Tensor:
        """AugMix's JS(p_clean; p_aug1; p_aug2) of the frozen task network, on what it sees of
        the reconstructions of the clean image (`seen`) and of the two AugMix views."""
        if batch.views is None:
            raise ValueError("jsd_weight needs the collate step's two AugMix views (jsd=True)")
        o, m = self.method.options, batch.masks
        outputs = [seen]
        for view in batch.views:
            with self.autocast():
                _, _, refined = self.method.forward_both(view, m)
            outputs.append(refined * m + view * (1 - m) if o.task_input == "composite" else refined)
        assert self.task_net is not None
        return jensen_shannon(*(self.task_net.logits(x.float()) for x in outputs))

    @torch.no_grad()
    def samples(self) -> torch.Tensor | None:
        """Rows of (input, R_coarse, R_refined, ground truth) for the preview images."""
        batch = self.ctx.preview
        if batch is None:
            return None
        self.method.nets.eval()
        x_in, coarse, refined = self.method.forward_both(batch.images, batch.masks)
        return torch.stack([x_in, coarse, refined, batch.images], 1).flatten(0, 1).cpu()
