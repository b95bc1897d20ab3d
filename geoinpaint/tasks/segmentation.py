"""Land-cover segmentation networks (paper, Table III: a fixed HRNet on LoveDA).

`hrnet-w18` is HRNetV2-W18 (Wang et al. 2020): timm's HRNet-W18 backbone, whose four
resolution branches (18/36/72/144 channels at 1/4..1/32) are upsampled to 1/4, concatenated and
classified per pixel by HRNetV2's head (1x1 conv + BN + ReLU, 1x1 conv), then upsampled
bilinearly to the input size. `hrnet-w18-small` is the same design on timm's HRNet-W18-Small
backbone (16/32/64/128 channels, 1.5 M parameters) for the CPU embedded default; it is never
reported as HRNet-W18. Labels follow LoveDA: 0 = no-data (ignored by the loss), 1..7 classes;
the network predicts the 7 classes as channels 0..6 (label - 1). timm is imported when a network
is built, not with this module (it loads torchvision, seconds per process).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.registry import Registry
from geoinpaint.tasks.classification import Normalised

SEGMENTERS: Registry[nn.Module] = Registry("segmentation architecture")
NUM_CLASSES = 7
IGNORE_INDEX = -1  # LoveDA's no-data (label 0) after the label - 1 shift


class HRNetV2Seg(nn.Module):
    """HRNetV2 segmentation network on a timm HRNet backbone."""

    def __init__(self, backbone: str, num_classes: int = NUM_CLASSES):
        import timm

        super().__init__()
        self.backbone = timm.create_model(
            backbone,
            features_only=True,
            pretrained=False,
            feature_location="",
            out_indices=(1, 2, 3, 4),
        )
        channels = sum(self.backbone.feature_info.channels())
        self.head = nn.Sequential(
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, num_classes, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.backbone(x)
        size = feats[0].shape[-2:]
        up = [feats[0]] + [
            F.interpolate(f, size=size, mode="bilinear", align_corners=False) for f in feats[1:]
        ]
        logits = self.head(torch.cat(up, dim=1))
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


@SEGMENTERS.register("hrnet-w18")
def build_hrnet_w18(num_classes: int = NUM_CLASSES) -> nn.Module:
    """HRNetV2-W18 with a `num_classes` pixel classifier (the paper's network)."""
    return Normalised(HRNetV2Seg("hrnet_w18", num_classes))


@SEGMENTERS.register("hrnet-w18-small")
def build_hrnet_w18_small(num_classes: int = NUM_CLASSES) -> nn.Module:
    """HRNetV2 head on HRNet-W18-Small, the CPU variant."""
    return Normalised(HRNetV2Seg("hrnet_w18_small", num_classes))


def to_targets(labels: torch.Tensor) -> torch.Tensor:
    """LoveDA label maps (0 no-data, 1..7) -> class indices 0..6 with no-data = IGNORE_INDEX."""
    return labels.long() - 1
