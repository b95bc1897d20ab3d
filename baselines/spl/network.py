"""SPL's generator (Zhang et al., IJCAI 2021) as the official code (WendongZh/SPL `networks.py`)
builds it (facts: the notes on the official baselines): a semantic prior learner
and an image generator, trained end to end.

- Prior learner: sees the masked image (holes white) and the mask, both nearest-upsampled by
  `prior_scale` (official 2: 256 -> 512). Encoder 7x7 conv and three 4x4 stride-2 convs (64,
  128, 256, 256 channels, LeakyReLU 0.1) to 1/4 of the image side (the CPU variant's
  `prior_scale` 1 keeps the image size and drops the last stride-2 conv), a 3x3 conv, 16
  residual dense blocks (6 dense 3x3 layers, growth 32, 1x1 local fusion, residual), global
  fusion (1x1 over all 16 outputs, 3x3) plus the encoder output, then 4 plain residual blocks:
  the *layout* (256 channels). A 1x1 head maps the layout to the distilled prior (152 channels,
  the teacher's), used by the training loss only.
- Image generator: sees the masked image (holes white), no mask channel. Encoder 7x7 conv and
  two 4x4 stride-2 convs (64, 128, 256), each followed by RN-B with the mask and ReLU; 8 residual
  blocks whose two SPADE layers are modulated by the layout (3x3 conv dilation 2, then 3x3);
  decoder of two (3x3 conv, pixel shuffle x2, RN-L, ReLU) stages and a 7x7 conv to RGB,
  `(tanh + 1) / 2`.

PyTorch's default initialisation, as the official code (it calls no init function).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.baselines.misf.discriminator import scaled
from geoinpaint.baselines.spl.norms import SPADE, RegionNormB, RegionNormL

PRIOR_SCALES = (1, 2)  # official 2: the prior learner sees 512 inputs for 256 images


class ResnetBlock(nn.Module):
    """Plain residual block of the prior learner: pad, 3x3 conv, ReLU, pad, 3x3 conv, + x."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResidualDenseBlock(nn.Module):
    """RDB (Zhang et al. 2018): `layers` dense 3x3 conv + ReLU layers adding `growth` channels
    each, a 1x1 local fusion back to `channels`, and a residual connection."""

    def __init__(self, channels: int, growth: int, layers: int):
        super().__init__()
        self.dense = nn.ModuleList(
            nn.Conv2d(channels + i * growth, growth, 3, padding=1) for i in range(layers)
        )
        self.fuse = nn.Conv2d(channels + layers * growth, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = x
        for conv in self.dense:
            features = torch.cat([features, F.relu(conv(features))], 1)
        return x + self.fuse(features)


class PriorLearner(nn.Module):
    """`(N, 4, sH, sW)` masked image and mask upsampled by s = `scale` -> layout
    `(N, C, H/4, W/4)` and prior `(N, prior_channels, H/4, W/4)`."""

    def __init__(
        self, width: float, rdbs: int, rdb_layers: int, prior_channels: int, scale: int = 2
    ):
        super().__init__()
        c1, c2, c3, growth = (scaled(c, width) for c in (64, 128, 256, 32))
        act = nn.LeakyReLU(0.1)
        down = [(c1, c2), (c2, c3), (c3, c3)][: 1 + scale]
        self.encoder = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(4, c1, 7), act)
        for c_in, c_out in down:
            self.encoder.extend([nn.Conv2d(c_in, c_out, 4, 2, 1), act])
        self.entry = nn.Conv2d(c3, c3, 3, padding=1)
        self.rdbs = nn.ModuleList(ResidualDenseBlock(c3, growth, rdb_layers) for _ in range(rdbs))
        self.global_fusion = nn.Sequential(
            nn.Conv2d(c3 * rdbs, c3, 1), nn.Conv2d(c3, c3, 3, padding=1)
        )
        self.recon = nn.Sequential(*(ResnetBlock(c3) for _ in range(4)))
        self.head = nn.Conv2d(c3, prior_channels, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        encoded = self.encoder(x)
        features, local = self.entry(encoded), []
        for rdb in self.rdbs:
            features = rdb(features)
            local.append(features)
        layout = self.recon(self.global_fusion(torch.cat(local, 1)) + encoded)
        return layout, self.head(layout)


class SpadeResnetBlock(nn.Module):
    """SPADE, ReLU, pad d, 3x3 conv dilation d, SPADE, ReLU, pad 1, 3x3 conv; plus x."""

    def __init__(self, channels: int, layout_channels: int, hidden: int, dilation: int = 2):
        super().__init__()
        self.norm1 = SPADE(channels, layout_channels, hidden)
        self.conv1 = nn.Sequential(
            nn.ReflectionPad2d(dilation), nn.Conv2d(channels, channels, 3, dilation=dilation)
        )
        self.norm2 = SPADE(channels, layout_channels, hidden)
        self.conv2 = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3))

    def forward(self, x: torch.Tensor, layout: torch.Tensor) -> torch.Tensor:
        out = self.conv1(F.relu(self.norm1(x, layout)))
        return x + self.conv2(F.relu(self.norm2(out, layout)))


class ImageGenerator(nn.Module):
    """`(N, 3, H, W)` masked image (holes white), `(N, 1, H, W)` mask and the layout ->
    `(N, 3, H, W)` in [0, 1]."""

    def __init__(self, width: float, blocks: int, layout_channels: int):
        super().__init__()
        c1, c2, c3, hidden = (scaled(c, width) for c in (64, 128, 256, 128))
        self.conv1 = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, c1, 7))
        self.conv2 = nn.Conv2d(c1, c2, 4, 2, 1)
        self.conv3 = nn.Conv2d(c2, c3, 4, 2, 1)
        self.norms = nn.ModuleList(RegionNormB(c) for c in (c1, c2, c3))
        self.middle = nn.ModuleList(
            SpadeResnetBlock(c3, layout_channels, hidden) for _ in range(blocks)
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(c3, c2 * 4, 3, padding=1),
            nn.PixelShuffle(2),
            RegionNormL(),
            nn.ReLU(True),
            nn.Conv2d(c2, c1 * 4, 3, padding=1),
            nn.PixelShuffle(2),
            RegionNormL(),
            nn.ReLU(True),
            nn.ReflectionPad2d(3),
            nn.Conv2d(c1, 3, 7),
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor, layout: torch.Tensor) -> torch.Tensor:
        for conv, norm in zip((self.conv1, self.conv2, self.conv3), self.norms, strict=True):
            x = F.relu(norm(conv(x), mask))
        for block in self.middle:
            x = block(x, layout)
        return (torch.tanh(self.decoder(x)) + 1) / 2


class SPLGenerator(nn.Module):
    """Both branches: `(N, 3, H, W)` image in [0, 1] (hole pixels never read) and `(N, 1, H, W)`
    mask -> prediction `(N, 3, H, W)` in [0, 1] and prior `(N, prior_channels, H/4, W/4)`.

    H and W must be multiples of 4. `width` multiplies every channel count (1.0 = official).
    """

    def __init__(
        self,
        width: float = 1.0,
        blocks: int = 8,
        rdbs: int = 16,
        rdb_layers: int = 6,
        prior_channels: int = 152,
        prior_scale: int = 2,
    ):
        super().__init__()
        if prior_scale not in PRIOR_SCALES:
            raise ValueError(f"SPL's prior_scale must be one of {PRIOR_SCALES}, got {prior_scale}")
        self.prior_scale = prior_scale
        self.prior = PriorLearner(width, rdbs, rdb_layers, prior_channels, prior_scale)
        self.image = ImageGenerator(width, blocks, layout_channels=scaled(256, width))

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, ...]:
        white = images * (1 - masks) + masks
        prior_input = torch.cat([white, masks], 1)
        if self.prior_scale != 1:
            prior_input = F.interpolate(prior_input, scale_factor=self.prior_scale)
        layout, prior = self.prior(prior_input)
        return self.image(white, masks, layout), prior
