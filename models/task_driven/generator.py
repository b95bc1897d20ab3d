"""The coarse-to-fine generator of task-driven inpainting (paper Sec. III-A, Fig. 2-3).

Two encoder-decoders of the same structure: a Coarse Network maps the occluded image and its
mask (4 channels) to `R_coarse`; a Residual Refinement Network maps the composited coarse map and
the mask to a residual, `R_refined = R_coarse + E_residual` (Eq. 1). The authors' code adds the
residual to the composited coarse map instead and passes the sum through one more 3x3 conv
(`residual_on="composite"`, `refine_conv=True`).

Encoder-decoder (Fig. 3; the paper builds it after BASNet with ResNet-34 encoder layers):
- stem: 3x3 conv (4 -> w0) + InstanceNorm + ReLU at full resolution (no stride, no max-pool);
  InstanceNorm without affine parameters, as the authors' code (the paper is silent);
- encoder: ResNet-34 `layer1..layer4` (w0..w3 channels at H, H/2, H/4, H/8) and, for the
  paper's six skip connections, two more stages of three basic blocks at w3 channels, each after
  a 2x2 max-pool (H/16, H/32); the authors' code has only the four ResNet stages (`skips=4`);
- bridge: 3 x [3x3 conv, dilation 2, InstanceNorm, ReLU] at the deepest resolution;
- decoder: one stage per skip, deepest first: concat(skip) + 2 x [3x3 conv, InstanceNorm, ReLU],
  then bilinear x2 up to the next skip's resolution; each stage ends at the next skip's width;
- head: 3x3 conv w0 -> 3, no activation (outputs are composited and clipped when saved).

`resnet34` is that network with torchvision's ResNet-34 layers (the paper's). `resnet-small`
keeps the structure with one basic block per stage and widths 8/16/32/64, for the CPU embedded
default; it is never reported as the paper's ResNet-34 generator. docs/fidelity.md lists every
choice where the paper and the authors' code differ.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Encoder = Literal["resnet34", "resnet-small"]
ENCODERS: tuple[str, ...] = ("resnet34", "resnet-small")


@dataclass(frozen=True)
class EncoderSpec:
    """Blocks per ResNet stage, stage widths, and blocks of each extra (BASNet) stage."""

    blocks: tuple[int, int, int, int]
    widths: tuple[int, int, int, int]
    extra_blocks: int


SPECS: dict[str, EncoderSpec] = {
    "resnet34": EncoderSpec((3, 4, 6, 3), (64, 128, 256, 512), 3),
    "resnet-small": EncoderSpec((1, 1, 1, 1), (8, 16, 32, 64), 1),
}
RESNET34_PRETRAINED_STAGES = ("layer1", "layer2", "layer3")
"""Encoder stages initialised from ImageNet ResNet-34 (paper Sec. IV-D, "the first three
layers")."""


Residual = Literal["coarse", "composite"]


def conv_in_relu(c_in: int, c_out: int, dilation: int = 1, affine: bool = False) -> nn.Sequential:
    """3x3 conv (same size) + InstanceNorm (learned scale and shift with `affine`) + ReLU."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation),
        nn.InstanceNorm2d(c_out, affine=affine),
        nn.ReLU(inplace=True),
    )


def _stage(c_in: int, c_out: int, blocks: int, stride: int) -> nn.Sequential:
    """A ResNet stage of basic blocks, as torchvision builds it (1x1 conv + BN shortcut)."""
    down = None
    if stride != 1 or c_in != c_out:
        down = nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
        )
    from torchvision.models.resnet import BasicBlock  # not at the top: torchvision takes ~2 s

    layers = [BasicBlock(c_in, c_out, stride, down)]
    layers += [BasicBlock(c_out, c_out) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


def _encoder_stages(encoder: Encoder, skips: int) -> tuple[nn.ModuleList, list[int]]:
    spec = SPECS[encoder]
    w = spec.widths
    if encoder == "resnet34":
        from torchvision.models import resnet34  # not at the top: torchvision takes ~2 s

        net = resnet34(weights=None)
        stages = [net.layer1, net.layer2, net.layer3, net.layer4]
    else:
        stages = [
            _stage(w[0], w[0], spec.blocks[0], 1),
            *(_stage(w[i - 1], w[i], spec.blocks[i], 2) for i in range(1, 4)),
        ]
    for _ in range(skips - 4):
        stages.append(nn.Sequential(nn.MaxPool2d(2), _stage(w[3], w[3], spec.extra_blocks, 1)))
    return nn.ModuleList(stages), [*w, *([w[3]] * (skips - 4))]


class EncoderDecoder(nn.Module):
    """One encoder-decoder of Fig. 3: `(N, 4, H, W) -> (N, 3, H, W)`.

    H and W must be multiples of `2 ** (skips - 1)` and at least twice that (64 px with six
    skips, 16 with four), so the deepest stage has at least 2x2 pixels.
    """

    def __init__(
        self,
        encoder: Encoder = "resnet34",
        skips: int = 6,
        in_channels: int = 4,
        norm_affine: bool = False,
    ):
        super().__init__()
        if encoder not in SPECS:
            raise ValueError(f"unknown encoder {encoder!r}, expected one of {ENCODERS}")
        if skips not in (4, 6):
            raise ValueError(f"skips must be 6 (paper) or 4 (authors' code), got {skips}")
        self.skips = skips
        block = functools.partial(conv_in_relu, affine=norm_affine)
        self.stem = block(in_channels, SPECS[encoder].widths[0])
        self.encoder, widths = _encoder_stages(encoder, skips)
        deepest = widths[-1]
        self.bridge = nn.Sequential(*(block(deepest, deepest, 2) for _ in range(3)))
        decoder = []
        c_prev = deepest
        for k in reversed(range(skips)):
            c_out = widths[k - 1] if k > 0 else widths[0]
            decoder.append(
                nn.Sequential(block(c_prev + widths[k], widths[k]), block(widths[k], c_out))
            )
            c_prev = c_out
        self.decoder = nn.ModuleList(decoder)
        self.head = nn.Conv2d(widths[0], 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        factor = 2 ** (self.skips - 1)
        if x.shape[-1] % factor or x.shape[-2] % factor or min(x.shape[-2:]) < 2 * factor:
            # InstanceNorm needs at least 2x2 pixels at the deepest stage.
            raise ValueError(
                f"input is {x.shape[-1]}x{x.shape[-2]}; with {self.skips} skips the side must be "
                f"a multiple of {factor} and at least {2 * factor}"
            )
        h = self.stem(x)
        feats = []
        for stage in self.encoder:
            h = stage(h)
            feats.append(h)
        h = self.bridge(h)
        for stage, skip in zip(self.decoder, reversed(feats), strict=True):
            if h.shape[-2:] != skip.shape[-2:]:
                h = F.interpolate(h, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            h = stage(torch.cat([h, skip], dim=1))
        return self.head(h)


class CoarseToFine(nn.Module):
    """Coarse Network + Residual Refinement Network (paper Fig. 2).

    Args:
        encoder: `resnet34` (paper) or `resnet-small` (CPU variant).
        skips: 6 (paper) or 4 (authors' code).
        refine_conv: add the authors' extra 3x3 conv after the residual sum (paper Eq. 1 has
            none).
        residual_on: what the residual is added to: `coarse`, the raw R_coarse (Eq. 1), or
            `composite`, `R_coarse * M + I * (1 - M)` (authors' code).
        norm_affine: InstanceNorm with learned scale and shift (the authors' code has none).
    """

    def __init__(
        self,
        encoder: Encoder = "resnet34",
        skips: int = 6,
        refine_conv: bool = False,
        residual_on: Residual = "coarse",
        norm_affine: bool = False,
    ):
        super().__init__()
        if residual_on not in ("coarse", "composite"):
            raise ValueError(f"residual_on must be coarse or composite, got {residual_on!r}")
        self.coarse = EncoderDecoder(encoder, skips, norm_affine=norm_affine)
        self.refine = EncoderDecoder(encoder, skips, norm_affine=norm_affine)
        self.refine_conv = nn.Conv2d(3, 3, 3, padding=1) if refine_conv else None
        self.residual_on = residual_on

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruct the holes.

        Args:
            image: `(N, 3, H, W) float in [0, 1]`, the network input: known pixels, with the
                hole filled by the configured constant (never the occluder).
            mask: `(N, 1, H, W) float in {0, 1}`, 1 = hole.

        Returns:
            `(R_coarse, R_refined)`, both `(N, 3, H, W)`, raw (not composited, not clipped).
        """
        coarse = self.coarse(torch.cat([image, mask], dim=1))
        composited = coarse * mask + image * (1 - mask)
        base = coarse if self.residual_on == "coarse" else composited
        refined = base + self.refine(torch.cat([composited, mask], dim=1))
        if self.refine_conv is not None:
            refined = self.refine_conv(refined)
        return coarse, refined


def load_imagenet_stages(model: CoarseToFine, state_dict: dict[str, torch.Tensor]) -> list[str]:
    """Copy ImageNet ResNet-34 weights into `layer1..layer3` of both encoders.

    Returns the names of the parameters and buffers that were set.
    """
    loaded = []
    for net in (model.coarse, model.refine):
        for index, stage in enumerate(RESNET34_PRETRAINED_STAGES):
            prefix = f"{stage}."
            sub = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
            net.encoder[index].load_state_dict(sub)
            loaded += [f"{stage}.{k}" for k in sub]
    return loaded


def init_normal(model: nn.Module, std: float = 0.02) -> None:
    """The authors' code: every conv weight re-drawn from N(0, std), biases zero."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
