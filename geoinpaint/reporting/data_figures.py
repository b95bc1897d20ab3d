"""Figures about the data: MaskMix / AugMix samples (paper Fig. 4, 10) and one clean and
occluded sample per task (paper Fig. 5)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from geoinpaint.atomic import save_figure  # noqa: E402
from geoinpaint.io import read_image  # noqa: E402
from geoinpaint.reporting.figures import show_image as _show  # noqa: E402
from geoinpaint.testsets import load_testset  # noqa: E402

if TYPE_CHECKING:  # MaskMix and AugMix load torchvision (seconds): imported where they are used
    from geoinpaint.masks.augmix import AugMixConfig
    from geoinpaint.masks.maskmix import MaskMixConfig


def _save(fig: plt.Figure, out: Path) -> None:
    save_figure(fig, out, dpi=150, metadata={"Software": None})
    plt.close(fig)


def maskmix_stats(
    masks: dict[str, np.ndarray], cfg: MaskMixConfig, seed: int, draws: int
) -> pd.DataFrame:
    """MaskMix's hole areas under every Phi (paper Eq. 7), `draws` draws per mask set.

    Args:
        masks: name -> seed masks `(N, H, W) float32 in {0, 1}`; draw `i` augments mask `i % N`.
        cfg: MaskMix options; its `phi` is flagged `configured`, the other Phi rows use the same
            random draws (same weights and warps), so they differ by Phi alone.

    Returns:
        One row per mask set, Phi and draw: seed and MaskMix hole fractions, their ratio, the
        IoU with the seed mask, and whether the output is binary.
    """
    import dataclasses

    from geoinpaint.masks.maskmix import PHIS, maskmix

    rows = []
    for name, seeds in masks.items():
        for phi in PHIS:
            rng = np.random.default_rng(seed)
            phi_cfg = dataclasses.replace(cfg, phi=phi)
            for i in range(draws):
                seed_mask = seeds[i % len(seeds)]
                out = maskmix(seed_mask, rng, phi_cfg)
                union = float(np.maximum(out, seed_mask).sum())
                rows.append(
                    {
                        "masks": name,
                        "phi": phi,
                        "configured": phi == cfg.phi,
                        "draw": i,
                        "seed_fraction": float(seed_mask.mean()),
                        "maskmix_fraction": float(out.mean()),
                        "area_ratio": float(out.sum() / max(seed_mask.sum(), 1)),
                        "iou_with_seed": float((out * seed_mask).sum()) / union if union else 1.0,
                        "binary": bool(np.isin(out, (0.0, 1.0)).all()),
                    }
                )
    return pd.DataFrame(rows)


def maskmix_summary(stats: pd.DataFrame) -> pd.DataFrame:
    """Per mask set and Phi: mean hole fractions before and after, the median area ratio, and
    the two-sample Kolmogorov-Smirnov p-value of the after- vs before-distribution."""
    from scipy.stats import ks_2samp

    def one(g: pd.DataFrame) -> pd.Series:
        return pd.Series(
            {
                "seed_fraction": g["seed_fraction"].mean(),
                "maskmix_fraction": g["maskmix_fraction"].mean(),
                "median_area_ratio": g["area_ratio"].median(),
                "ks_pvalue": ks_2samp(g["seed_fraction"], g["maskmix_fraction"]).pvalue,
                "differs_from_seed": (g["iou_with_seed"] < 1).mean(),
            }
        )

    return stats.groupby(["masks", "phi"], sort=False)[list(stats.columns)].apply(one)


def fig_maskmix_augmix(
    testset_dir: Path,
    out: Path,
    seed: int,
    maskmix_cfg: MaskMixConfig,
    augmix_cfg: AugMixConfig,
    samples: int = 4,
) -> None:
    """Rows: seed masks; columns: seed, MaskMix samples, image, AugMix samples (image, with the
    unchanged mask in red)."""
    from geoinpaint.masks.augmix import augmix
    from geoinpaint.masks.maskmix import maskmix

    ts = load_testset(testset_dir, verify=False)
    rng = np.random.default_rng(seed)
    rows = min(3, len(ts.ids))
    cols = 1 + samples + 1 + samples
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.3 * rows), squeeze=False)
    for r in range(rows):
        seed_mask, image = ts.masks[r], ts.gt[r]
        hole = seed_mask > 0.5
        _show(axes[r, 0], seed_mask, "seed mask" if r == 0 else "")
        for k in range(samples):
            _show(axes[r, 1 + k], maskmix(seed_mask, rng, maskmix_cfg), "MaskMix" if r == 0 else "")
        _show(axes[r, 1 + samples], image, "image" if r == 0 else "")
        for k in range(samples):
            shown = augmix(image, rng, augmix_cfg)
            shown[hole] = 0.5 * shown[hole] + 0.5 * np.array([1.0, 0.0, 0.0])
            _show(axes[r, 2 + samples + k], shown, "AugMix (+mask)" if r == 0 else "")
    fig.suptitle(
        "MaskMix augments the mask only; AugMix the image only (its mask, in red, is unchanged)",
        fontsize=8,
    )
    fig.tight_layout()
    _save(fig, out)


def fig_datasets(testsets: dict[str, Path], scenes: dict[str, Path], out: Path) -> None:
    """One row per task: clean, occluded, mask, and the task's extra view (label map / aerial).

    Args:
        testsets: task -> frozen test-set folder.
        scenes: task -> scene folder (with `test/`), for the aerial tile and the label map.
    """
    fig, axes = plt.subplots(len(testsets), 4, figsize=(6.4, 1.7 * len(testsets)), squeeze=False)
    for r, (task, folder) in enumerate(testsets.items()):
        ts = load_testset(folder, verify=False)
        name = ts.ids[0]
        _show(axes[r, 0], ts.gt[0], "clean")
        _show(axes[r, 1], ts.occluded[0], "occluded")
        _show(axes[r, 2], ts.masks[0], "mask")
        axes[r, 0].set_ylabel(task, fontsize=8)
        if task == "crossview":
            aerial = read_image(Path(scenes[task]) / "test" / "aerial" / f"{name}.png")
            _show(axes[r, 3], aerial, "aerial (same place)")
        elif task == "segmentation":
            labels = np.asarray(Image.open(Path(scenes[task]) / "test" / "labels" / f"{name}.png"))
            axes[r, 3].imshow(labels, cmap="tab10", vmin=0, vmax=9, interpolation="nearest")
            axes[r, 3].set_title("LoveDA labels", fontsize=7)
            axes[r, 3].set_xticks([])
            axes[r, 3].set_yticks([])
        else:
            axes[r, 3].axis("off")
            axes[r, 3].text(0.05, 0.5, str(ts.manifest["class_name"].iloc[0]), fontsize=8)
    fig.tight_layout()
    _save(fig, out)
