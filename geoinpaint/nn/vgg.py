"""Frozen ImageNet VGG feature extractors and the feature losses built on them.

Many inpainting papers train with a perceptual loss (L1 between VGG features, Johnson et al.
2016), a style loss (L1 between their Gram matrices, Gatys et al. 2016) or a feature-matching
term on a pretrained VGG16 or VGG19. The weights are torchvision's ImageNet files from the torch
hub cache (`geoinpaint weights`); when one is missing, `VGGFeatures` raises
`WeightsUnavailable` and the method drops the term with a note (`TrainableMethod.optional`).

Layers are named as the papers name them: `relu{block}_{index}` (and `conv{block}_{index}`,
`pool{block}`), e.g. `relu1_1`, `relu2_1`, `relu3_1`, `relu4_1`, `relu5_1`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.metrics.weights import require

VggArch = Literal["vgg16", "vgg19"]
WEIGHT_FILE = {"vgg16": "vgg16-397923af.pth", "vgg19": "vgg19-dcbb9e9d.pth"}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def layer_names(features: nn.Sequential) -> list[str]:
    """`conv1_1`, `relu1_1`, ..., `pool1`, `conv2_1`, ... for a torchvision VGG's `features`."""
    names, block, index = [], 1, 0
    for layer in features:
        if isinstance(layer, nn.Conv2d):
            index += 1
            names.append(f"conv{block}_{index}")
        elif isinstance(layer, nn.ReLU):
            names.append(f"relu{block}_{index}")
        elif isinstance(layer, nn.MaxPool2d):
            names.append(f"pool{block}")
            block, index = block + 1, 0
        else:
            names.append(f"{type(layer).__name__.lower()}{block}_{index}")
    return names


class VGGFeatures(nn.Module):
    """A frozen ImageNet VGG returning the named layers' activations.

    Input: `(N, 3, H, W) float in [0, 1]` (ImageNet-normalised inside unless `normalize` is
    False, for the losses of codes that feed VGG raw images). Output: a dict
    layer name -> activation, for `layers` in network order. Gradients reach the input, never
    the weights; the network stays in eval mode.

    Raises:
        WeightsUnavailable: the ImageNet file is not in the torch hub cache.
    """

    def __init__(
        self,
        arch: VggArch = "vgg19",
        layers: Sequence[str] = ("relu1_1",),
        normalize: bool = True,
    ):
        super().__init__()
        path = require(WEIGHT_FILE[arch])  # before torchvision's ~2 s import, which it may spare
        from torchvision import models

        net = getattr(models, arch)()
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        names = layer_names(net.features)
        unknown = sorted(set(layers) - set(names))
        if unknown:
            raise ValueError(f"{arch} has no layer(s) {unknown}; it has {names}")
        last = max(names.index(n) for n in layers)
        for layer in net.features:
            if isinstance(layer, nn.ReLU):
                layer.inplace = False  # an activation we return must not be overwritten
        self.features = net.features[: last + 1]
        self.names = names[: last + 1]
        self.layers = tuple(layers)
        # Several official codes feed VGG unnormalised images; `normalize=False` does the same
        self.normalize = normalize
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> VGGFeatures:
        """Stays in eval mode whatever the caller's mode."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        x = (images.float() - self.mean) / self.std if self.normalize else images.float()
        out = {}
        for name, layer in zip(self.names, self.features, strict=True):
            x = layer(x)
            if name in self.layers:
                out[name] = x
        return out


def gram(features: torch.Tensor) -> torch.Tensor:
    """`(N, C, H, W)` -> `(N, C, C)` Gram matrix normalised by `C * H * W`."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def perceptual_loss(
    pred: dict[str, torch.Tensor],
    target: dict[str, torch.Tensor],
    weights: dict[str, float] | None = None,
) -> torch.Tensor:
    """Sum over layers of `weight * mean |phi(pred) - phi(target)|` (weights default to 1)."""
    weights = weights or {}
    return sum(weights.get(k, 1.0) * F.l1_loss(pred[k], target[k]) for k in pred)


def style_loss(
    pred: dict[str, torch.Tensor],
    target: dict[str, torch.Tensor],
    weights: dict[str, float] | None = None,
) -> torch.Tensor:
    """Sum over layers of `weight * mean |G(phi(pred)) - G(phi(target))|`."""
    weights = weights or {}
    return sum(weights.get(k, 1.0) * F.l1_loss(gram(pred[k]), gram(target[k])) for k in pred)
