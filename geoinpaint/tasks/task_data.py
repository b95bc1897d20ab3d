"""A task network's training data: the clean training split, a validation part carved from it,
and the per-sample augmentation.

The validation part is a fixed, class-stratified fraction of the training split (the same for
every seed: seeds re-draw initialisation and sample order, not what is held out); it selects the
epoch whose weights are kept. Cross-view location ids stay the pair's row in the whole split
(`tasks.splits`), so inpainting methods' task losses can use them: a validation pair's id is
never trained, and the checkpoint lists those rows (`validation_rows`).

Augmentations, seeded per sample from `(seed, epoch, index)` so a resumed run continues exactly:
aerial scenes and land-cover tiles have no canonical orientation, so each sample gets a random
rotation by k x 90 degrees and flip (label maps alike); cross-view pairs get an independent random
exposure per view (`relight`) and an independent horizontal flip per view (LPN's augmentation;
rings and rows are both unchanged by it), so matching relies on content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from geoinpaint.runtime import derive_seed
from geoinpaint.tasks.segmentation import NUM_CLASSES, to_targets
from geoinpaint.tasks.splits import class_names_of, load_aerial, load_task_split
from geoinpaint.training.engine import sample_rng


def dihedral(rng: np.random.Generator, *xs: torch.Tensor) -> list[torch.Tensor]:
    """The same random rotation by k*90 degrees and flip for every `(..., H, W)` tensor."""
    k, flip = int(rng.integers(4)), bool(rng.random() < 0.5)
    out = [torch.rot90(x, k, dims=(-2, -1)) for x in xs]
    return [torch.flip(x, dims=(-1,)) if flip else x for x in out]


def relight(rng: np.random.Generator, x: torch.Tensor) -> torch.Tensor:
    """A random exposure of `(3, H, W)` in [0, 1]: `gain * x ** gamma` with gain in [0.8, 1.2]
    and log gamma in [-0.25, 0.25] (the range `data.crossview` relights ground panoramas with)."""
    gain = 0.8 + 0.4 * rng.random()
    gamma = float(np.exp(0.25 * (2 * rng.random() - 1)))
    return (gain * x.clamp_min(1e-4) ** gamma).clamp(0, 1)


def hflip(rng: np.random.Generator, x: torch.Tensor) -> torch.Tensor:
    return torch.flip(x, dims=(-1,)) if rng.random() < 0.5 else x


def validation_rows(manifest: pd.DataFrame, fraction: float) -> np.ndarray:
    """Sorted rows held out for validation: `fraction` of each class (at least one per class
    with two or more samples), drawn once from a fixed seed; none when `fraction` is 0."""
    if fraction <= 0:
        return np.zeros(0, np.int64)
    if not 0 < fraction < 1:
        raise ValueError(f"the validation fraction must be in [0, 1), got {fraction}")
    labels = manifest["label"].to_numpy() if "label" in manifest else np.zeros(len(manifest))
    rng = np.random.default_rng(derive_seed(0, "validation"))
    held = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        k = min(len(rows) - 1, max(1, round(fraction * len(rows))))
        held.extend(rng.permutation(rows)[:k].tolist())
    return np.sort(np.asarray(held, np.int64))


def _nchw(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()


@dataclass
class TaskData:
    """A task's training split as CPU tensors: images `x`, targets `y` (class labels, class-index
    maps with no-data = -1, or location ids), cross-view `aerial` views, `meta` for the checkpoint
    (`num_classes`, `class_names`), and the rows of the training and validation parts."""

    task: str
    x: torch.Tensor
    y: torch.Tensor
    aerial: torch.Tensor | None
    meta: dict[str, Any]
    train_rows: np.ndarray
    val_rows: np.ndarray


def load_task_data(task: str, folder: Path, val_fraction: float = 0.0) -> TaskData:
    """The split in `folder` for `task`, `val_fraction` of it (per class) held out."""
    images, targets, manifest = load_task_split(task, Path(folder))
    aerial = None
    if task == "classification":
        names = class_names_of(manifest)
        y, meta = (
            torch.from_numpy(targets.copy()),
            {"num_classes": len(names), "class_names": names},
        )
    elif task == "segmentation":
        y, meta = to_targets(torch.from_numpy(targets)), {"num_classes": NUM_CLASSES}
    elif task == "crossview":
        aerial = _nchw(load_aerial(folder, manifest))
        y, meta = torch.from_numpy(targets), {"num_classes": len(manifest)}
    else:
        raise ValueError(f"task {task!r} has no task network to train")
    val = validation_rows(manifest, val_fraction)
    train = np.setdiff1d(np.arange(len(manifest)), val)
    return TaskData(task, _nchw(images), y, aerial, meta, train, val)


class TaskCollate:
    """Training-part sample indices -> augmented batch `(x, y[, aerial])` on the device,
    channels-last (1.2-1.4x faster convolutions on the CPU; same values, another float
    summation order)."""

    def __init__(self, data: TaskData, device: torch.device, seed: int):
        self.data, self.device, self.seed = data, device, seed

    def _on(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.device, memory_format=torch.channels_last)

    def __call__(self, indices: torch.Tensor, epoch: int) -> tuple[torch.Tensor, ...]:
        d = self.data
        xs, ys, aerials = [], [], []
        for i in d.train_rows[indices.numpy()].tolist():
            rng = sample_rng(self.seed, epoch, i, d.task)
            if d.task == "crossview":
                xs.append(hflip(rng, relight(rng, d.x[i])))
                aerials.append(hflip(rng, relight(rng, d.aerial[i])))
                ys.append(d.y[i])
            elif d.task == "segmentation":
                x, y = dihedral(rng, d.x[i], d.y[i])
                xs.append(x)
                ys.append(y)
            else:
                (x,) = dihedral(rng, d.x[i])
                xs.append(x)
                ys.append(d.y[i])
        batch = (self._on(torch.stack(xs)), torch.stack(ys).to(self.device))
        return (*batch, self._on(torch.stack(aerials))) if aerials else batch
