"""RFR-Net's training loss (the authors' `model.py`: the paper's terms plus a TV term).

    L = 6 L_hole + 1 L_valid + 0.05 L_perc + 120 L_style + 0.1 L_tv

- `L_hole`, `L_valid`: mean(|gt - out| * M) with M the hole (resp. known) mask, averaged over
  every pixel, not just the masked ones;
- `L_perc`: L1 between VGG16 `pool1`, `pool2`, `pool3` features of the raw output and of the
  composite and those of the ground truth (both terms summed);
- `L_style`: the same with Gram matrices normalised by C*H*W;
- `L_tv`: mean absolute horizontal plus vertical difference of `comp * hole` (code only).

The authors feed VGG images in [0, 1] without ImageNet normalisation; `vgg_input` reproduces
that through the suite's (normalising) `VGGFeatures`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from geoinpaint.nn.vgg import VGGFeatures, perceptual_loss, style_loss

VGG_LAYERS = ("pool1", "pool2", "pool3")


@dataclass(frozen=True)
class PConvLossWeights:
    """The partial-convolution loss weights (Liu et al., ECCV 2018), which RFR's code
    (`model.py`) and PD-GAN's prior training keep; RFR's paper leaves out the TV term."""

    hole: float = 6.0
    valid: float = 1.0
    perceptual: float = 0.05
    style: float = 120.0
    tv: float = 0.1


def masked_l1(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """mean(|pred - target| * mask) over all elements (the masked pixels are not counted)."""
    return ((pred - target).abs() * mask).mean()


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between vertical plus horizontal neighbours of `(N, C, H, W)`."""
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (
        x[..., :, 1:] - x[..., :, :-1]
    ).abs().mean()


def vgg_input(vgg: VGGFeatures, images: torch.Tensor) -> torch.Tensor:
    """What `vgg` must be given to see `images` as they are, unnormalised (it normalises with the
    ImageNet mean/std inside; the authors' VGG16 features see the raw values)."""
    return images.float() * vgg.std + vgg.mean


def rfr_loss(
    out: torch.Tensor,
    gt: torch.Tensor,
    hole: torch.Tensor,
    vgg: VGGFeatures | None,
    weights: PConvLossWeights,
) -> dict[str, torch.Tensor]:
    """The named terms and their weighted `total`; `l1` = hole + valid L1 (what the code logs).

    Args:
        out: `(N, 3, H, W)` raw network output.
        gt: `(N, 3, H, W)` ground truth in [0, 1].
        hole: `(N, 1, H, W)` in {0, 1}, 1 = hole.
        vgg: frozen VGG16 features at `VGG_LAYERS`, or None (perceptual and style terms dropped).
    """
    out = out.float()
    comp = out * hole + gt * (1 - hole)
    terms = {
        "hole": masked_l1(out, gt, hole),
        "valid": masked_l1(out, gt, 1 - hole),
        "tv": total_variation(comp * hole),
    }
    if vgg is not None:
        feats = vgg(vgg_input(vgg, torch.cat([gt, out, comp])))
        f_gt, f_out, f_comp = ({k: v.chunk(3)[i] for k, v in feats.items()} for i in range(3))
        f_gt = {k: v.detach() for k, v in f_gt.items()}
        terms["perceptual"] = perceptual_loss(f_out, f_gt) + perceptual_loss(f_comp, f_gt)
        terms["style"] = style_loss(f_out, f_gt) + style_loss(f_comp, f_gt)
    total = sum(getattr(weights, k) * v for k, v in terms.items())
    return {**terms, "l1": terms["hole"] + terms["valid"], "total": total}
