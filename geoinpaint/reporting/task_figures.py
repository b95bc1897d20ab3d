"""Sanity figures of the frozen task networks, one per task: what the task columns of Tables I-III
measure, on clean and on occluded test images.

- classification: confusion matrices of the frozen classifier on the clean and the occluded test
  images (from the rows' per-image metrics: label, pred);
- crossview: ground queries (clean, occluded) with the five most similar aerial images of the
  gallery, the true match framed (from the rows' `top5` and `rank` columns);
- segmentation: image, ground truth, and the frozen segmenter's prediction on the clean and on
  the occluded input, in LoveDA's colours (runs the network on the shown images).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from geoinpaint.io import read_ids_csv  # noqa: E402
from geoinpaint.metrics.segmentation import LOVEDA_CLASSES  # noqa: E402
from geoinpaint.reporting.figures import pick_examples, save_figure, show_image  # noqa: E402
from geoinpaint.runtime import DeviceChoice  # noqa: E402
from geoinpaint.testsets import load_testset  # noqa: E402

ROWS = ("clean", "occluded")
ROW_TITLES = {"clean": "Clean Testing", "occluded": "Occluded Testing"}
# LoveDA's official colour map (no-data, then background ... agriculture), 0-255 RGB.
LOVEDA_COLOURS = np.array(
    [
        (0, 0, 0),
        (255, 255, 255),
        (255, 0, 0),
        (255, 255, 0),
        (0, 0, 255),
        (159, 129, 183),
        (0, 255, 0),
        (255, 195, 128),
    ]
)


def _read_rows(rows: dict[str, Path]) -> dict[str, pd.DataFrame]:
    missing = [r for r in ROWS if r not in rows]
    if missing:
        raise ValueError(
            f"task figures need the per-image metrics of rows {ROWS}; missing {missing}"
        )
    return {r: read_ids_csv(rows[r]) for r in ROWS}


def fig_classification(testset_dir: Path, rows: dict[str, Path], out: Path) -> None:
    """Confusion matrices (counts, rows = true class) on clean and occluded test images."""
    import seaborn as sns  # seconds to import: only this figure needs it

    ts = load_testset(testset_dir, verify=False)
    names = ts.manifest.drop_duplicates("label").sort_values("label")["class_name"].tolist()
    k = len(names)
    fig, axes = plt.subplots(1, 2, figsize=(1.1 * k + 3.5, 0.55 * k + 1.6))
    for ax, (row, df) in zip(axes, _read_rows(rows).items(), strict=True):
        counts = np.zeros((k, k), np.int64)
        np.add.at(counts, (df["label"].to_numpy(), df["pred"].to_numpy()), 1)
        sns.heatmap(
            counts,
            ax=ax,
            annot=True,
            fmt="d",
            cmap="Blues",
            cbar=False,
            xticklabels=names,
            yticklabels=names,
            annot_kws={"fontsize": 7},
        )
        ax.set_title(f"{ROW_TITLES[row]}: accuracy {100 * df['correct'].mean():.1f} %", fontsize=9)
        ax.set_xlabel("predicted", fontsize=8)
        ax.set_ylabel("true", fontsize=8)
        ax.tick_params(labelsize=7)
    save_figure(fig, out)


def fig_crossview(testset_dir: Path, rows: dict[str, Path], out: Path, n_images: int) -> None:
    """Per query: the ground image (clean, then occluded) and its top-5 aerial matches."""
    ts = load_testset(testset_dir, verify=False)
    aerial = ts.aerial()
    index = {name: i for i, name in enumerate(ts.ids)}
    per_row = _read_rows(rows)
    queries = pick_examples(ts.labels, n_images)
    lines = [(q, row) for q in queries for row in ROWS]
    fig, axes = plt.subplots(len(lines), 6, figsize=(8.4, 1.45 * len(lines)), squeeze=False)
    for r, (q, row) in enumerate(lines):
        rec = per_row[row].iloc[q]
        if rec["id"] != ts.ids[q]:
            raise ValueError(f"{rows[row]} row {q} is {rec['id']}, expected {ts.ids[q]}")
        query = ts.gt[q] if row == "clean" else ts.occluded[q]
        show_image(axes[r, 0], query)
        axes[r, 0].set_ylabel(f"{row}\nrank {rec['rank']}", fontsize=7)
        for c, name in enumerate(str(rec["top5"]).split(";"), start=1):
            show_image(axes[r, c], aerial[index[name]])
            if name == ts.ids[q]:  # the true match, framed
                h, w = aerial.shape[1:3]
                axes[r, c].add_patch(
                    Rectangle((0, 0), w - 1, h - 1, fill=False, edgecolor="lime", linewidth=3)
                )
        if r == 0:
            for c, title in enumerate(["ground query", *(f"top {i}" for i in range(1, 6))]):
                axes[r, c].set_title(title, fontsize=8)
    fig.suptitle("Aerial gallery ranked for each ground query; true match framed", fontsize=9)
    save_figure(fig, out)


def _labels_rgb(labels: np.ndarray) -> np.ndarray:
    return LOVEDA_COLOURS[labels] / 255.0


def fig_segmentation(
    testset_dir: Path, task_net: Path, out: Path, n_images: int, device: DeviceChoice = "auto"
) -> None:
    """Per image: clean image, ground truth, prediction on it, occluded input, prediction on it."""
    from geoinpaint.tasks.frozen import FrozenSegmenter  # torch: only this figure needs it

    ts = load_testset(testset_dir, verify=False)
    picked = pick_examples(ts.labels, n_images)
    net = FrozenSegmenter(task_net, device)
    truth = ts.label_maps()[picked]
    clean, occluded = net.predict(ts.gt[picked]), net.predict(ts.occluded[picked])
    cols = [
        "clean image",
        "ground truth",
        "prediction (clean)",
        "occluded input",
        "prediction (occluded)",
    ]
    fig, axes = plt.subplots(len(picked), 5, figsize=(7.5, 1.5 * len(picked) + 0.6), squeeze=False)
    for r, k in enumerate(picked):
        images = [
            ts.gt[k],
            _labels_rgb(truth[r]),
            _labels_rgb(clean[r]),
            ts.occluded[k],
            _labels_rgb(occluded[r]),
        ]
        for c, img in enumerate(images):
            show_image(axes[r, c], img, cols[c] if r == 0 else "")
        valid = truth[r] > 0
        for c, pred in ((2, clean[r]), (4, occluded[r])):
            acc = 100 * (pred == truth[r])[valid].mean()
            axes[r, c].set_xlabel(f"pixel acc. {acc:.0f} %", fontsize=7)
    handles = [
        Patch(facecolor=LOVEDA_COLOURS[i + 1] / 255.0, edgecolor="0.5", label=name)
        for i, name in enumerate(LOVEDA_CLASSES)
    ]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=6, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    save_figure(fig, out, tight=False)
