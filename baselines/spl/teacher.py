"""The teacher of SPL's semantic prior: a frozen network's features of the clean image on the
prior's grid (1/4 of the image side).

SPL distils a frozen multi-label classifier (ASL's TResNet-L trained on OpenImages, truncated
after `layer2`, the end of its stride-8 stage): it sees the *unmasked* image upsampled 2x (256 ->
512) and its 152-channel map at 1/8 of that, i.e. 1/4 of the image side, is the target of the
prior learner's 1x1 head. That model needs its OpenImages checkpoint and `inplace_abn`, neither
available offline, so the suite distils the run's frozen task network instead, read the same way:
the image upsampled by `scale` (2, bilinear, as `cv2.resize`; the CPU variant's 1 keeps it),
the trunk up to its deepest feature map at stride 4 * scale, in [0, 1] with the task network's
own ImageNet normalisation.

Where the stride-8 features are, per task network (`geoinpaint.tasks`):
- classifiers (VGG16, vgg-small): the VGG feature stack up to its last layer before the 4th
  max-pool (VGG16: relu4_3, 512 channels; stride 4: before the 3rd);
- cross-view LPN: the ground branch up to its last stage at that stride (ResNet-50: layer2, 512
  channels; the small branch's stride-1 last stage);
- segmentation HRNetV2: the backbone's branch at that stride (HRNet-W18: 36 channels).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.tasks.classification import Normalised
from geoinpaint.tasks.frozen import FROZEN, Frozen

PRIOR_GRID = 4  # the prior lives at 1/4 of the image side
PROBE_SIDE = 64


class _Pick(nn.Module):
    """One entry of a multi-scale backbone's feature list."""

    def __init__(self, backbone: nn.Module, index: int):
        super().__init__()
        self.backbone, self.index = backbone, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x)[self.index]


@torch.no_grad()
def prefix_at_stride(trunk: nn.Sequential, stride: int) -> nn.Sequential:
    """The longest prefix of `trunk` whose output is at 1/`stride` of the input (by a probe)."""
    x = torch.zeros(1, 3, PROBE_SIDE, PROBE_SIDE, device=next(trunk.parameters()).device)
    last = None
    for i, layer in enumerate(trunk):
        x = layer(x)
        if x.shape[-1] * stride == PROBE_SIDE:
            last = i
    if last is None:
        raise ValueError(f"no layer of {type(trunk).__name__} outputs a stride-{stride} map")
    return nn.Sequential(*list(trunk)[: last + 1])


def trunk_at_stride(frozen: Frozen, stride: int) -> nn.Module:
    """`(N, 3, H, W)` in [0, 1] -> the frozen task network's features at 1/`stride`."""
    net = frozen.net
    if frozen.task == "segmentation" and hasattr(net, "net") and hasattr(net.net, "backbone"):
        backbone = net.net.backbone
        strides = backbone.feature_info.reduction()
        if stride in strides:
            return Normalised(_Pick(backbone, strides.index(stride)))
    if frozen.task == "classification" and hasattr(net, "net") and hasattr(net.net, "features"):
        return Normalised(prefix_at_stride(net.net.features, stride))
    if frozen.task == "crossview" and hasattr(net, "branches"):
        return Normalised(prefix_at_stride(net.branches["ground"], stride))
    raise ValueError(
        f"SPL's prior teacher: no known stride-{stride} features in a {frozen.arch!r} "
        f"{frozen.task} network"
    )


class TaskTeacher(nn.Module):
    """Frozen features of the clean image upsampled by `scale`, at stride 4 * scale:
    `(N, 3, H, W)` in [0, 1] -> `(N, channels, H/4, W/4)`.

    Attributes:
        arch: the task network's architecture name.
        channels: feature channels.
        stride: the features' stride in the task network.
    """

    def __init__(self, checkpoint: Path, task: str, device: torch.device, scale: int = 2):
        super().__init__()
        if task not in FROZEN:
            raise ValueError(f"unknown task {task!r}, expected one of {sorted(FROZEN)}")
        frozen = FROZEN[task](checkpoint, device)
        self.arch, self.scale, self.stride = frozen.arch, scale, PRIOR_GRID * scale
        self.trunk = trunk_at_stride(frozen, self.stride).to(device).eval().requires_grad_(False)
        probe = torch.zeros(1, 3, PROBE_SIDE, PROBE_SIDE, device=device)
        with torch.no_grad():
            self.channels = int(self.trunk(probe).shape[1])

    def train(self, mode: bool = True) -> TaskTeacher:
        """Stays in eval mode (batch-norm statistics frozen) whatever the caller's mode."""
        return super().train(False)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.scale != 1:
            images = F.interpolate(
                images, scale_factor=self.scale, mode="bilinear", align_corners=False
            )
        features = self.trunk(images)
        side = (images.shape[-2] // self.stride, images.shape[-1] // self.stride)
        if features.shape[-2:] != side:  # a trunk that rounds odd sizes its own way
            features = F.interpolate(features, size=side, mode="bilinear", align_corners=False)
        return features
