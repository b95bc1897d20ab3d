"""Train a registered inpainting method on a task's training split (`geoinpaint train`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from geoinpaint.registry import build_method, needs_training
from geoinpaint.runtime import DeviceChoice, seed_everything
from geoinpaint.training.data import load_train_set
from geoinpaint.training.engine import TrainRun

log = logging.getLogger(__name__)


def train_method(
    method: str,
    task: str,
    train_dir: Path,
    maskset_dir: Path,
    task_net: Path | None,
    options: dict[str, Any],
    out: Path,
    state: Path,
    log_csv: Path | None = None,
    samples_dir: Path | None = None,
    seed: int = 0,
    device: DeviceChoice = "auto",
    threads: int | None = None,
    train_images: int = 0,
    save_every_s: float = 600.0,
) -> None:
    """Train `method` (built with `options`) and save it to `out`; resumes from `state`.

    Args:
        method: a registered method with the `trained` trait.
        task: classification, segmentation or crossview (which training split and task loss).
        train_dir: the task's training split (`geoinpaint synth` layout).
        maskset_dir: frozen seed masks, one per training image.
        task_net: frozen task-network checkpoint (`geoinpaint train-task`), for task losses.
        options: the method's options (config `inpainting.options` and a row's overrides).
        out: final checkpoint, written once training has finished.
        state: resumable training state, outside any workflow output.
        train_images: train on this many images of the split, evenly spaced (0 = all).
        save_every_s: also save the state within an epoch after this many seconds.
    """
    if not needs_training(method):
        raise ValueError(f"method {method!r} needs no training; use `geoinpaint inpaint`")
    seed_everything(seed, threads)
    model = build_method(method, device=device, **options)
    data = load_train_set(task, Path(train_dir), Path(maskset_dir), train_images)
    log.info("training %s on %d %s images (%s)", method, len(data), task, options)
    run = TrainRun(Path(state), log_csv, samples_dir, seed, device, save_every_s)
    model.fit(data, task_net, run)
    model.save(
        Path(out),
        meta={"task": task, "seed": seed, "options": options, "train_images": len(data)},
    )
