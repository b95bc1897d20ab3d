"""Train a task network on clean training images (`geoinpaint train-task`), resumably.

One function for the three geoscience tasks, through the one training engine
(`training.engine`): the task's data and augmentation (`tasks.task_data`), its loss, and
`TaskNetRoutine`: Adam, a learning rate warmed up linearly over the first `warmup` epochs and
then annealed to zero by a cosine over the rest (per step), and a validation score after every
epoch (`tasks.validation`) on a part of the training split held out for it. The weights of the
best validation epoch are kept (and saved with the resumable state), so the checkpoint is the
best epoch's, not the last one's; with `patience`, training stops once that many epochs pass
without a better one. The network starts from random weights or ImageNet (`tasks.pretrained`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.io import MANIFEST, sha256_file
from geoinpaint.runtime import DeviceChoice, resolve_device, seed_everything
from geoinpaint.tasks.pretrained import Init, initialise
from geoinpaint.tasks.pretrained import check as check_init
from geoinpaint.tasks.segmentation import IGNORE_INDEX
from geoinpaint.tasks.spec import get_task
from geoinpaint.tasks.task_data import TaskCollate, load_task_data
from geoinpaint.tasks.validation import Validation
from geoinpaint.training.engine import Engine, EngineConfig
from geoinpaint.training.engine import steps as engine_steps
from geoinpaint.training.state import atomic_save

log = logging.getLogger(__name__)
SCORES = {
    "classification": "train_accuracy",
    "segmentation": "train_pixel_accuracy",
    "crossview": "train_ground_id_accuracy",
}


@dataclass(frozen=True)
class TaskTraining:
    """How a task network trains (config `tasks.<task>`, defaults as `config/schema.yaml`).

    Attributes:
        arch: registered architecture.
        epochs: most epochs.
        batch_size: samples per step.
        lr: Adam's peak learning rate.
        init: `random` or `imagenet` (`tasks.pretrained`).
        val_fraction: part of each class held out of training to select the epoch (0: none,
            the last epoch is kept).
        warmup: epochs of linear learning-rate warm-up.
        patience: stop after this many epochs without a better validation score (0: never).
        weight_decay: Adam's L2 penalty.
    """

    arch: str
    epochs: int
    batch_size: int = 32
    lr: float = 0.002
    init: Init = "random"
    val_fraction: float = 0.15
    warmup: int = 1
    patience: int = 0
    weight_decay: float = 0.0


def warmup_cosine(warmup_steps: int, total_steps: int):
    """Learning-rate factor per step: linear from 1/warmup_steps to 1, then cosine to 0."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return factor


class TaskNetRoutine:
    """The task's loss and training score, Adam with warm-up and cosine, best-epoch selection."""

    def __init__(
        self,
        task: str,
        model: nn.Module,
        cfg: TaskTraining,
        steps_per_epoch: int,
        validation: Validation | None = None,
    ):
        self.task, self.model, self.cfg, self.validation = task, model, cfg, validation
        params = [p for p in model.parameters() if p.requires_grad]
        self.opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        factor = warmup_cosine(cfg.warmup * steps_per_epoch, cfg.epochs * steps_per_epoch)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, factor)
        self.best: dict[str, Any] = {"key": None, "epoch": 0, "state": None, "values": {}}

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
        self.sched.step()
        return {"loss": loss.detach(), SCORES[self.task]: score.detach()}

    def end_epoch(self, epoch: int) -> dict[str, float]:
        row = {"lr": self.opt.param_groups[0]["lr"]}
        if not self.validation:
            return row
        values, key = self.validation(self.model)
        if self.best["key"] is None or key > self.best["key"]:
            state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
            self.best = {"key": key, "epoch": epoch + 1, "state": state, "values": values}
        return row | values | {"best_epoch": self.best["epoch"]}

    def finished(self, epoch: int) -> bool:
        """Early stop: `patience` epochs after the best one, none better."""
        p = self.cfg.patience
        return bool(p and self.validation and epoch - self.best["epoch"] >= p)

    def best_state(self) -> dict[str, torch.Tensor]:
        """The weights to keep: the best validation epoch's, else the current ones."""
        if self.best["state"] is not None:
            return self.best["state"]
        return {k: v.detach().cpu() for k, v in self.model.state_dict().items()}

    def samples(self) -> None:
        return None

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "scheduler": self.sched.state_dict(),
            "best": {**self.best, "key": list(self.best["key"] or [])},
            "torch_rng": torch.get_rng_state(),  # dropout draws from the global generator
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        best = state["best"]
        self.best = {**best, "key": tuple(best["key"]) if best["key"] else None}
        torch.set_rng_state(state["torch_rng"])


def train_task(
    task: str,
    train_dir: Path,
    out: Path,
    state_path: Path,
    log_csv: Path,
    cfg: TaskTraining,
    seed: int,
    device: DeviceChoice = "auto",
    threads: int | None = None,
) -> dict:
    """Train `cfg.arch` for `task` on the split in `train_dir`; resume from `state_path` if
    present.

    Writes the checkpoint to `out` (loadable with `weights_only=True`: the best validation
    epoch's weights, how they were initialised and selected) and one row per epoch to `log_csv`.
    Returns the checkpoint dict.
    """
    spec = get_task(task)
    if not spec.has_network:
        raise ValueError(f"task {task!r} has no task network")
    check_init(cfg.arch, cfg.init)
    seed_everything(seed, threads)
    dev = resolve_device(device)
    data = load_task_data(task, Path(train_dir), cfg.val_fraction)
    model = spec.load("networks").build(cfg.arch, num_classes=data.meta["num_classes"])
    init, init_weights = initialise(model, cfg.arch, cfg.init)
    model = model.to(dev, memory_format=torch.channels_last)
    validation = Validation(data, dev)
    steps = engine_steps(len(data.train_rows), cfg.batch_size)
    routine = TaskNetRoutine(task, model, cfg, steps, validation if validation else None)
    engine = Engine(
        EngineConfig(
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            seed=seed,
            state_path=Path(state_path),
            log_csv=Path(log_csv),
            desc=f"{cfg.arch} {task}",
            # the state's key: another setting or another split never resumes this state
            identity={
                "task": task,
                "training": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
                "seed": seed,
                "data": sha256_file(Path(train_dir) / MANIFEST),
            },
        )
    )
    history = engine.run(routine, len(data.train_rows), TaskCollate(data, dev, seed))
    checkpoint = {
        "task": task,
        "arch": cfg.arch,
        **data.meta,
        "state_dict": routine.best_state(),
        "init": init,
        "init_weights": init_weights,
        "seed": seed,
        "epochs": len(history),
        "best_epoch": routine.best["epoch"] or len(history),
        "validation": {k: float(v) for k, v in routine.best["values"].items()},
        "validation_rows": data.val_rows.tolist(),
        "training": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
    }
    atomic_save(checkpoint, out)
    log.info(
        "%s %s: kept epoch %d of %d (%s)",
        cfg.arch,
        task,
        checkpoint["best_epoch"],
        checkpoint["epochs"],
        ", ".join(f"{k} {v:.4g}" for k, v in checkpoint["validation"].items()) or "no validation",
    )
    return checkpoint


def build_network(checkpoint: dict) -> nn.Module:
    """Rebuild the network a checkpoint was trained as, with its weights."""
    registry = get_task(checkpoint["task"]).load("networks")
    net = registry.build(checkpoint["arch"], num_classes=checkpoint["num_classes"])
    net.load_state_dict(checkpoint["state_dict"])
    return net


__all__ = ["TaskTraining", "build_network", "train_task"]
