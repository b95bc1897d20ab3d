"""LPIPS (Zhang et al. 2018), learned perceptual distance to the ground truth; lower is better.

`LPIPS (AlexNet)`: the `lpips` package, version 0.1, AlexNet trunk (the package's default and
the authors' recommendation for a forward metric), whole image, RGB scaled to [-1, 1], one
value per image (spatial mean of the weighted feature differences), set value = mean over
images. The linear layers ship inside the `lpips` package; the AlexNet trunk is torchvision's
ImageNet file `alexnet-owt-7be5be79.pth`, which must be in the torch hub cache.
"""

from __future__ import annotations

import numpy as np
import torch

from geoinpaint.metrics.full_reference import to_tensor
from geoinpaint.metrics.weights import require, require_bundled

LPIPS_TRUNK = "alexnet-owt-7be5be79.pth"


class LPIPS:
    """Batched LPIPS-AlexNet v0.1.

    Raises:
        WeightsUnavailable: the AlexNet file is missing from the hub cache or fails its check,
            or the package's linear layers differ from the pinned file.
    """

    def __init__(self, device: torch.device | str = "cpu") -> None:
        require(LPIPS_TRUNK)
        require_bundled("lpips", "weights/v0.1/alex.pth")
        import lpips

        self.device = torch.device(device)
        self.net = lpips.LPIPS(net="alex", version="0.1", verbose=False).to(self.device).eval()

    @torch.no_grad()
    def __call__(self, gt: np.ndarray, out: np.ndarray) -> np.ndarray:
        """`(N, H, W, 3) uint8` pairs -> `(N,)` distances."""
        x = (to_tensor(gt, self.device) / 127.5 - 1).float()
        y = (to_tensor(out, self.device) / 127.5 - 1).float()
        return self.net(x, y).flatten().double().cpu().numpy()
