"""One GMCNN training iteration (Wang et al., NeurIPS 2018, Sec. 3.2; the authors' PyTorch
`InpaintingModel_GMCNN`).

With `completed = pred * M + gt * (1 - M)` and C the confidence-driven weights:
- pretraining (the first `pretrain_epochs`): G minimises
  `lambda_rec L1(completed C, gt C) / mean(M)`
  `+ lambda_ae L1(pred (1 - M), gt (1 - M)) / mean(1 - M)`;
- then, per iteration, `d_steps` updates of the global and local discriminators on the same
  completed images (hinge loss, or WGAN-GP), and one G update adding
  `lambda_mrf ID-MRF(completed, gt) + lambda_adv (-D_global(completed) - D_local(completed))`.

ID-MRF uses VGG19 relu3_2 and relu4_2 of `(x + 1) / 2` minus the ImageNet mean, without the
division by its std (the authors' code); without the VGG19 weights the term is dropped (the
method's notes say so). For the suite's free-form masks the local discriminator and ID-MRF see
the whole image, as the authors' code does for its free-form (`stroke`) masks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from geoinpaint.baselines.csa.network import init_normal
from geoinpaint.baselines.gmcnn.discriminators import GlobalLocalDiscriminator
from geoinpaint.baselines.gmcnn.losses import confidence_weights, gradient_penalty, id_mrf
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.nn.vgg import IMAGENET_MEAN, IMAGENET_STD, VGGFeatures
from geoinpaint.training import losses
from geoinpaint.training.data import Batch

if TYPE_CHECKING:
    from geoinpaint.baselines.gmcnn.method import GMCNN

MRF_LAYERS = ("relu3_2", "relu4_2")


class GMCNNRoutine(GanRoutine):
    """Reconstruction-only pretraining, then global/local discriminators and ID-MRF."""

    method: GMCNN

    def __init__(self, method: GMCNN, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        if o.gan_loss not in ("hinge", "wgan-gp"):
            raise ValueError(f"GMCNN gan_loss must be 'hinge' or 'wgan-gp', got {o.gan_loss!r}")
        d = GlobalLocalDiscriminator(
            ctx.size, cnum=max(1, round(64 * o.width)), normalise=o.spectral_norm
        )
        if not o.spectral_norm:
            init_normal(d)  # the authors' init reaches only the layers without spectral norm
        self.add_network("d", d)
        self.vgg = method.optional("id_mrf_loss", lambda: VGGFeatures("vgg19", MRF_LAYERS))
        if self.vgg is not None:
            self.vgg.to(ctx.device)
        betas = (o.beta1, o.beta2)
        self.add_optimizer("g", method.parameters_of(), lr=o.lr, betas=betas)
        self.add_optimizer("d", self.nets["d"].parameters(), lr=o.lr, betas=betas)
        self.epoch = 0
        self.mean = torch.tensor(IMAGENET_MEAN, device=ctx.device).view(1, 3, 1, 1)
        self.std = torch.tensor(IMAGENET_STD, device=ctx.device).view(1, 3, 1, 1)

    @property
    def adversarial(self) -> bool:
        """Whether pretraining is over (ID-MRF and the discriminators are on)."""
        return self.epoch >= self.method.options.pretrain_epochs

    def _vgg(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """VGG19 features of `(x + 1) / 2 - mean` (`VGGFeatures` divides by the std itself)."""
        assert self.vgg is not None
        return self.vgg(((x + 1) / 2 - self.mean) * self.std + self.mean)

    def _d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        o, d = self.method.options, self.nets["d"]
        both = torch.cat([real, fake])  # one pass: the critics have no batch statistics
        (real_g, fake_g), (real_l, fake_l) = (logits.chunk(2) for logits in d(both, both))
        loss = torch.zeros((), device=real.device)
        for critic, r, f in ((d.global_critic, real_g, fake_g), (d.local_critic, real_l, fake_l)):
            if o.gan_loss == "hinge":
                loss = loss + losses.adversarial(r, True, "hinge")
                loss = loss + losses.adversarial(f, False, "hinge")
            else:
                penalty = gradient_penalty(critic, real, fake)
                loss = loss + f.float().mean() - r.float().mean() + o.lambda_gp * penalty
        return loss

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, m = batch.images * 2 - 1, batch.masks
        confidence = confidence_weights(m, o.confidence_size)
        with self.autocast():
            pred = self.method.generate(batch.images, m).float()
        completed = pred * m + gt * (1 - m)
        out: dict[str, torch.Tensor] = {}

        if self.adversarial:
            self.requires_grad(True, "d")
            for _ in range(o.d_steps):
                with self.autocast():
                    out["d"] = self._d_loss(gt, completed.detach())
                self.update("d", out["d"])
            self.requires_grad(False, "d")

        with self.autocast():
            rec = losses.l1(completed * confidence, gt * confidence) / m.mean().clamp_min(1e-8)
            ae = losses.l1(pred * (1 - m), gt * (1 - m)) / (1 - m).mean().clamp_min(1e-8)
            total = o.lambda_rec * rec + o.lambda_ae * ae
            if self.adversarial:
                if self.vgg is not None:
                    with torch.no_grad():
                        target = self._vgg(gt)
                    out["mrf"] = id_mrf(self._vgg(completed), target)
                    total = total + o.lambda_mrf * out["mrf"]
                fake_g, fake_l = self.nets["d"](completed, completed)
                out["g_adv"] = -(fake_g.float().mean() + fake_l.float().mean())
                total = total + o.lambda_adv * out["g_adv"]
        self.update("g", total)
        l1 = losses.l1(pred.detach(), gt)  # whole-image L1 of the raw output: a monitor
        return {"l1": l1, "rec": rec, "ae": ae, **out, "total": total}

    def end_epoch(self, epoch: int) -> dict[str, float]:
        self.epoch = epoch + 1
        if self.epoch == self.method.options.pretrain_epochs:
            # The authors fine-tune in a second run that loads G into a fresh Adam.
            self.opts["g"].state.clear()
        return super().end_epoch(epoch)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.epoch = int(state["epoch"])
