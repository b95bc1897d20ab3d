"""PiDiNet (Su et al., ICCV 2021, "Pixel Difference Networks for Efficient Edge Detection"): the
edge detector IGLL's structure prior comes from (IGLL Sec. 3.3, ref. [35]).

The standard configuration: width C = 60, the `carv4` layout (the 16 pixel-difference
convolutions cycle through central, angular, radial differences and a vanilla convolution), the
compact dilation module (CDCM, 24 channels) and the compact spatial attention (CSAM) on every side
output: 710,149 parameters. Module names follow the authors' state dict so that their trained
file (`table5_pidinet.pth`, BSDS500; research-only licence) loads with `strict=True`.

A pixel-difference convolution (PDC) is a 3x3 convolution whose kernel is turned into a kernel of
differences before it is applied (the authors' "converted" form, computed on every call):
- `cv`: the kernel itself;
- `cd` (central): y = conv(x, w) - conv(x, sum(w)) -> the centre tap becomes w_4 - sum(w);
- `ad` (angular): w - w[clockwise neighbour], neighbours [3, 0, 1, 6, 4, 2, 7, 8, 5];
- `rd` (radial): a 5x5 kernel, +w[1:] on the outer ring's 8 axis/diagonal taps and -w[1:] on
  the inner ring's, w[0] unused, padding 2.
"""

from __future__ import annotations

import math
import pickle
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.metrics.weights import WeightsUnavailable, require

PIDINET_WEIGHTS = "table5_pidinet.pth"
Pdc = Literal["cv", "cd", "ad", "rd"]
CARV4: tuple[Pdc, ...] = ("cd", "ad", "rd", "cv") * 4
_CLOCKWISE = [3, 0, 1, 6, 4, 2, 7, 8, 5]
_RD_OUTER = [0, 2, 4, 10, 14, 20, 22, 24]
_RD_INNER = [6, 7, 8, 11, 13, 16, 17, 18]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class PixelDifferenceConv2d(nn.Module):
    """A 3x3 pixel-difference convolution (no bias), stride 1, "same" output size.

    Args:
        kind: `cv`, `cd`, `ad` or `rd` (see the module docstring).
        c_in, c_out, groups: as `nn.Conv2d`.
    """

    def __init__(self, kind: Pdc, c_in: int, c_out: int, groups: int = 1):
        super().__init__()
        if kind not in ("cv", "cd", "ad", "rd"):
            raise ValueError(f"unknown pixel-difference convolution {kind!r}")
        self.kind, self.groups = kind, groups
        self.weight = nn.Parameter(torch.empty(c_out, c_in // groups, 3, 3))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # nn.Conv2d's default

    def kernel(self) -> torch.Tensor:
        """The equivalent vanilla kernel: 3x3, or 5x5 for `rd`."""
        w = self.weight
        if self.kind == "cv":
            return w
        flat = w.flatten(2)
        if self.kind == "cd":
            centre = torch.zeros_like(flat)
            centre[..., 4] = flat.sum(-1)
            return (flat - centre).view_as(w)
        if self.kind == "ad":
            return (flat - flat[..., _CLOCKWISE]).view_as(w)
        big = flat.new_zeros(*flat.shape[:2], 25)
        big[..., _RD_OUTER] = flat[..., 1:]
        big[..., _RD_INNER] = -flat[..., 1:]
        return big.view(*w.shape[:2], 5, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.kernel()
        return F.conv2d(x, k, padding=k.shape[-1] // 2, groups=self.groups)


class PDCBlock(nn.Module):
    """Depthwise PDC -> ReLU -> 1x1, plus the input; `stride=2` max-pools first and projects the
    shortcut with a 1x1 convolution (with bias)."""

    def __init__(self, kind: Pdc, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.stride = stride
        if stride > 1:
            self.pool = nn.MaxPool2d(2, 2)
            self.shortcut = nn.Conv2d(c_in, c_out, 1)
        self.conv1 = PixelDifferenceConv2d(kind, c_in, c_in, groups=c_in)
        self.relu2 = nn.ReLU()
        self.conv2 = nn.Conv2d(c_in, c_out, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            x = self.pool(x)
        y = self.conv2(self.relu2(self.conv1(x)))
        return y + (self.shortcut(x) if self.stride > 1 else x)


class CDCM(nn.Module):
    """Compact dilation convolution module: ReLU, 1x1 to `c_out`, sum of four dilated 3x3s."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(c_in, c_out, 1)
        nn.init.zeros_(self.conv1.bias)
        for i, rate in enumerate((5, 7, 9, 11), 1):
            conv = nn.Conv2d(c_out, c_out, 3, padding=rate, dilation=rate, bias=False)
            setattr(self, f"conv2_{i}", conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(self.relu1(x))
        return self.conv2_1(x) + self.conv2_2(x) + self.conv2_3(x) + self.conv2_4(x)


class CSAM(nn.Module):
    """Compact spatial attention: x * sigmoid(3x3(1x1(ReLU(x)) to 4 channels) to 1 channel)."""

    def __init__(self, channels: int):
        super().__init__()
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(channels, 4, 1)
        self.conv2 = nn.Conv2d(4, 1, 3, padding=1, bias=False)
        nn.init.zeros_(self.conv1.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.conv2(self.conv1(self.relu1(x))))


class MapReduce(nn.Module):
    """1x1 convolution to one edge logit per pixel."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 1)
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class PiDiNet(nn.Module):
    """PiDiNet: `(N, 3, H, W)` RGB in [0, 1] (any H, W) -> `(N, 1, H, W)` edge probability.

    Args:
        width: C (60 standard, 30 small, 20 tiny).
        dilation: CDCM channels (24, 12, 8); 0 drops the CDCMs and CSAMs ("-L" variants).
        layout: the 16 PDC kinds, init block first.
    """

    def __init__(self, width: int = 60, dilation: int = 24, layout: tuple[Pdc, ...] = CARV4):
        super().__init__()
        if len(layout) != 16:
            raise ValueError(f"a PiDiNet layout names 16 convolutions, got {len(layout)}")
        c = width
        self.init_block = PixelDifferenceConv2d(layout[0], 3, c)
        stages = ((c, c, 3), (c, 2 * c, 4), (2 * c, 4 * c, 4), (4 * c, 4 * c, 4))
        planes, k = [], 1
        for s, (c_in, c_out, blocks) in enumerate(stages, 1):
            for b in range(1, blocks + 1):
                stride = 2 if s > 1 and b == 1 else 1
                block = PDCBlock(layout[k], c_in if b == 1 else c_out, c_out, stride)
                setattr(self, f"block{s}_{b}", block)
                k += 1
            planes.append(c_out)
        self.blocks = [
            [f"block{s}_{b}" for b in range(1, n + 1)] for s, (_, _, n) in enumerate(stages, 1)
        ]
        if dilation:
            self.dilations = nn.ModuleList(CDCM(p, dilation) for p in planes)
            self.attentions = nn.ModuleList(CSAM(dilation) for _ in planes)
        self.conv_reduces = nn.ModuleList(MapReduce(dilation or p) for p in planes)
        self.classifier = nn.Conv2d(4, 1, 1)
        nn.init.constant_(self.classifier.weight, 0.25)
        nn.init.zeros_(self.classifier.bias)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), False)

    def side_outputs(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The four side-output logits and the fused one, each `(N, 1, H, W)`."""
        size = images.shape[-2:]
        x = self.init_block((images - self.mean) / self.std)
        sides = []
        for i, names in enumerate(self.blocks):
            for name in names:
                x = getattr(self, name)(x)
            y = self.attentions[i](self.dilations[i](x)) if hasattr(self, "dilations") else x
            y = self.conv_reduces[i](y)
            sides.append(F.interpolate(y, size=size, mode="bilinear", align_corners=False))
        return sides + [self.classifier(torch.cat(sides, 1))]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.side_outputs(images)[-1])


def pretrained_pidinet() -> PiDiNet:
    """The standard PiDiNet with the authors' BSDS500 weights, frozen and in eval mode.

    Raises:
        WeightsUnavailable: `table5_pidinet.pth` is not in the torch hub cache or does not hold
            a standard PiDiNet state dict.
    """
    path = require(PIDINET_WEIGHTS)
    net = PiDiNet()
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        state = {k.removeprefix("module."): v for k, v in saved["state_dict"].items()}
        net.load_state_dict(state, strict=True)
    except (KeyError, RuntimeError, TypeError, pickle.UnpicklingError) as err:
        raise WeightsUnavailable(f"{path} is not the standard PiDiNet's state dict: {err}") from err
    return net.eval().requires_grad_(False)
