"""MISF's generator (Li et al., CVPR 2022): a kernel prediction branch (KPB) and a semantic &
image filtering branch (SIFB) sharing one input, as the official code (tsingqguo/misf) builds
them (facts: the notes on the official baselines (baselines.md), section "3. MISF").

- SIFB: EdgeConnect's generator. Encoder (7x7 conv, two 4x4 stride-2 convs; instance norm
  without affine, ReLU) to 1/4 resolution, 8 residual blocks with dilation 2, decoder (two 4x4
  stride-2 transposed convs, 7x7 conv to RGB). Between encoder and residual blocks the features
  are filtered with the KPB's per-pixel kernels (*feature-level filtering*, Eq. 2 of the paper);
  the decoder's RGB output is filtered with other per-pixel kernels (*image-level filtering*),
  then `(tanh + 1) / 2`.
- KPB: a U-Net of "Basic" stacks (three 3x3 conv + ReLU, no norm) on the raw 4-channel input at
  full resolution, average-pool downsampling, bilinear upsampling. Its half-resolution stage is
  concatenated with the SIFB's first stride-2 features (the *interaction* between branches). A
  1x1 conv on the 1/4-resolution stage predicts one 3x3 kernel per pixel for every group of
  four feature channels (FILTER_TYPE '64': 64 kernels for 256 channels); a 1x1 conv on the
  full-resolution stage predicts a 3x3 kernel per pixel for each RGB channel.

Kernel layout: the official code stretches the 64*9 predicted maps to 256*9 with a nearest
`F.interpolate` *along the channel axis* (each map repeated four times) and reads feature
channel c's tap k from stretched map 9c + k, i.e. from predicted map (9c + k) // 4; so a
feature channel's nine taps come from up to three neighbouring predicted maps. `feature_kernels`
reproduces exactly that indexing (the parameter count and the trained function depend on it).
The official interpolation also swaps H and W (harmless on square inputs only); here the
kernels keep the features' own (H/4, W/4) grid, so non-square inputs are filtered correctly.

The official KPN also builds `conv_final` (12 -> 3, 3x3; 327 parameters) and never calls it: it
is left out, so the generator has 23,059,166 parameters against the official 23,059,493.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.misf.discriminator import scaled

TAPS = 9  # 3x3 kernels, the official kernel_size [3]
CHANNELS_PER_KERNEL = 4  # FILTER_TYPE '64': one predicted kernel map group per 4 channels


def init_normal(module: nn.Module, std: float = 0.02) -> None:
    """EdgeConnect's `init_weights`: every conv weight N(0, std), biases 0 (spectral-norm
    convs: the original weight), applied to the whole module tree."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            spectral = hasattr(m, "parametrizations")
            weight = m.parametrizations.weight.original if spectral else m.weight
            nn.init.normal_(weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def per_pixel_filter(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Depthwise 3x3 filtering with a different kernel at every pixel (zero padding, no
    normalisation, no bias): `(N, C, H, W)` and `(N, C, 9, H, W)` -> `(N, C, H, W)`.

    Taps run row by row: tap k = 3 i + j reads offset (i - 1, j - 1)."""
    n, c, h, w = x.shape
    patches = F.unfold(x, 3, padding=1).view(n, c, TAPS, h, w)
    return (patches * kernels).sum(2)


def feature_kernels(maps: torch.Tensor, channels: int) -> torch.Tensor:
    """`(N, channels / 4 * 9, h, w)` predicted maps -> `(N, channels, 9, h, w)` kernels, feature
    channel c's tap k taken from map (9 c + k) // 4 (the official channel-axis stretch)."""
    n, _, h, w = maps.shape
    stretched = maps.repeat_interleave(CHANNELS_PER_KERNEL, dim=1)
    return stretched.view(n, channels, TAPS, h, w)


class Basic(nn.Sequential):
    """The KPB's stage: three 3x3 conv (bias) + ReLU, no normalisation, no attention."""

    def __init__(self, c_in: int, c_out: int):
        layers: list[nn.Module] = []
        for i in range(3):
            layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1), nn.ReLU()]
        super().__init__(*layers)


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class KernelPredictionBranch(nn.Module):
    """KPB: `(N, 4, H, W)` input and the SIFB's `(N, c_enc1, H/2, W/2)` features ->
    feature kernels `(N, c_feat, 9, H/4, W/4)` and image kernels `(N, 3, 9, H, W)`."""

    def __init__(self, width: float, c_enc1: int, c_feat: int):
        super().__init__()
        c1, c2, c3, c4 = (scaled(c, width) for c in (64, 128, 256, 512))
        self.c_feat = c_feat
        self.conv1 = Basic(4, c1)  # full resolution
        self.conv2 = Basic(c1, c2)  # 1/2, then joined with the SIFB's encoder features
        self.conv3 = Basic(c2 + c_enc1, c3)  # 1/4
        self.conv4 = Basic(c3, c4)  # 1/4 (no further downsampling in the official code)
        self.conv7 = Basic(c3 + c4, c3)
        self.conv8 = Basic(c2 + c_enc1 + c3, c2)
        self.conv9 = Basic(c2 + c1, c1)
        self.kernels = nn.Conv2d(c3, c_feat // CHANNELS_PER_KERNEL * TAPS, 1)
        self.core_img = nn.Conv2d(c1, 3 * TAPS, 1)

    def forward(self, x: torch.Tensor, enc1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        conv1 = self.conv1(x)
        conv2 = torch.cat([self.conv2(F.avg_pool2d(conv1, 2)), enc1], 1)
        conv3 = self.conv3(F.avg_pool2d(conv2, 2))
        feat_kernels = feature_kernels(self.kernels(conv3), self.c_feat)
        conv7 = self.conv7(torch.cat([conv3, self.conv4(conv3)], 1))
        conv8 = self.conv8(torch.cat([conv2, _up(conv7)], 1))
        conv9 = self.conv9(torch.cat([conv1, _up(conv8)], 1))
        n, _, h, w = conv9.shape
        return feat_kernels, self.core_img(conv9).view(n, 3, TAPS, h, w)


def _norm_relu(channels: int) -> list[nn.Module]:
    return [nn.InstanceNorm2d(channels, track_running_stats=False), nn.ReLU(True)]


class ResnetBlock(nn.Module):
    """EdgeConnect's residual block: [pad d, 3x3 conv dilation d, IN, ReLU, pad 1, 3x3 conv, IN]
    plus identity."""

    def __init__(self, channels: int, dilation: int = 2):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(dilation),
            nn.Conv2d(channels, channels, 3, dilation=dilation),
            *_norm_relu(channels),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels, track_running_stats=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class MISFGenerator(nn.Module):
    """`(N, 4, H, W)` input `cat(image * (1 - M), M)` -> `(N, 3, H, W)` in [0, 1].

    H and W must be multiples of 4. `width` multiplies every channel count (1.0 = official).
    """

    def __init__(self, width: float = 1.0, blocks: int = 8):
        super().__init__()
        c1, c2, c3 = (scaled(c, width) for c in (64, 128, 256))
        if c3 % CHANNELS_PER_KERNEL:
            raise ValueError(
                f"MISF width {width} gives {c3} bottleneck channels, not a multiple of "
                f"{CHANNELS_PER_KERNEL} (one predicted kernel per {CHANNELS_PER_KERNEL} channels)"
            )
        self.encoder0 = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(4, c1, 7), *_norm_relu(c1))
        self.encoder1 = nn.Sequential(nn.Conv2d(c1, c2, 4, 2, 1), *_norm_relu(c2))
        self.encoder2 = nn.Sequential(nn.Conv2d(c2, c3, 4, 2, 1), *_norm_relu(c3))
        self.kpb = KernelPredictionBranch(width, c_enc1=c2, c_feat=c3)
        self.middle = nn.Sequential(*(ResnetBlock(c3) for _ in range(blocks)))
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(c3, c2, 4, 2, 1),
            *_norm_relu(c2),
            nn.ConvTranspose2d(c2, c1, 4, 2, 1),
            *_norm_relu(c1),
            nn.ReflectionPad2d(3),
            nn.Conv2d(c1, 3, 7),
        )
        init_normal(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        enc1 = self.encoder1(self.encoder0(x))
        feat_kernels, img_kernels = self.kpb(x, enc1)
        features = per_pixel_filter(self.encoder2(enc1), feat_kernels)
        rgb = self.decoder(self.middle(features))
        return (torch.tanh(per_pixel_filter(rgb, img_kernels)) + 1) / 2
