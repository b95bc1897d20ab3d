"""Scene classification networks (paper, Table I: a fixed VGG16 on RSSCN7).

`vgg16` is torchvision's VGG16 with a dataset-sized head, the paper's network. `vgg-small` is a
narrow VGG-style network (same 3x3-conv / max-pool pattern, fewer channels and blocks) for the
CPU embedded default; it is never reported as VGG16.

torchvision is imported only to build `vgg16`: importing it costs seconds per process (it loads
torch._dynamo), which every evaluation job of the embedded default would pay for nothing.
"""

from __future__ import annotations

import torch
from torch import nn

from geoinpaint.registry import Registry

CLASSIFIERS: Registry[nn.Module] = Registry("classifier architecture")

# ImageNet statistics; every classifier normalises its input with them.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


class Normalised(nn.Module):
    """Wraps a network so that it takes `(N, 3, H, W) float in [0, 1]` and normalises inside."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)


@CLASSIFIERS.register("vgg16")
def build_vgg16(num_classes: int) -> nn.Module:
    """torchvision VGG16 (configuration D, no batch norm) with a `num_classes` head."""
    from torchvision.models import vgg16

    return Normalised(vgg16(weights=None, num_classes=num_classes))


def vgg_features(cfg: list[int | str]) -> nn.Sequential:
    """VGG's feature stack with batch norm: per int a 3x3 conv (padding 1), BN and ReLU; per "M"
    a 2x2 max-pool (layer order and parameter names as torchvision's `make_layers`)."""
    layers: list[nn.Module] = []
    channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers += [nn.Conv2d(channels, int(v), 3, padding=1), nn.BatchNorm2d(int(v)), nn.ReLU(True)]
        channels = int(v)
    return nn.Sequential(*layers)


class SmallVGG(nn.Module):
    """VGG-style CPU variant: VGG's 3x3-conv / max-pool feature stack (narrower, with batch norm)
    and VGG's classifier shape, a spatial feature map flattened into two fully connected layers
    (no global average pooling, which would make it far less sensitive to occlusions than VGG16).
    """

    CFG = [32, 32, "M", 64, 64, "M", 128, 128, "M", 128, 128, "M"]
    POOL = 4

    def __init__(self, num_classes: int):
        super().__init__()
        self.features = vgg_features(self.CFG)
        self.pool = nn.AdaptiveAvgPool2d(self.POOL)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(128 * self.POOL**2, 256),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(256, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)))


@CLASSIFIERS.register("vgg-small")
def build_vgg_small(num_classes: int) -> nn.Module:
    """The `vgg-small` CPU variant (about 1 M parameters)."""
    return Normalised(SmallVGG(num_classes))
