"""Distribution metrics of a set of outputs against the set of ground truths: FID and KID.

Both compare 2048-d pool3 features of the FID Inception network (pytorch-fid's port of the
TensorFlow Inception used by Heusel et al.; images resized to 299x299 bilinearly inside the
network) of the saved 8-bit outputs and of the ground-truth images of the same test set.
The network's weights (`pt_inception-2015-12-05-6726825d.pth`) must be in the torch hub cache.

- FID: Frechet distance of Gaussians fitted to the two feature sets (sample covariances), the
  statistic of `pytorch_fid.fid_score.calculate_frechet_distance` computed exactly in the
  images' space (see `fid`). Biased for small sets (the covariances of N < 2048 images are
  singular): always reported with the number of images.
- KID (Binkowski et al. 2018): unbiased estimate of the squared MMD with the polynomial kernel
  `k(x, y) = (x . y / 2048 + 1)^3` over all images of both sets (no subsets); unbiased at any
  set size, may be slightly negative.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from geoinpaint.metrics.full_reference import to_tensor
from geoinpaint.metrics.weights import require

log = logging.getLogger(__name__)

FID_INCEPTION = "pt_inception-2015-12-05-6726825d.pth"


class InceptionFeatures:
    """pytorch-fid's FID Inception, pool3 features.

    Raises:
        WeightsUnavailable: the network's file is missing from the hub cache or fails its check.
    """

    def __init__(self, device: torch.device | str = "cpu", dims: int = 2048) -> None:
        require(FID_INCEPTION)
        from pytorch_fid.inception import InceptionV3

        self.device = torch.device(device)
        block = InceptionV3.BLOCK_INDEX_BY_DIM[dims]  # 2048 = pool3, the FID features
        self.net = InceptionV3([block]).to(self.device).eval()  # reads the hub cache only

    @torch.no_grad()
    def __call__(self, images: np.ndarray) -> np.ndarray:
        """`(N, H, W, 3) uint8` -> `(N, dims) float64` features."""
        x = (to_tensor(images, self.device) / 255.0).float()
        pred = self.net(x)[0]
        if pred.shape[2:] != (1, 1):  # earlier blocks: spatial mean, as pytorch-fid
            pred = torch.nn.functional.adaptive_avg_pool2d(pred, (1, 1))
        return pred.flatten(1).double().cpu().numpy()


def fid(features: np.ndarray, reference: np.ndarray) -> float:
    """FID between two `(N, D)` feature sets (N >= 2 each), float64.

    `|mu_a - mu_b|^2 + Tr(S_a) + Tr(S_b) - 2 Tr((S_a S_b)^(1/2))` with sample covariances. The
    last trace is the sum of the square roots of the eigenvalues of `S_a S_b`, i.e. the sum of
    the singular values of `F_a^T F_b` for any factors `S = F F^T`; with the centred feature
    rows as factors this is an `N x N` problem instead of pytorch-fid's `D x D` `sqrtm`
    (2048 x 2048: seconds per call), and exact also when the covariances are singular (N < D),
    where pytorch-fid adds 1e-6 to their diagonals. tests/test_distribution.py checks both
    agree.
    """
    a, b = np.asarray(features, np.float64), np.asarray(reference, np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"FID needs 2+ images per set, got {len(a)}, {len(b)}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    fa, fb = _cov_factor(a - mu_a), _cov_factor(b - mu_b)
    cross = np.linalg.svd(fa.T @ fb, compute_uv=False).sum()
    return float(((mu_a - mu_b) ** 2).sum() + (fa**2).sum() + (fb**2).sum() - 2 * cross)


def _cov_factor(centred: np.ndarray) -> np.ndarray:
    """F with F F^T = the sample covariance, `(D, min(N, D))`: the scaled centred rows when
    N <= D, else the symmetric square root of the covariance."""
    n, d = centred.shape
    if n <= d:
        return centred.T / np.sqrt(n - 1)
    vals, vecs = np.linalg.eigh(centred.T @ centred / (n - 1))
    return vecs * np.sqrt(np.clip(vals, 0, None))


def kid(features: np.ndarray, reference: np.ndarray) -> float:
    """Unbiased squared MMD, cubic polynomial kernel, between two `(N, D)` feature sets."""
    x, y = np.asarray(features, np.float64), np.asarray(reference, np.float64)
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"KID needs at least 2 images per set, got {m}, {n}")
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    off_x = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    off_y = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(off_x + off_y - 2 * kxy.mean())
