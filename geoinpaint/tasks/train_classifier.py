"""Train a scene classifier on clean images (`geoinpaint train-task`), resumably."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from tqdm import tqdm

from geoinpaint.data.scenes import load_split
from geoinpaint.data.synthetic import SCENE_CLASSES
from geoinpaint.runtime import DeviceChoice, resolve_device, seed_everything
from geoinpaint.tasks.classification import CLASSIFIERS
from geoinpaint.training.state import atomic_save, check_finite, load_checkpoint

log = logging.getLogger(__name__)


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random dihedral transform per batch (aerial scenes have no canonical orientation)."""
    k = int(torch.randint(4, (1,), generator=gen))
    x = torch.rot90(x, k, dims=(2, 3))
    if torch.rand(1, generator=gen) < 0.5:
        x = torch.flip(x, dims=(3,))
    return x


def train_classifier(
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
    """Train `arch` on the split in `train_dir`; resume from `state_path` when it exists.

    Writes the final checkpoint to `out` (loadable with `weights_only=True`) and one row per
    epoch to `log_csv`. Returns the checkpoint dict.
    """
    gen = seed_everything(seed, threads)
    dev = resolve_device(device)
    images, labels, _ = load_split(train_dir)
    x_all = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    y_all = torch.from_numpy(labels.copy())
    num_classes = len(SCENE_CLASSES)
    model = CLASSIFIERS.build(arch, num_classes=num_classes).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    start, history = 0, []
    if Path(state_path).exists():
        state = load_checkpoint(state_path)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"])  # dropout draws from the global generator
        start, history = state["epoch"], state["history"]
        log.info("resuming %s from %s at epoch %d/%d", arch, state_path, start, epochs)
    for epoch in range(start, epochs):
        model.train()
        t0, total, correct, seen = time.perf_counter(), 0.0, 0, 0
        order = torch.randperm(len(x_all), generator=gen)
        bar = tqdm(
            range(0, len(order), batch_size), desc=f"epoch {epoch + 1}/{epochs}", unit="batch"
        )
        for step, i in enumerate(bar):
            idx = order[i : i + batch_size]
            x = augment(x_all[idx], gen).to(dev)
            y = y_all[idx].to(dev)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            check_finite(loss, epoch + 1, step, state_path)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(idx)
            bar.set_postfix(loss=f"{total / seen:.3f}", acc=f"{correct / seen:.3f}")
        sched.step()
        seconds = time.perf_counter() - t0
        history.append(
            {
                "epoch": epoch + 1,
                "loss": total / seen,
                "train_accuracy": correct / seen,
                "seconds": seconds,
                "images_per_s": seen / seconds,
            }
        )
        log.info(
            "epoch %d/%d loss %.4f train acc %.3f (%.0f img/s)",
            epoch + 1,
            epochs,
            total / seen,
            correct / seen,
            seen / seconds,
        )
        atomic_save(
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(),
                "rng": gen.get_state(),
                "torch_rng": torch.get_rng_state(),
                "epoch": epoch + 1,
                "history": history,
            },
            state_path,
        )
    checkpoint = {
        "task": "classification",
        "arch": arch,
        "num_classes": num_classes,
        "class_names": list(SCENE_CLASSES),
        "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
        "epochs": epochs,
        "seed": seed,
        "pretrained": "none",
    }
    atomic_save(checkpoint, out)
    Path(log_csv).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(history).to_csv(log_csv, index=False)
    return checkpoint
