"""Train a task network on clean training images (`geoinpaint train-task`), resumably.

One function for the three geoscience tasks, through the one training engine
(`training.engine`): each task contributes how a batch is drawn (its augmentation, seeded per
sample from `(seed, epoch, index)` so that a resumed run continues exactly) and its loss; the
routine is Adam with a cosine schedule over the epochs.

Augmentations: aerial scenes and land-cover tiles have no canonical orientation, so each sample
gets a random rotation by k x 90 degrees and flip (labels maps alike); cross-view pairs get an
independent random exposure per view (`relight`), so matching relies on content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.io import MANIFEST, sha256_file
from geoinpaint.runtime import DeviceChoice, resolve_device, seed_everything
from geoinpaint.tasks.segmentation import IGNORE_INDEX, to_targets
from geoinpaint.tasks.spec import get_task
from geoinpaint.tasks.splits import class_names_of, load_aerial, load_task_split
from geoinpaint.training.engine import Engine, EngineConfig, sample_rng
from geoinpaint.training.state import atomic_save

log = logging.getLogger(__name__)
SCORES = {
    "classification": "train_accuracy",
    "segmentation": "train_pixel_accuracy",
    "crossview": "train_ground_id_accuracy",
}


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


def _nchw(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()


@dataclass
class TaskData:
    """A task's training split as tensors (CPU), its class names and sample count."""

    task: str
    x: torch.Tensor
    y: torch.Tensor
    aerial: torch.Tensor | None
    meta: dict[str, Any]

    def __len__(self) -> int:
        return len(self.x)


def load_task_data(task: str, folder: Path) -> TaskData:
    images, targets, manifest = load_task_split(task, Path(folder))
    if task == "classification":
        names = class_names_of(manifest)
        return TaskData(
            task,
            _nchw(images),
            torch.from_numpy(targets.copy()),
            None,
            {"num_classes": len(names), "class_names": names},
        )
    if task == "segmentation":
        return TaskData(
            task, _nchw(images), to_targets(torch.from_numpy(targets)), None, {"num_classes": 7}
        )
    if task == "crossview":
        aerial = _nchw(load_aerial(folder, manifest))
        return TaskData(
            task, _nchw(images), torch.from_numpy(targets), aerial, {"num_classes": len(manifest)}
        )
    raise ValueError(f"task {task!r} has no task network to train")


class TaskCollate:
    """Indices -> augmented batch `(x, y[, aerial])` on the device, channels-last (1.2-1.4x
    faster convolutions on the CPU; same values, another float summation order)."""

    def __init__(self, data: TaskData, device: torch.device, seed: int):
        self.data, self.device, self.seed = data, device, seed

    def _on(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.device, memory_format=torch.channels_last)

    def __call__(self, indices: torch.Tensor, epoch: int) -> tuple[torch.Tensor, ...]:
        d = self.data
        xs, ys, aerials = [], [], []
        for i in indices.tolist():
            rng = sample_rng(self.seed, epoch, i, d.task)
            if d.task == "crossview":
                xs.append(relight(rng, d.x[i]))
                aerials.append(relight(rng, d.aerial[i]))
                ys.append(torch.tensor(i))
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


class TaskNetRoutine:
    """Adam with a cosine schedule over `epochs`; the task's loss and training score."""

    def __init__(self, task: str, model: nn.Module, lr: float, epochs: int):
        self.task, self.model = task, model
        self.opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=epochs)

    def _loss(self, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        if self.task == "crossview":
            ground, y, aerial = batch
            g_out = self.model.part_outputs(ground, "ground")
            a_out = self.model.part_outputs(aerial, "aerial")
            loss = sum(F.cross_entropy(logits, y) for _, logits in g_out + a_out)
            votes = sum(logits for _, logits in g_out)
            return loss, (votes.argmax(1) == y).float().mean()
        x, y = batch
        logits = self.model(x)
        if self.task == "segmentation":
            valid = y != IGNORE_INDEX
            hits = ((logits.argmax(1) == y) & valid).sum(dim=(1, 2)) / valid.sum(dim=(1, 2))
            return F.cross_entropy(logits, y, ignore_index=IGNORE_INDEX), hits.mean()
        return F.cross_entropy(logits, y), (logits.argmax(1) == y).float().mean()

    def train_step(self, batch: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
        self.model.train()
        loss, score = self._loss(batch)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach(), SCORES[self.task]: score.detach()}

    def end_epoch(self, epoch: int) -> dict[str, float]:
        self.sched.step()
        return {"lr": self.opt.param_groups[0]["lr"]}

    def samples(self) -> None:
        return None

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "scheduler": self.sched.state_dict(),
            "torch_rng": torch.get_rng_state(),  # dropout draws from the global generator
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])


def train_task(
    task: str,
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
    spec = get_task(task)
    if not spec.has_network:
        raise ValueError(f"task {task!r} has no task network")
    seed_everything(seed, threads)
    dev = resolve_device(device)
    data = load_task_data(task, Path(train_dir))
    model = spec.load("networks").build(arch, num_classes=data.meta["num_classes"])
    model = model.to(dev, memory_format=torch.channels_last)
    engine = Engine(
        EngineConfig(
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            state_path=Path(state_path),
            log_csv=Path(log_csv),
            desc=f"{arch} {task}",
            # the state's key: another setting or another split never resumes this state
            identity={
                "task": task,
                "arch": arch,
                "epochs": epochs,
                "batch_size": batch_size,
                "lr": lr,
                "seed": seed,
                "data": sha256_file(Path(train_dir) / MANIFEST),
            },
        )
    )
    engine.run(TaskNetRoutine(task, model, lr, epochs), len(data), TaskCollate(data, dev, seed))
    checkpoint = {
        "task": task,
        "arch": arch,
        **data.meta,
        "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
        "epochs": epochs,
        "seed": seed,
        "pretrained": "none",
    }
    atomic_save(checkpoint, out)
    return checkpoint


def build_network(checkpoint: dict) -> nn.Module:
    """Rebuild the network a checkpoint was trained as, with its weights."""
    registry = get_task(checkpoint["task"]).load("networks")
    net = registry.build(checkpoint["arch"], num_classes=checkpoint["num_classes"])
    net.load_state_dict(checkpoint["state_dict"])
    return net


__all__ = ["build_network", "train_task"]
