"""PD-GAN's training losses (authors' `models/PDGAN.py`, `models/PConv.py`, `blocks/loss.py`).

Images are in [-1, 1] and reach VGG16 without ImageNet normalisation, as in the code.

Prior (stage 1, the PConv model):
    6 L1_hole + L1_valid + 0.05 (perc(out) + perc(comp)) + 120 style(out) + 0.1 TV(comp)
with perc on relu1_1..relu5_1 and style (Gram / CHW) on relu2_2, relu3_3, relu4_3.

PD-GAN (stage 2), for two outputs A, B of two noises with the same prior:
    D: hinge, real and both fakes, mean over scales (the code counts the real term twice);
    G: hinge (-mean D(fake)) + 10 / num_D * feature matching + 0.1 TV(comp)
       + 10 perc(out, gt) on relu1_1..relu4_1 + 1 / (L1(relu4_1(A M), relu4_1(B M)) + 1e-5)
each summed over A and B; no pixel reconstruction term. TV is taken over pixel pairs inside the
3x3-dilated hole (the code's vertical term subtracts the first from the last row instead: a
slip, not reproduced).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from geoinpaint.baselines.rfr.losses import PConvLossWeights, masked_l1, vgg_input
from geoinpaint.nn.vgg import VGGFeatures, gram, perceptual_loss
from geoinpaint.training.losses import adversarial

PERCEPTUAL = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
PRIOR_PERCEPTUAL = (*PERCEPTUAL, "relu5_1")
PRIOR_STYLE = ("relu2_2", "relu3_3", "relu4_3")
DIVERSITY = "relu4_1"
VGG_LAYERS = (*PRIOR_PERCEPTUAL, *PRIOR_STYLE)


def hole_tv(image: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Mean |neighbour difference| over pixel pairs both inside the 3x3-dilated `hole`."""
    region = F.max_pool2d(hole, 3, 1, 1)
    cols = region[..., :, 1:] * region[..., :, :-1]
    rows = region[..., 1:, :] * region[..., :-1, :]
    return (cols * (image[..., :, 1:] - image[..., :, :-1])).abs().mean() + (
        rows * (image[..., 1:, :] - image[..., :-1, :])
    ).abs().mean()


def _features(vgg: VGGFeatures, *images: torch.Tensor) -> list[dict[str, torch.Tensor]]:
    """One VGG pass over the images stacked along the batch, split back per image set."""
    feats = vgg(vgg_input(vgg, torch.cat(images)))
    return [{k: v.chunk(len(images))[i] for k, v in feats.items()} for i in range(len(images))]


def prior_loss(
    out: torch.Tensor,
    gt: torch.Tensor,
    hole: torch.Tensor,
    vgg: VGGFeatures | None,
    w: PConvLossWeights,
) -> dict[str, torch.Tensor]:
    """The PConv prior's terms and `total` (`(N, 3, H, W)` images in [-1, 1], `hole` 1 = hole)."""
    out = out.float()
    comp = out * hole + gt * (1 - hole)
    terms = {
        "hole": masked_l1(out, gt, hole),
        "valid": masked_l1(out, gt, 1 - hole),
        "tv": hole_tv(comp, hole),
    }
    if vgg is not None:
        f_out, f_comp, f_gt = _features(vgg, out, comp, gt)
        f_gt = {k: v.detach() for k, v in f_gt.items()}
        perc = {k: f_out[k] for k in PRIOR_PERCEPTUAL}, {k: f_comp[k] for k in PRIOR_PERCEPTUAL}
        terms["perceptual"] = sum(perceptual_loss(p, f_gt) for p in perc)
        terms["style"] = sum(F.l1_loss(gram(f_out[k]), gram(f_gt[k])) for k in PRIOR_STYLE)
    total = sum(getattr(w, k) * v for k, v in terms.items())
    return {**terms, "total": total}


def d_hinge(preds: list[list[torch.Tensor]], real: bool) -> torch.Tensor:
    """Discriminator hinge loss of a multiscale output, mean over scales."""
    return sum(adversarial(p[-1], real, "hinge") for p in preds) / len(preds)


def g_hinge(preds: list[list[torch.Tensor]]) -> torch.Tensor:
    """Generator hinge loss (-mean logits), mean over scales."""
    return sum(adversarial(p[-1], True, "hinge", for_discriminator=False) for p in preds) / len(
        preds
    )


def feature_matching(
    fake: list[list[torch.Tensor]], real: list[list[torch.Tensor]]
) -> torch.Tensor:
    """pix2pixHD: L1 between D's intermediate features of fake and (detached) real, summed over
    layers, averaged over scales."""
    total = sum(
        F.l1_loss(f.float(), r.detach().float())
        for fs, rs in zip(fake, real, strict=True)
        for f, r in zip(fs[:-1], rs[:-1], strict=True)
    )
    return total / len(fake)


def vgg_terms(
    vgg: VGGFeatures, a: torch.Tensor, b: torch.Tensor, gt: torch.Tensor, hole: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(perc(a, gt) + perc(b, gt), the perceptual-diversity loss) of two outputs in [-1, 1]."""
    f_a, f_b, f_gt, f_am, f_bm = _features(vgg, a, b, gt, a * hole, b * hole)
    f_gt = {k: f_gt[k].detach() for k in PERCEPTUAL}
    perc = perceptual_loss({k: f_a[k] for k in PERCEPTUAL}, f_gt) + perceptual_loss(
        {k: f_b[k] for k in PERCEPTUAL}, f_gt
    )
    # Perceptual diversity: minimising the inverse pushes the two samples apart inside the hole.
    diversity = 1 / (F.l1_loss(f_am[DIVERSITY], f_bm[DIVERSITY]) + 1e-5)
    return perc, diversity
