"""Cross-view geolocation networks (paper, Table II: a fixed LPN on CVUSA).

LPN (Wang et al., "Each part matters: local patterns facilitate cross-view geo-localization",
2021): one ResNet-50 branch per view (ground, aerial; weights not shared), the last
down-sampling stride set to 1, the final feature map cut into `parts` concentric square rings
around its centre, each ring average-pooled, and one classifier block per ring (Linear to a
512-d bottleneck, BatchNorm, Dropout, Linear to the location ids), shared by both views. Training
minimises the sum over rings (and views) of the cross-entropy over location ids (every training
pair is its own location). Retrieval uses the ring bottleneck features, concatenated and
L2-normalised.

`lpn` is that network (4 rings by default). `lpn-small` is the same design for the CPU embedded
default, never reported as LPN: small residual branches (`SmallResNet`: ResNet-18's layout of
basic blocks, 8 to 64 channels, stride 1 in the last stage, an 8x8 map at 64x64 input) and 2
rings, with the two views sharing one branch (the `share_weight` option of the LPN /
University-1652 code). Trained from scratch on a few hundred pairs for a minute, unshared
branches memorise their own view's images instead of learning what the views have in common
(docs/fidelity.md).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.registry import Registry
from geoinpaint.tasks.classification import MEAN, STD

GEOLOCATORS: Registry[nn.Module] = Registry("cross-view architecture")


def resnet50_branch() -> tuple[nn.Module, int]:
    """torchvision's ResNet-50 without its head, stride 1 in the last stage (LPN), and its
    output channels."""
    from torchvision.models import resnet50  # seconds to import: only when building

    net = resnet50(weights=None)
    # LPN: stride 1 in the last stage keeps a finer map for the square rings (the stride sits in
    # conv2 of the first bottleneck block and in its downsampling shortcut).
    net.layer4[0].conv2.stride = (1, 1)
    net.layer4[0].downsample[0].stride = (1, 1)
    body = nn.Sequential(
        net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4
    )
    return body, net.fc.in_features


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 conv + BN, a 1x1 conv + BN shortcut where the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.shortcut = (
            nn.Identity()
            if stride == 1 and cin == cout
            else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + self.shortcut(x))


class SmallResNet(nn.Sequential):
    """ResNet-18's layout (stem, four stages of two basic blocks) at a small width, for 32-64 px
    inputs: a 3x3 stem and 2x2 max-pool (1/2), stages at strides 1, 2, 2 and 1 (LPN's last stride
    1), so a 64x64 input gives an 8x8 map. Indexable like a torchvision ResNet body: [4] is the
    first stage."""

    def __init__(self, widths: tuple[int, int, int, int] = (8, 16, 32, 64)):
        layers: list[nn.Module] = [
            nn.Conv2d(3, widths[0], 3, 1, 1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        ]
        cin = widths[0]
        for width, stride in zip(widths, (1, 2, 2, 1), strict=True):
            layers.append(nn.Sequential(BasicBlock(cin, width, stride), BasicBlock(width, width)))
            cin = width
        super().__init__(*layers)
        self.out_channels = widths[-1]


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
    """Two-branch LPN; inputs `(N, 3, H, W) float in [0, 1]`, normalised inside.

    Args:
        num_classes: location ids (training pairs).
        branch: builds one view's branch, returning it and its output channels.
        parts: square rings.
        shared: both views use one branch (one set of weights).
    """

    VIEWS = ("ground", "aerial")

    def __init__(
        self,
        num_classes: int,
        branch: Callable[[], tuple[nn.Module, int]] = resnet50_branch,
        parts: int = 4,
        shared: bool = False,
    ):
        super().__init__()
        self.parts = parts
        ground, dim = branch()
        aerial = ground if shared else branch()[0]
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
    return LPN(num_classes, resnet50_branch, parts)


def _small_branch() -> tuple[nn.Module, int]:
    net = SmallResNet()
    return net, net.out_channels


@GEOLOCATORS.register("lpn-small")
def build_lpn_small(num_classes: int, parts: int = 2) -> nn.Module:
    """LPN design on one shared `SmallResNet` branch, the CPU variant."""
    return LPN(num_classes, _small_branch, parts, shared=True)
