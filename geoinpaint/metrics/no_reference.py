"""BRISQUE (Mittal et al. 2012), no-reference image quality; lower is better.

A BRISQUE score is 36 natural-scene-statistics features (two scales x [GGD fit of the MSCN
coefficients, AGGD fits of their four neighbour products]) fed to a support vector regressor
trained on human opinion scores. The score depends on both halves, so every BRISQUE column
names its model (docs/conventions.md, "BRISQUE"):

- `live-svr` (default, always available): the epsilon-SVR shipped in the `brisque` PyPI package
  (`brisque/models/svm.txt`, RBF gamma 0.05, 770 support vectors, rho -155.845, trained on LIVE;
  feature ranges in `normalize.pickle`), read from the installed package at run time, applied
  to the features that package computes (luma by skimage's `rgb2gray`, MSCN with a 7x7
  Gaussian, sigma 7/6, C = 1/255; neighbour products of the cropped MSCN map; shape parameters
  by solving the moment equation; second scale by OpenCV's bicubic 2x reduction). This module
  computes those features batched in torch (float64) and scores them with the model's own
  RBF expansion; tests check the result against the `brisque` package itself.
- `matlab-svr`: `piq.brisque` (features as in the authors' MATLAB release: luma rounded to 8
  bit, circularly shifted products, shape parameters by table look-up, MATLAB `imresize`)
  with the SVR piq loads from `brisque_svm_weights.pt` (rho -153.591, said to be the MATLAB
  release's model). Needs that file in the torch hub cache (metrics/weights.py).
"""

from __future__ import annotations

import pickle
from functools import cache
from typing import Literal

import numpy as np
import torch

from geoinpaint.metrics.filters import gaussian_taps, separable_filter
from geoinpaint.metrics.full_reference import to_tensor
from geoinpaint.metrics.weights import require, require_bundled

BrisqueModel = Literal["live-svr", "matlab-svr"]
BRISQUE_MODELS: tuple[BrisqueModel, ...] = ("live-svr", "matlab-svr")

_SKIMAGE_LUMA = (0.2125, 0.7154, 0.0721)  # skimage.color.rgb2gray
_BICUBIC_HALF = (-0.09375, 0.59375, 0.59375, -0.09375)  # OpenCV cubic (a = -0.75) at t = 0.5


@cache
def live_svr_model() -> dict[str, torch.Tensor | float]:
    """The `brisque` package's SVR and feature ranges (libsvm text format, parsed here).

    Raises:
        WeightsUnavailable: the package is missing or its model files differ from the pinned ones.
    """
    svm_file = require_bundled("brisque", "models/svm.txt")
    ranges_file = require_bundled("brisque", "models/normalize.pickle")
    header: dict[str, str] = {}
    coefs, svs = [], []
    with open(svm_file) as fh:
        for line in fh:
            key, _, value = line.strip().partition(" ")
            if key == "SV":
                break
            header[key] = value
        for line in fh:
            parts = line.split()
            if not parts:
                continue
            coefs.append(float(parts[0]))
            row = np.zeros(36)
            for item in parts[1:]:  # libsvm omits zero-valued features
                idx, val = item.split(":")
                row[int(idx) - 1] = float(val)
            svs.append(row)
    if header.get("svm_type") != "epsilon_svr" or header.get("kernel_type") != "rbf":
        raise ValueError(f"{svm_file} is not an RBF epsilon-SVR: {header}")
    with open(ranges_file, "rb") as fh:
        ranges = pickle.load(fh)  # noqa: S301 - a file of an installed dependency
    if len(svs) != int(header["total_sv"]):
        raise ValueError(f"{svm_file}: {len(svs)} support vectors, its header says otherwise")
    return {
        "gamma": float(header["gamma"]),
        "rho": float(header["rho"]),
        "coef": torch.tensor(coefs, dtype=torch.float64),
        "sv": torch.from_numpy(np.stack(svs)),
        "min": torch.tensor([float(np.ravel(v)[0]) for v in ranges["min_"]], dtype=torch.float64),
        "max": torch.tensor([float(np.ravel(v)[0]) for v in ranges["max_"]], dtype=torch.float64),
    }


def _mscn(gray: torch.Tensor) -> torch.Tensor:
    """Mean-subtracted contrast-normalised coefficients of `(N, 1, H, W)` luma in [0, 1]."""
    window = gaussian_taps(7, 7 / 6)  # 7x7 Gaussian, zero padding as scipy's convolve2d 'same'
    mu, mu2 = separable_filter(torch.cat([gray, gray**2], 1), window, padding=3).split(1, 1)
    sd = torch.sqrt(torch.abs(mu**2 - mu2))
    return (gray - mu) / (sd + 1 / 255)


def _phi(alpha: torch.Tensor) -> torch.Tensor:
    """Gamma(2/a)^2 / (Gamma(1/a) Gamma(3/a)), increasing from 0 to 3/4 in a."""
    lg = torch.lgamma
    return torch.exp(2 * lg(2 / alpha) - lg(1 / alpha) - lg(3 / alpha))


def _solve_alpha(r: torch.Tensor, lo: float = 0.05, hi: float = 50.0) -> torch.Tensor:
    """The shape `a` with `_phi(a) == r` by bisection in log a (clamped to [lo, hi])."""
    a = torch.full_like(r, lo).log()
    b = torch.full_like(r, hi).log()
    for _ in range(80):
        mid = (a + b) / 2
        below = _phi(mid.exp()) < r
        a, b = torch.where(below, mid, a), torch.where(below, b, mid)
    return ((a + b) / 2).exp()


def _aggd_features(x: torch.Tensor, mscn: bool) -> list[torch.Tensor]:
    """AGGD fit of `(N, h, w)` coefficients as the `brisque` package fits it (x >= 0 is right)."""
    x = x.flatten(1)
    neg = (x < 0).to(x.dtype)
    left = (x**2 * neg).sum(1) / neg.sum(1)
    right = (x**2 * (1 - neg)).sum(1) / (1 - neg).sum(1)
    gamma = left.sqrt() / right.sqrt()
    r_hat = x.abs().mean(1) ** 2 / (x**2).mean(1)
    big_r = r_hat * (gamma**3 + 1) * (gamma + 1) / (gamma**2 + 1) ** 2
    alpha = _solve_alpha(big_r)
    if mscn:
        return [alpha, (left + right) / 2]
    lg1, lg2, lg3 = (torch.lgamma(k / alpha) for k in (1, 2, 3))
    mean = (right.sqrt() - left.sqrt()) * torch.exp(lg2 - lg1 + (lg1 - lg3) / 2)
    return [alpha, mean, left, right]


def _half(x: torch.Tensor, dim: int) -> torch.Tensor:
    """OpenCV `resize(fx=0.5, INTER_CUBIC)` along `dim`: output j samples 2j + 0.5, 4 taps,
    edge pixels replicated, output length rounded half to even like OpenCV."""
    n = x.shape[dim]
    taps = torch.arange(-1, 3, device=x.device)
    idx = (torch.arange(round(n / 2), device=x.device)[:, None] * 2 + taps).clamp(0, n - 1)
    w = torch.tensor(_BICUBIC_HALF, dtype=x.dtype, device=x.device)
    moved = x.movedim(dim, -1)
    return (moved[..., idx] * w).sum(-1).movedim(-1, dim)


def _scale_features(gray: torch.Tensor) -> list[torch.Tensor]:
    m = _mscn(gray)[:, 0]
    feats = _aggd_features(m, mscn=True)
    for prod in (
        m[:, :, :-1] * m[:, :, 1:],
        m[:, :-1, :] * m[:, 1:, :],
        m[:, :-1, :-1] * m[:, 1:, 1:],
        m[:, 1:, :-1] * m[:, :-1, 1:],
    ):
        feats += _aggd_features(prod, mscn=False)
    return feats


def live_svr_features(images: torch.Tensor) -> torch.Tensor:
    """The 36 features of the `brisque` package for `(N, 3, H, W)` float64 RGB in [0, 255]."""
    luma = torch.tensor(_SKIMAGE_LUMA, dtype=torch.float64, device=images.device)
    gray = (images / 255.0 * luma[None, :, None, None]).sum(1, keepdim=True)
    small = _half(_half(gray, 2), 3)
    return torch.stack(_scale_features(gray) + _scale_features(small), dim=1)


def live_svr_score(features: torch.Tensor) -> torch.Tensor:
    """Score `(N, 36)` package features with the `brisque` package's SVR: `(N,)`."""
    model = live_svr_model()
    dev = features.device
    lo, hi = model["min"].to(dev), model["max"].to(dev)
    scaled = -1 + 2.0 / (hi - lo) * (features - lo)
    dist = torch.cdist(scaled, model["sv"].to(dev)) ** 2
    return torch.exp(-model["gamma"] * dist) @ model["coef"].to(dev) - model["rho"]


def brisque_batch(
    images: np.ndarray, model: BrisqueModel = "live-svr", device: torch.device | str = "cpu"
) -> np.ndarray:
    """BRISQUE of `(N, H, W, 3) uint8` images, whole image, one score per image.

    Raises:
        WeightsUnavailable: `matlab-svr` without a verified `brisque_svm_weights.pt`, or
            `live-svr` without the pinned model files of the `brisque` package.
    """
    x = to_tensor(images, device)
    if model == "live-svr":
        return live_svr_score(live_svr_features(x)).cpu().numpy()
    if model == "matlab-svr":
        require("brisque_svm_weights.pt")
        import piq

        return piq.brisque(x, data_range=255.0, reduction="none").cpu().numpy()
    raise ValueError(f"unknown BRISQUE model {model!r}, expected one of {BRISQUE_MODELS}")
