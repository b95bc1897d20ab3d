"""EdgeConnect's VGG19 feature losses (Nazeri et al. 2019), which HAN and HINT both train with.

- perceptual: sum over relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 of the mean absolute
  feature difference;
- style: sum over relu2_2, relu3_4, relu4_4, relu5_2 of the mean absolute difference of Gram
  matrices normalised by C*H*W.

The official codes feed the VGG their images without ImageNet normalisation (HAN in [-1, 1],
HINT in [0, 1]); `VGGFeatures` takes [0, 1] images and normalises them as the network was
trained (docs/fidelity/han.md).
"""

from __future__ import annotations

import torch
from torch import nn

from geoinpaint.nn.vgg import VGGFeatures, perceptual_loss, style_loss

PERCEPTUAL_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
STYLE_LAYERS = ("relu2_2", "relu3_4", "relu4_4", "relu5_2")


class EdgeConnectVGGLoss(nn.Module):
    """Perceptual and style losses on a frozen ImageNet VGG19.

    Raises:
        WeightsUnavailable: the VGG19 file is not in the torch hub cache (construct it through
            `TrainableMethod.optional`, which drops both terms with a note).
    """

    def __init__(self) -> None:
        super().__init__()
        self.vgg = VGGFeatures("vgg19", PERCEPTUAL_LAYERS + STYLE_LAYERS)

    def _features(self, pred: torch.Tensor, target: torch.Tensor, layers: tuple[str, ...]):
        fp = self.vgg(pred)
        with torch.no_grad():
            ft = self.vgg(target)
        return {k: fp[k] for k in layers}, {k: ft[k] for k in layers}

    def perceptual(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` images in [0, 1] -> scalar; gradients reach `pred` only."""
        return perceptual_loss(*self._features(pred, target, PERCEPTUAL_LAYERS))

    def style(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` images in [0, 1] -> scalar; gradients reach `pred` only."""
        return style_loss(*self._features(pred, target, STYLE_LAYERS))
