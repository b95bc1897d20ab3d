"""Cross-view geolocation networks (paper, Table II: a fixed LPN on CVUSA).

LPN (Wang et al., "Each part matters: local patterns facilitate cross-view geo-localization",
IEEE TCSVT 2022) in its official CVUSA configuration: one VGG16-bn feature stack per view
(weights not shared), the aerial map cut into 8 concentric square rings and the ground panorama's
map into 8 horizontal rows, ring i paired with row i (outermost ring with the top row: far with
far), one classifier block per part shared by both views (Linear 512 -> 512, BatchNorm, Dropout
0.5, Linear to the location ids; no ReLU). Training minimises the sum over parts and views of the
cross-entropy over location ids (every training pair is its own location). Retrieval: each part's
512-d BatchNorm output, summed over the image and its horizontal flip, L2-normalised per part,
divided by sqrt(parts) and concatenated (4,096-d, unit norm).

- `lpn`: that network (31,555,712 + 4,104 x C parameters for C locations, as the official one).
- `lpn-resnet50`: LPN's ResNet-50 variant (last stage at stride 1, 2,048-d parts).
- `lpn-small`: the same design for the CPU embedded default, never reported as LPN: two unshared
  narrow VGG-bn stacks (3 max-pools: a 64x64 view gives an 8x8 map, as VGG16-bn gives at 256x256)
  and 256-d part bottlenecks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.registry import Registry
from geoinpaint.tasks.classification import MEAN, STD, vgg_features

GEOLOCATORS: Registry[nn.Module] = Registry("cross-view architecture")
IGNORE_INDEX = -1  # a location id the network was not trained on (a validation pair)
Branch = Callable[[], tuple[nn.Module, int]]


def square_rings(fmap: torch.Tensor, parts: int) -> torch.Tensor:
    """LPN's square-ring pooling of `(N, C, H, W)` -> `(N, C, parts)`, outermost ring first.

    A map smaller than `2 parts` is first resized bilinearly to `2 parts` (the official 8x8 ->
    16x16 step). Ring i (1-based, from the centre) is the centred crop of half-size
    `i * H / (2 parts)` minus the crop of ring i-1, averaged over the *whole* crop's area (the
    inner crop counts as zeros): an all-ones map gives (8i - 4) / (4 i^2), 1.0 at the centre.
    """
    h, w = fmap.shape[-2:]
    if h < 2 * parts or w < 2 * parts:
        size = (max(h, 2 * parts), max(w, 2 * parts))
        fmap = F.interpolate(fmap, size=size, mode="bilinear", align_corners=False)
        h, w = size
    cy, cx, per_y, per_x = h // 2, w // 2, h / (2 * parts), w / (2 * parts)
    pooled, inner = [], fmap.new_zeros(fmap.shape[:2])
    for i in range(1, parts + 1):
        crop = fmap[
            ...,
            int(cy - i * per_y) : int(cy + i * per_y),
            int(cx - i * per_x) : int(cx + i * per_x),
        ]
        total = crop.sum(dim=(-2, -1))
        pooled.append((total - inner) / (crop.shape[-2] * crop.shape[-1]))
        inner = total
    return torch.stack(pooled[::-1], dim=2)


def horizontal_rows(fmap: torch.Tensor, parts: int) -> torch.Tensor:
    """LPN's ground partition: `(N, C, H, W)` averaged into `parts` rows -> `(N, C, parts)`,
    the top row first."""
    return F.adaptive_avg_pool2d(fmap, (parts, 1)).flatten(2)


POOLS = {"rings": square_rings, "rows": horizontal_rows}


class ClassBlock(nn.Module):
    """LPN's per-part head: Linear -> BatchNorm -> Dropout bottleneck, then Linear to the ids.

    Initialised as the LPN / University-1652 code does: Kaiming (fan-out) for the bottleneck's
    Linear, N(1, 0.02) BatchNorm scales, N(0, 0.001) for the classifier, zero biases.
    """

    def __init__(self, in_dim: int, num_classes: int, bottleneck: int = 512, dropout: float = 0.5):
        super().__init__()
        self.embed = nn.Sequential(
            nn.Linear(in_dim, bottleneck), nn.BatchNorm1d(bottleneck), nn.Dropout(dropout)
        )
        self.classify = nn.Linear(bottleneck, num_classes)
        nn.init.kaiming_normal_(self.embed[0].weight, a=0, mode="fan_out")
        nn.init.normal_(self.embed[1].weight, 1.0, 0.02)
        nn.init.normal_(self.classify.weight, std=0.001)
        for bias in (self.embed[0].bias, self.embed[1].bias, self.classify.bias):
            nn.init.zeros_(bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feat = self.embed(x)
        return feat, self.classify(feat)


class LPN(nn.Module):
    """Two-branch LPN; inputs `(N, 3, H, W) float in [0, 1]`, ImageNet-normalised inside.

    Args:
        num_classes: location ids (training pairs).
        branch: builds one view's branch (an `nn.Sequential`), returning it and its channels.
        parts: parts per view (rings on the aerial view, rows on the ground panorama).
        bottleneck: width of each part's feature.
        shared: both views use one branch (LPN's `share_weight` option; off for CVUSA).
    """

    VIEWS = ("ground", "aerial")
    POOLING: dict[str, Literal["rings", "rows"]] = {"aerial": "rings", "ground": "rows"}

    def __init__(
        self,
        num_classes: int,
        branch: Branch,
        parts: int = 8,
        bottleneck: int = 512,
        shared: bool = False,
    ):
        super().__init__()
        self.parts = parts
        ground, dim = branch()
        aerial = ground if shared else branch()[0]
        self.branches = nn.ModuleDict({"ground": ground, "aerial": aerial})
        self.heads = nn.ModuleList(ClassBlock(dim, num_classes, bottleneck) for _ in range(parts))
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def part_outputs(self, x: torch.Tensor, view: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per part: (bottleneck feature `(N, bottleneck)`, location logits `(N, classes)`)."""
        fmap = self.branches[view]((x - self.mean) / self.std)
        parts = POOLS[self.POOLING[view]](fmap, self.parts)
        return [head(parts[:, :, i]) for i, head in enumerate(self.heads)]

    def loss(self, x: torch.Tensor, view: str, targets: torch.Tensor) -> torch.Tensor:
        """Sum over parts of the mean cross-entropy over location ids (LPN's training loss);
        targets equal to `IGNORE_INDEX` do not count (0 if none counts)."""
        n = (targets != IGNORE_INDEX).sum().clamp_min(1)
        return sum(
            F.cross_entropy(logits, targets, ignore_index=IGNORE_INDEX, reduction="sum") / n
            for _, logits in self.part_outputs(x, view)
        )

    def embed(self, x: torch.Tensor, view: str) -> torch.Tensor:
        """Retrieval descriptor `(N, parts * bottleneck)`, unit norm: per part the features of
        the image and of its horizontal flip summed, L2-normalised, divided by sqrt(parts)."""
        flipped = self.part_outputs(torch.flip(x, dims=(-1,)), view)
        feats = [f + g for (f, _), (g, _) in zip(self.part_outputs(x, view), flipped, strict=True)]
        return torch.cat([F.normalize(f, dim=1) for f in feats], dim=1) / self.parts**0.5


def vgg16_bn_branch() -> tuple[nn.Module, int]:
    """torchvision's VGG16-bn feature stack (13 conv + BN + ReLU, 5 max-pools), 512 channels."""
    from torchvision.models import vgg16_bn  # seconds to import: only when building

    return vgg16_bn(weights=None).features, 512


def resnet50_branch() -> tuple[nn.Module, int]:
    """torchvision's ResNet-50 body (no pooling, no head), last stage at stride 1 (LPN's ResNet
    variant), 2,048 channels."""
    from torchvision.models import resnet50

    net = resnet50(weights=None)
    # the stride sits in conv2 of the last stage's first block and in its shortcut
    net.layer4[0].conv2.stride = (1, 1)
    net.layer4[0].downsample[0].stride = (1, 1)
    body = nn.Sequential(
        net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4
    )
    return body, net.fc.in_features


SMALL_CFG: list[int | str] = [16, 16, "M", 32, 32, "M", 64, 64, "M", 128, 128]


def small_branch() -> tuple[nn.Module, int]:
    """A narrow VGG-bn stack: 3 max-pools (64x64 -> 8x8), 128 channels."""
    return vgg_features(SMALL_CFG), int(SMALL_CFG[-1])


@GEOLOCATORS.register("lpn")
def build_lpn(num_classes: int) -> nn.Module:
    """LPN, official CVUSA configuration: unshared VGG16-bn branches, 8 parts (the paper's)."""
    return LPN(num_classes, vgg16_bn_branch, parts=8)


@GEOLOCATORS.register("lpn-resnet50")
def build_lpn_resnet50(num_classes: int) -> nn.Module:
    """LPN on unshared ResNet-50 branches (stride 1 in the last stage), 8 parts."""
    return LPN(num_classes, resnet50_branch, parts=8)


@GEOLOCATORS.register("lpn-small")
def build_lpn_small(num_classes: int) -> nn.Module:
    """LPN's design on two unshared narrow VGG-bn branches, 8 parts, the CPU variant."""
    return LPN(num_classes, small_branch, parts=8, bottleneck=256)
