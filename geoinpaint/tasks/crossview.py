"""Cross-view geolocation networks (paper, Table II: a fixed LPN on CVUSA).

LPN (Wang et al., "Each part matters: local patterns facilitate cross-view geo-localization",
2021): one ResNet-50 branch per view (ground, aerial; weights not shared), the last
down-sampling stride set to 1, the final feature map cut into `parts` concentric square rings
around its centre, each ring average-pooled, and one classifier block per ring (Linear to a
512-d bottleneck, BatchNorm, Dropout, Linear to the location ids), shared by both views. Training
minimises the sum over rings (and views) of the cross-entropy over location ids (every training
pair is its own location). Retrieval uses the ring bottleneck features, concatenated and
L2-normalised.

`lpn` is that network (4 rings by default). `lpn-small` is the same design on ResNet-18
branches for the CPU embedded default, where a 64x64 input gives a 4x4 map and so 2 rings; it is
never reported as LPN.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import resnet18, resnet50

from geoinpaint.registry import Registry
from geoinpaint.tasks.classification import MEAN, STD

GEOLOCATORS: Registry[nn.Module] = Registry("cross-view architecture")


def _branch(kind: str) -> tuple[nn.Module, int]:
    net = resnet50(weights=None) if kind == "resnet50" else resnet18(weights=None)
    # LPN: stride 1 in the last stage keeps a finer map for the square rings (the stride sits in
    # conv2 of a bottleneck block, conv1 of a basic block).
    first = net.layer4[0]
    (first.conv2 if kind == "resnet50" else first.conv1).stride = (1, 1)
    first.downsample[0].stride = (1, 1)
    body = nn.Sequential(
        net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4
    )
    return body, net.fc.in_features


def ring_pool(fmap: torch.Tensor, parts: int) -> torch.Tensor:
    """Average-pool `(N, C, H, W)` into `parts` concentric square rings -> `(N, C, parts)`.

    Ring i (1-based) is the centred square of half-size round(i H / (2 parts)) minus ring i-1's
    square; ring 1 is the centre square.
    """
    n, c, h, w = fmap.shape
    half = [round(i * min(h, w) / (2 * parts)) for i in range(parts + 1)]
    if any(b <= a for a, b in zip(half, half[1:], strict=False)):
        raise ValueError(f"a {h}x{w} feature map is too small for {parts} square rings")
    cy, cx = h / 2, w / 2
    pooled, inner_sum, inner_area = [], fmap.new_zeros(n, c), 0
    for i in range(1, parts + 1):
        y0, y1 = int(cy - half[i]), int(cy + half[i])
        x0, x1 = int(cx - half[i]), int(cx + half[i])
        outer = fmap[:, :, y0:y1, x0:x1]
        outer_sum, outer_area = outer.sum(dim=(2, 3)), outer.shape[2] * outer.shape[3]
        pooled.append((outer_sum - inner_sum) / (outer_area - inner_area))
        inner_sum, inner_area = outer_sum, outer_area
    return torch.stack(pooled, dim=2)


class ClassBlock(nn.Module):
    """LPN's per-part head: Linear -> BN -> Dropout bottleneck, then Linear to the classes."""

    def __init__(self, in_dim: int, num_classes: int, bottleneck: int = 512, dropout: float = 0.5):
        super().__init__()
        self.embed = nn.Sequential(
            nn.Linear(in_dim, bottleneck), nn.BatchNorm1d(bottleneck), nn.Dropout(dropout)
        )
        self.classify = nn.Linear(bottleneck, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feat = self.embed(x)
        return feat, self.classify(feat)


class LPN(nn.Module):
    """Two-branch LPN; inputs `(N, 3, H, W) float in [0, 1]`, normalised inside."""

    VIEWS = ("ground", "aerial")

    def __init__(self, num_classes: int, backbone: str = "resnet50", parts: int = 4):
        super().__init__()
        self.parts = parts
        ground, dim = _branch(backbone)
        aerial, _ = _branch(backbone)
        self.branches = nn.ModuleDict({"ground": ground, "aerial": aerial})
        self.heads = nn.ModuleList(ClassBlock(dim, num_classes) for _ in range(parts))
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def part_outputs(self, x: torch.Tensor, view: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per ring: (bottleneck feature `(N, 512)`, location logits `(N, classes)`)."""
        fmap = self.branches[view]((x - self.mean) / self.std)
        rings = ring_pool(fmap, self.parts)
        return [head(rings[:, :, i]) for i, head in enumerate(self.heads)]

    def loss(self, x: torch.Tensor, view: str, targets: torch.Tensor) -> torch.Tensor:
        """Sum over rings of the cross-entropy over location ids (LPN's training loss)."""
        return sum(F.cross_entropy(logits, targets) for _, logits in self.part_outputs(x, view))

    def embed(self, x: torch.Tensor, view: str) -> torch.Tensor:
        """Retrieval descriptor: ring features concatenated, then L2-normalised."""
        feats = torch.cat([f for f, _ in self.part_outputs(x, view)], dim=1)
        return F.normalize(feats, dim=1)


@GEOLOCATORS.register("lpn")
def build_lpn(num_classes: int, parts: int = 4) -> nn.Module:
    """LPN with ResNet-50 branches (the paper's network)."""
    return LPN(num_classes, "resnet50", parts)


@GEOLOCATORS.register("lpn-small")
def build_lpn_small(num_classes: int, parts: int = 2) -> nn.Module:
    """LPN design on ResNet-18 branches, the CPU variant."""
    return LPN(num_classes, "resnet18", parts)
