"""MISF's training step, as the official `src/models.py` with `checkpoints/config.yml` runs it
(EdgeConnect's inpainting losses):

    G: 1 * L1(out, gt) / mean(M) + 0.1 * perceptual + 250 * style(out * M, gt * M)
       + 0.1 * nsgan(D(out))
    D: (nsgan(D(gt), real) + nsgan(D(out), fake)) / 2

on the raw output `out` (not composited). Perceptual: L1 between VGG19 relu1_1 ... relu5_1
features, each weighted 1; style: L1 between Gram matrices (normalised by C*H*W) of relu2_2,
relu3_4, relu4_4 and relu5_2. Adam (lr 1e-4, betas (0, 0.9)) for G, 0.1x that for D; per-sample
random horizontal flips. The VGG19 terms are dropped with a note when its ImageNet weights are
missing (`method.optional`).

One deviation: the official step back-propagates the generator loss while the discriminator
still takes gradients and never clears them before D's own backward, so D's update also follows
the generator's adversarial gradient (0.1x). Here G's loss reaches G only: D is updated from its
own loss, after G, with G's loss computed against the same D (as in the official order).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from geoinpaint.baselines.misf.discriminator import EdgePatchGAN
from geoinpaint.baselines.misf.network import init_normal
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.nn.vgg import VGGFeatures, perceptual_loss, style_loss
from geoinpaint.training.data import Batch
from geoinpaint.training.losses import adversarial

PERCEPTUAL_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
STYLE_LAYERS = ("relu2_2", "relu3_4", "relu4_4", "relu5_2")
HOLE_FRACTION_FLOOR = 0.01  # a batch without holes would divide the L1 by zero


def random_hflip(*tensors: torch.Tensor) -> list[torch.Tensor]:
    """Flip each sample of every `(N, ...)` tensor left-right with probability 1/2 (the same
    draw for a sample across tensors; torch's global RNG)."""
    flip = torch.rand(tensors[0].shape[0], device=tensors[0].device) < 0.5
    view = (-1,) + (1,) * (tensors[0].dim() - 1)
    return [torch.where(flip.view(view), t.flip(-1), t) for t in tensors]


def _only(features: dict[str, torch.Tensor], names: tuple[str, ...]) -> dict[str, torch.Tensor]:
    return {k: features[k] for k in names}


class MISFRoutine(GanRoutine):
    """MISF's generator with EdgeConnect's spectral-norm PatchGAN on the raw RGB output."""

    def __init__(self, method: TrainableMethod, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        disc = EdgePatchGAN(3, o.width)
        init_normal(disc)
        self.add_network("d", disc)
        self.add_optimizer("g", method.parameters_of(), lr=o.lr, betas=o.betas)
        self.add_optimizer("d", disc.parameters(), lr=o.lr * o.d2g_lr, betas=o.betas)
        layers = PERCEPTUAL_LAYERS + STYLE_LAYERS
        self.vgg = method.optional("perceptual_loss", lambda: VGGFeatures("vgg19", layers))
        if self.vgg is not None:
            self.vgg.to(ctx.device)

    def _vgg(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if not self.method.options.vgg_imagenet_norm:
            # VGGFeatures normalises its input: given x * std + mean, VGG19 sees x itself, the
            # unnormalised [0, 1] image of the official loss
            x = x.float() * self.vgg.std + self.vgg.mean
        return self.vgg(x)

    def _vgg_losses(self, out: torch.Tensor, gt: torch.Tensor, m: torch.Tensor) -> dict:
        o = self.method.options
        with torch.no_grad():
            gt_feats, gt_hole_feats = self._vgg(gt), self._vgg(gt * m)
        out_feats, out_hole_feats = self._vgg(out), self._vgg(out * m)
        perceptual = perceptual_loss(
            _only(out_feats, PERCEPTUAL_LAYERS), _only(gt_feats, PERCEPTUAL_LAYERS)
        )
        style = style_loss(_only(out_hole_feats, STYLE_LAYERS), _only(gt_hole_feats, STYLE_LAYERS))
        return {"perceptual": o.perceptual_weight * perceptual, "style": o.style_weight * style}

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, m = random_hflip(batch.images, batch.masks)
        disc = self.nets["d"]
        with self.autocast():
            out = self.method.predict(gt * (1 - m), m)
            d_loss = 0.5 * (adversarial(disc(gt), True) + adversarial(disc(out.detach()), False))
            self.requires_grad(False, "d")
            l1 = F.l1_loss(out, gt) / m.mean().clamp_min(HOLE_FRACTION_FLOOR)
            terms = {"l1": o.l1_weight * l1, "g_adv": o.adv_weight * adversarial(disc(out), True)}
            if self.vgg is not None:
                terms.update(self._vgg_losses(out, gt, m))
            g_loss = sum(terms.values())
        self.update("g", g_loss)
        self.requires_grad(True, "d")
        self.update("d", d_loss)
        return {**terms, "l1": l1, "d": d_loss, "total": g_loss}
