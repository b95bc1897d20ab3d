"""Figures: qualitative grids like the paper's Fig. 6-9."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from geoinpaint.atomic import save_figure as _save_atomically  # noqa: E402
from geoinpaint.io import read_image  # noqa: E402
from geoinpaint.testsets import load_testset  # noqa: E402


def pick_examples(labels: np.ndarray, n: int) -> list[int]:
    """Up to `n` indices, cycling through the classes so that every class shows early."""
    by_class = [list(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    picked: list[int] = []
    while len(picked) < min(n, len(labels)):
        for idx in by_class:
            if idx and len(picked) < n:
                picked.append(int(idx.pop(0)))
    return picked


def show_image(ax: plt.Axes, img: np.ndarray, title: str = "") -> None:
    """Show an `(H, W, 3)` image in [0, 1] (or an `(H, W)` mask in grey), without ticks."""
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=7)


def save_figure(fig: plt.Figure, out: Path, tight: bool = True) -> None:
    """Save as PNG without a creation-software stamp (same inputs, same bytes) and close."""
    if tight:
        fig.tight_layout()
    _save_atomically(fig, out, dpi=150, metadata={"Software": None})
    plt.close(fig)


def qualitative_grid(testset_dir: Path, methods: dict[str, Path], out: Path, n_images: int) -> None:
    """Grid with one row per test image: input, each method's output, ground truth."""
    ts = load_testset(testset_dir, verify=False)
    rows = pick_examples(ts.labels, n_images)
    cols = ["Input", *methods, "Ground truth"]
    fig, axes = plt.subplots(
        len(rows), len(cols), figsize=(1.6 * len(cols), 1.6 * len(rows)), squeeze=False
    )
    for r, k in enumerate(rows):
        name = ts.ids[k]
        images = [
            ts.occluded[k],
            *(read_image(Path(d) / f"{name}.png") for d in methods.values()),
            ts.gt[k],
        ]
        for c, img in enumerate(images):
            ax = axes[r, c]
            ax.imshow(img, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(cols[c], fontsize=8)
        axes[r, 0].set_ylabel(str(ts.manifest["class_name"].iloc[k]), fontsize=7)
    save_figure(fig, out)


def lambda_tradeoff(points: dict[float, Path], out: Path) -> pd.DataFrame:
    """Task score and image quality of the Table IV models against the task-loss weight lambda.

    Args:
        points: lambda -> per-image metrics CSV of that model (`geoinpaint evaluate`).
        out: PNG to write.

    Returns:
        One row per lambda: accuracy (%), PSNR, SSIM, each with its standard error over images.
    """
    rows = []
    for lam, path in sorted(points.items()):
        df = pd.read_csv(path)
        row: dict[str, float] = {"lambda": lam}
        for name, col, scale in (("accuracy", "correct", 100.0), ("psnr", "psnr", 1.0)):
            values = df[col].astype(float) * scale
            row[name], row[f"{name}_se"] = values.mean(), values.sem()
        row["ssim"], row["ssim_se"] = df["ssim"].mean(), df["ssim"].sem()
        rows.append(row)
    summary = pd.DataFrame(rows)
    panels = (("accuracy", "Accuracy (%)"), ("psnr", "PSNR (dB)"), ("ssim", "SSIM"))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 2.8))
    for ax, (key, label) in zip(axes, panels, strict=True):
        ax.errorbar(summary["lambda"], summary[key], yerr=summary[f"{key}_se"], marker="o")
        ax.set_xlabel("task-loss weight $\\lambda$")
        ax.set_ylabel(label)
        ax.set_xticks(summary["lambda"])
        ax.grid(alpha=0.3)
    fig.suptitle("Table IV: task score and image quality against $\\lambda$ (mean ± s.e.)")
    save_figure(fig, out)
    return summary
