"""Every image metric of one table row in one batched pass (docs/conventions.md, "Metrics").

`score_set` takes a row's saved outputs, the ground truths and the masks, walks them once in
batches on one device, and returns per-image columns, set values (FID, KID) and, for every
metric it could not compute, the reason (a missing weights file, images too small).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from geoinpaint.metrics import full_reference as fr
from geoinpaint.metrics.distribution import FID_INCEPTION, InceptionFeatures, fid, kid
from geoinpaint.metrics.no_reference import brisque_batch, live_svr_model
from geoinpaint.metrics.perceptual import LPIPS, LPIPS_TRUNK
from geoinpaint.metrics.weights import WeightsUnavailable, require, sha256_of

log = logging.getLogger(__name__)

PER_IMAGE = (
    "psnr",
    "ssim",
    "mse",
    "psnr_hole",
    "ssim_hole",
    "mse_hole",
    "ms_ssim",
    "ms_ssim_3s",
    "brisque_live_svr",
    "brisque_matlab_svr",
    "lpips",
)
MS_SSIM_SCALES = {"ms_ssim": 5, "ms_ssim_3s": 3}


@dataclass
class SetScores:
    """Per-image columns (NaN where not computed), set values, and why anything is missing."""

    per_image: dict[str, np.ndarray]
    set_values: dict[str, float | int | None]
    unavailable: dict[str, str] = field(default_factory=dict)
    weights: dict[str, str] = field(default_factory=dict)  # file -> sha256 of what was used


def _try(build, key: str, unavailable: dict[str, str], *keys: str):
    try:
        return build()
    except WeightsUnavailable as err:
        for k in (key, *keys):
            unavailable[k] = str(err)
        return None


def score_set(
    gt: np.ndarray,
    out: np.ndarray,
    masks: np.ndarray,
    device: torch.device | str = "cpu",
    batch_size: int = 64,
) -> SetScores:
    """All metrics of `(N, H, W, 3) uint8` outputs against their ground truths.

    Args:
        gt: ground truths, `(N, H, W, 3) uint8`.
        out: saved outputs, same shape.
        masks: `(N, H, W)` float, 1 = hole (for the hole-region variants).
        device: torch device for every network and batched metric.
        batch_size: images per batch.
    """
    if gt.shape != out.shape or masks.shape != gt.shape[:3]:
        raise ValueError(f"shapes differ: gt {gt.shape}, outputs {out.shape}, masks {masks.shape}")
    n = len(gt)
    unavailable: dict[str, str] = {}
    weights: dict[str, str] = {}
    per_image = {k: np.full(n, np.nan) for k in PER_IMAGE}
    side = min(gt.shape[1:3])
    ms_ok = {}
    for key, scales in MS_SSIM_SCALES.items():
        ms_ok[key] = side >= fr.ms_ssim_min_size(scales)
        if not ms_ok[key]:
            unavailable[key] = (
                f"needs images of at least {fr.ms_ssim_min_size(scales)} px per side "
                f"({scales} scales, 11x11 window); these are {gt.shape[2]}x{gt.shape[1]}"
            )
    live = _try(live_svr_model, "brisque_live_svr", unavailable)
    matlab = _try(lambda: require("brisque_svm_weights.pt"), "brisque_matlab_svr", unavailable)
    lpips = _try(lambda: LPIPS(device), "lpips", unavailable)
    inception = _try(lambda: InceptionFeatures(device), "fid", unavailable, "kid", "fid_n_images")
    for used, name in ((matlab, "brisque_svm_weights.pt"), (lpips, LPIPS_TRUNK)):
        if used is not None:
            weights[name] = sha256_of(require(name))
    if inception is not None:
        weights[FID_INCEPTION] = sha256_of(require(FID_INCEPTION))
    feats_out, feats_gt = [], []
    for i in tqdm(range(0, n, batch_size), desc="metrics", unit="batch"):
        sl = slice(i, i + batch_size)
        g, o = gt[sl], out[sl]
        for key, val in fr.full_reference_batch(g, o, masks[sl], device).items():
            per_image[key][sl] = val
        for key, scales in MS_SSIM_SCALES.items():
            if ms_ok[key]:
                per_image[key][sl] = fr.ms_ssim_batch(g, o, scales, device)
        if live is not None:
            per_image["brisque_live_svr"][sl] = brisque_batch(o, "live-svr", device)
        if matlab is not None:
            per_image["brisque_matlab_svr"][sl] = brisque_batch(o, "matlab-svr", device)
        if lpips is not None:
            per_image["lpips"][sl] = lpips(g, o)
        if inception is not None:
            feats_out.append(inception(o))
            feats_gt.append(inception(g))
    set_values: dict[str, float | int | None] = {"fid": None, "kid": None, "fid_n_images": None}
    if inception is not None:
        if n < 2:
            for key in ("fid", "kid", "fid_n_images"):
                unavailable[key] = f"needs at least 2 images, got {n}"
        else:
            fo, fg = np.concatenate(feats_out), np.concatenate(feats_gt)
            set_values["fid"], set_values["kid"] = fid(fo, fg), kid(fo, fg)
            set_values["fid_n_images"] = n
    return SetScores(per_image, set_values, unavailable, weights)
