"""Train a task network on clean training images (`geoinpaint train-task`), resumably.

One function for the three geoscience tasks; each task contributes how its split is loaded, its
network built, and one training step computed. The epoch loop, seeding, resume and NaN checks are
`geoinpaint.training.loop.fit`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.data.io import read_image, read_label_map
from geoinpaint.data.scenes import load_split, read_manifest
from geoinpaint.runtime import DeviceChoice, resolve_device, seed_everything
from geoinpaint.tasks.classification import CLASSIFIERS
from geoinpaint.tasks.crossview import GEOLOCATORS
from geoinpaint.tasks.segmentation import IGNORE_INDEX, SEGMENTERS, to_targets
from geoinpaint.training.loop import fit
from geoinpaint.training.state import atomic_save

log = logging.getLogger(__name__)

Task = Literal["classification", "segmentation", "crossview"]
ARCHITECTURES = {
    "classification": CLASSIFIERS,
    "segmentation": SEGMENTERS,
    "crossview": GEOLOCATORS,
}
Step = Callable[[torch.Tensor], tuple[torch.Tensor, float]]
T = TypeVar("T", torch.Tensor, nn.Module)


def class_names_of(manifest: pd.DataFrame) -> list[str]:
    """Class names indexed by label; labels must be 0..C-1 with no gaps."""
    names = manifest.drop_duplicates("label").sort_values("label")
    if list(names["label"]) != list(range(len(names))):
        raise ValueError(f"labels must be 0..C-1 without gaps, got {sorted(names['label'])}")
    return [str(n) for n in names["class_name"]]


def dihedral(gen: torch.Generator, *xs: torch.Tensor) -> list[torch.Tensor]:
    """The same random rotation by k*90 degrees and flip for every `(N, ..., H, W)` tensor
    (aerial scenes have no canonical orientation)."""
    k = int(torch.randint(4, (1,), generator=gen))
    flip = bool(torch.rand(1, generator=gen) < 0.5)
    out = [torch.rot90(x, k, dims=(-2, -1)) for x in xs]
    return [torch.flip(x, dims=(-1,)) if flip else x for x in out]


def relight(gen: torch.Generator, x: torch.Tensor) -> torch.Tensor:
    """A random exposure per image of `(N, 3, H, W)` in [0, 1]: `gain * x ** gamma` with gain
    in [0.8, 1.2] and log gamma in [-0.25, 0.25] (the range `data.crossview` relights ground
    panoramas with): each view of a pair is lit on its own, so matching has to rely on content."""
    n = x.shape[0]
    gain = 0.8 + 0.4 * torch.rand(n, 1, 1, 1, generator=gen)
    gamma = torch.exp(0.25 * (2 * torch.rand(n, 1, 1, 1, generator=gen) - 1))
    return (gain * x.clamp_min(1e-4) ** gamma).clamp(0, 1)


def _on(x: T, dev: torch.device) -> T:
    """A network or image batch on `dev` in channels-last layout (convolutions train 1.2-1.4x
    faster so on the CPU; the values are the same, the float summation order is not)."""
    return x.to(dev, memory_format=torch.channels_last)


def _nchw(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()


def _classification(folder: Path, arch: str, gen: torch.Generator, dev: torch.device):
    images, labels, manifest = load_split(folder)
    x_all, y_all = _nchw(images), torch.from_numpy(labels.copy())
    names = class_names_of(manifest)
    model = _on(CLASSIFIERS.build(arch, num_classes=len(names)), dev)

    def step(idx: torch.Tensor) -> tuple[torch.Tensor, float]:
        (x,) = dihedral(gen, x_all[idx])
        y = y_all[idx].to(dev)
        logits = model(_on(x, dev))
        return F.cross_entropy(logits, y), float((logits.argmax(1) == y).sum())

    return model, step, len(x_all), {"num_classes": len(names), "class_names": names}


def _segmentation(folder: Path, arch: str, gen: torch.Generator, dev: torch.device):
    images, _, manifest = load_split(folder)
    if "label_map" not in manifest.columns:
        raise ValueError(f"{folder}/manifest.csv has no label_map column: not a segmentation split")
    maps = np.stack([read_label_map(Path(folder) / p) for p in manifest["label_map"]])
    x_all, y_all = _nchw(images), to_targets(torch.from_numpy(maps))
    model = _on(SEGMENTERS.build(arch), dev)

    def step(idx: torch.Tensor) -> tuple[torch.Tensor, float]:
        x, y = dihedral(gen, x_all[idx], y_all[idx])
        y = y.to(dev)
        logits = model(_on(x, dev))
        valid = y != IGNORE_INDEX
        pixel_acc = ((logits.argmax(1) == y) & valid).sum(dim=(1, 2)) / valid.sum(dim=(1, 2))
        return F.cross_entropy(logits, y, ignore_index=IGNORE_INDEX), float(pixel_acc.sum())

    return model, step, len(x_all), {"num_classes": 7}


def _crossview(folder: Path, arch: str, gen: torch.Generator, dev: torch.device):
    manifest = read_manifest(folder, ("id", "aerial", "ground"))
    ground = _nchw(np.stack([read_image(Path(folder) / p) for p in manifest["ground"]]))
    aerial = _nchw(np.stack([read_image(Path(folder) / p) for p in manifest["aerial"]]))
    model = _on(GEOLOCATORS.build(arch, num_classes=len(manifest)), dev)  # one id per pair

    def step(idx: torch.Tensor) -> tuple[torch.Tensor, float]:
        y = idx.to(dev)
        g_out = model.part_outputs(_on(relight(gen, ground[idx]), dev), "ground")
        a_out = model.part_outputs(_on(relight(gen, aerial[idx]), dev), "aerial")
        loss = sum(F.cross_entropy(logits, y) for _, logits in g_out + a_out)
        votes = sum(logits for _, logits in g_out)
        return loss, float((votes.argmax(1) == y).sum())

    return model, step, len(manifest), {"num_classes": len(manifest)}


_TASKS = {"classification": _classification, "segmentation": _segmentation, "crossview": _crossview}
SCORES = {
    "classification": "train_accuracy",
    "segmentation": "train_pixel_accuracy",
    "crossview": "train_ground_id_accuracy",
}


def train_task(
    task: Task,
    train_dir: Path,
    out: Path,
    state_path: Path,
    log_csv: Path,
    arch: str,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    device: DeviceChoice = "auto",
    threads: int | None = None,
) -> dict:
    """Train `arch` for `task` on the split in `train_dir`; resume from `state_path` if present.

    Writes the final checkpoint to `out` (loadable with `weights_only=True`) and one row per
    epoch to `log_csv`. Returns the checkpoint dict.
    """
    if task not in _TASKS:
        raise ValueError(f"unknown task {task!r}, expected one of {list(_TASKS)}")
    gen = seed_everything(seed, threads)
    dev = resolve_device(device)
    model, step, n, meta = _TASKS[task](Path(train_dir), arch, gen, dev)
    history = fit(
        model,
        n,
        step,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        gen=gen,
        state_path=state_path,
        score_name=SCORES[task],
    )
    checkpoint = {
        "task": task,
        "arch": arch,
        **meta,
        "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
        "epochs": epochs,
        "seed": seed,
        "pretrained": "none",
    }
    atomic_save(checkpoint, out)
    Path(log_csv).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(history).to_csv(log_csv, index=False)
    return checkpoint


def build_network(checkpoint: dict) -> nn.Module:
    """Rebuild the network a checkpoint was trained as, with its weights."""
    registry = ARCHITECTURES[checkpoint["task"]]
    kwargs = {"num_classes": checkpoint["num_classes"]}
    net = registry.build(checkpoint["arch"], **kwargs)
    net.load_state_dict(checkpoint["state_dict"])
    return net
