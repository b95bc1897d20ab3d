"""Figures of a trained method's insides (IGLL's Fig. 9 and 11): the maps a method exposes
through `internals(images, masks)` (e.g. the edge map of the occluded input, coarse and refined
outputs), and the attention of one hole position (`attention(images, masks)`, `(N, heads, hw,
hw)`) for one or more methods side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from geoinpaint.methods.adapter import to_tensors
from geoinpaint.reporting.figures import pick_examples, plt, save_figure, show_image
from geoinpaint.testsets import load_testset


def _as_image(t: torch.Tensor) -> np.ndarray:
    """`(C, H, W)` in [0, 1] -> an `(H, W, 3)` or `(H, W)` array to show."""
    a = t.detach().float().clamp(0, 1).cpu().numpy()
    return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)


def fig_internals(method, testset_dir: Path, out: Path, n_images: int) -> None:
    """Rows of test images: occluded input, each internal map, ground truth."""
    if not hasattr(method, "internals"):
        raise ValueError(f"{method.name} exposes no internal maps (`internals`)")
    ts = load_testset(testset_dir, verify=False)
    rows = pick_examples(ts.labels, n_images)
    x, m = to_tensors(ts.occluded[rows], ts.masks[rows], method.device)
    maps = method.internals(x, m)
    cols = ["Input", *maps, "Ground truth"]
    fig, axes = plt.subplots(
        len(rows), len(cols), figsize=(1.6 * len(cols), 1.6 * len(rows)), squeeze=False
    )
    for r in range(len(rows)):
        images = [ts.occluded[rows[r]], *(_as_image(v[r]) for v in maps.values()), ts.gt[rows[r]]]
        for c, img in enumerate(images):
            show_image(axes[r, c], img, cols[c] if r == 0 else "")
    save_figure(fig, out)


def hole_query(mask: np.ndarray, side: int) -> int:
    """The token index (row-major on a `side` x `side` grid) of the hole's centre of mass."""
    ys, xs = np.nonzero(mask > 0.5)
    if not len(ys):
        return (side // 2) * side + side // 2
    scale = side / mask.shape[0]
    return int(ys.mean() * scale) * side + int(xs.mean() * scale)


def fig_attention(methods: dict[str, object], testset_dir: Path, out: Path, n_images: int) -> None:
    """Per test image: the input with the query marked, then per method and head the attention
    of the hole's centre over the image (upsampled from the attention grid)."""
    ts = load_testset(testset_dir, verify=False)
    rows = pick_examples(ts.labels, n_images)
    maps: dict[str, torch.Tensor] = {}
    for label, method in methods.items():
        x, m = to_tensors(ts.occluded[rows], ts.masks[rows], method.device)
        attn = method.attention(x, m)
        if attn is None:
            raise ValueError(f"{label}: {method.name} has no attention maps at this setting")
        maps[label] = attn.float().cpu()
    cols = ["Input"] + [
        f"{label}, head {h + 1}" if a.shape[1] > 1 else label
        for label, a in maps.items()
        for h in range(a.shape[1])
    ]
    fig, axes = plt.subplots(
        len(rows), len(cols), figsize=(1.7 * len(cols), 1.7 * len(rows)), squeeze=False
    )
    size = ts.gt.shape[1]
    for r, k in enumerate(rows):
        show_image(axes[r, 0], ts.occluded[k], cols[0] if r == 0 else "")
        c = 1
        for a in maps.values():
            side = int(round(a.shape[-1] ** 0.5))
            q = hole_query(ts.masks[k], side)
            y, x = divmod(q, side)
            axes[r, 0].plot((x + 0.5) * size / side, (y + 0.5) * size / side, "r+", ms=8)
            for h in range(a.shape[1]):
                grid = a[r, h, q].reshape(side, side).numpy()
                axes[r, c].imshow(grid, cmap="magma", interpolation="nearest")
                axes[r, c].set_xticks([])
                axes[r, c].set_yticks([])
                if r == 0:
                    axes[r, c].set_title(cols[c], fontsize=7)
                c += 1
    save_figure(fig, out)
