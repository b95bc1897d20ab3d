"""The numpy/tensor adapter between files and methods: batching, device placement, conversion
and compositing, done once for every method."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from tqdm import tqdm

from geoinpaint.methods.base import Method


def composite(pred: np.ndarray, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """`pred * M + images * (1 - M)` for `(N, H, W, 3)` images and `(N, H, W)` masks."""
    m = masks[..., None]
    return pred * m + images * (1 - m)


def to_tensors(
    images: np.ndarray, masks: np.ndarray, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """`(N, H, W, 3)` and `(N, H, W)` arrays -> `(N, 3, H, W)` and `(N, 1, H, W)` float32."""
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).permute(0, 3, 1, 2)
    m = torch.from_numpy(np.ascontiguousarray(masks, dtype=np.float32))[:, None]
    return x.to(device), m.to(device)


def inpaint_batches(
    method: Method,
    images: np.ndarray,
    masks: np.ndarray,
    batch_size: int = 16,
    desc: str = "",
    truth: np.ndarray | None = None,
    ids: list[str] | None = None,
) -> Iterator[tuple[slice, np.ndarray]]:
    """Inpaint `(N, H, W, 3) float32 in [0, 1]` occluded images with their `(N, H, W)` masks;
    yields `(slice, composited (B, H, W, 3) float32)` per batch (known pixels unchanged).
    `truth`, the clean images, reaches only a method that `wants_ground_truth`."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    if method.wants_ground_truth and truth is None:
        raise ValueError(
            f"{method.name} is set to read the ground truth at test time; it can only inpaint "
            "a frozen test set"
        )
    for i in tqdm(
        range(0, len(images), batch_size), desc=desc or f"inpaint {method.name}", unit="batch"
    ):
        sl = slice(i, i + batch_size)
        x, m = to_tensors(images[sl], masks[sl], method.device)
        if method.by_id:
            if ids is None:
                raise ValueError(f"{method.name} reads outputs by test-image id: give the ids")
            pred = method.inpaint_by_id(ids[sl], x, m)
        elif method.wants_ground_truth:
            gt, _ = to_tensors(truth[sl], masks[sl], method.device)
            pred = method.inpaint_with_truth(x, m, gt)
        else:
            pred = method.inpaint(x, m)
        if tuple(pred.shape) != tuple(x.shape):
            raise ValueError(
                f"method {method.name!r} returned {tuple(pred.shape)}, expected {tuple(x.shape)}"
            )
        out = pred.detach().float().clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy()
        yield sl, composite(out, images[sl], masks[sl]).astype(np.float32)
