"""IGLL's structure prior: an edge map of the image (paper Sec. 3.3: PiDiNet edges, ref. [35]).

The edges are computed from the *occluded* input: the hole is filled with black before the
detector sees it and the map is zero inside the hole, so nothing of the ground truth under the
hole reaches the generator (the authors' code reads edges precomputed from the clean image,
hole included; `edge_source: ground_truth` reproduces that at training time only).

Detectors:
- `pidinet`: the standard PiDiNet with its authors' BSDS500 weights (`table5_pidinet.pth`),
  fused output (sigmoid, soft edges in [0, 1]);
- `canny`: scikit-image's Canny (sigma 1, default thresholds) on the grey image, with the hole
  excluded through its `mask` argument; binary edges. The fallback when the PiDiNet file is
  missing: the model then trains and runs on Canny edges, recorded in its provenance.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from skimage.color import rgb2gray
from skimage.feature import canny

from geoinpaint.models.igll.pidinet import PiDiNet

Detector = Literal["pidinet", "canny"]


def canny_edges(images: torch.Tensor, known: torch.Tensor | None = None) -> torch.Tensor:
    """Canny edges of `(N, 3, H, W)` images in [0, 1] -> `(N, 1, H, W)` in {0, 1}.

    `known` `(N, 1, H, W)` (1 = usable pixel) restricts the detector to those pixels; None uses
    every pixel.
    """
    rgb = images.detach().float().clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy()
    keep = None if known is None else known.detach()[:, 0].cpu().numpy() > 0.5
    out = np.stack(
        [
            canny(rgb2gray(im), sigma=1.0, mask=None if keep is None else keep[i])
            for i, im in enumerate(rgb)
        ]
    )
    return torch.from_numpy(out.astype(np.float32))[:, None].to(images.device)


class EdgeDetector:
    """Edge maps for IGLL: `detector` is `pidinet` (give `net`) or `canny`.

    Not an `nn.Module`: the detector is frozen and never part of IGLL's checkpoint.
    """

    def __init__(self, detector: Detector, net: PiDiNet | None = None):
        if detector == "pidinet" and net is None:
            raise ValueError("the PiDiNet edge detector needs its network")
        self.detector, self.net = detector, net

    @torch.no_grad()
    def raw(self, images: torch.Tensor, known: torch.Tensor | None = None) -> torch.Tensor:
        """Edges of `images` `(N, 3, H, W)` in [0, 1] as they are (`known`: Canny's mask)."""
        if self.detector == "canny":
            return canny_edges(images, known)
        self.net.to(images.device)
        return self.net(images.float())

    def occluded(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Edges from what is known of the image: `(N, 1, H, W)` in [0, 1], 0 in the hole.

        Args:
            images: `(N, 3, H, W)` in [0, 1]; the hole pixels are never read.
            masks: `(N, 1, H, W)`, 1 = hole.
        """
        known = 1 - masks.float()
        return self.raw(images.float() * known, known) * known
