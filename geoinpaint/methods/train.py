"""Train a registered inpainting method on a task's training split (`geoinpaint train`).

The one path every trained method takes: seed, build the method, load the split and its seed
masks, build the collate step (MaskMix / AugMix) and the method's routine, run the engine
(resumable), save the inference networks with their options and provenance.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np

from geoinpaint.io import MANIFEST, DatasetError, sha256_file
from geoinpaint.masks.augmix import COLOUR_OPS, moves_content
from geoinpaint.masks.maskset import load_maskset
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.registry import build_method, needs_training
from geoinpaint.runtime import DeviceChoice, resolve_device, seed_everything
from geoinpaint.tasks.splits import load_task_split
from geoinpaint.training.data import InpaintingCollate, InpaintingTrainSet
from geoinpaint.training.engine import Engine, EngineConfig
from geoinpaint.training.state import atomic_save

log = logging.getLogger(__name__)


def load_train_set(
    task: str, split_dir: Path, maskset_dir: Path, limit: int = 0
) -> InpaintingTrainSet:
    """Load a task's training split and its frozen seed masks (at least one per image).

    `limit` > 0 keeps that many images, evenly spaced through the split (splits are written
    class by class, so every class keeps its share), each with its own seed mask; for CPU runs.

    Raises:
        DatasetError: a folder is missing or malformed, too few masks, or sizes differ.
    """
    split_dir, maskset_dir = Path(split_dir), Path(maskset_dir)
    images, targets, _ = load_task_split(task, split_dir)
    masks, _ = load_maskset(maskset_dir)
    if len(masks) < len(images):
        raise DatasetError(
            f"{maskset_dir} has {len(masks)} masks, the training split {split_dir} needs "
            f"{len(images)} (one per image)"
        )
    masks = masks[: len(images)]
    if masks.shape[1:] != images.shape[1:3]:
        raise DatasetError(
            f"masks in {maskset_dir} are {masks.shape[2]}x{masks.shape[1]}, the images in "
            f"{split_dir} are {images.shape[2]}x{images.shape[1]}"
        )
    keep = np.arange(len(images))
    if 0 < limit < len(images):
        keep = np.linspace(0, len(images) - 1, limit).round().astype(int)
    # Cross-view targets stay the pair's row in the full split: the task network's location id.
    return InpaintingTrainSet(task, images[keep], masks[keep], targets[keep])


def run_identity(
    model: TrainableMethod,
    task: str,
    train_dir: Path,
    maskset_dir: Path,
    task_net: Path | None,
    seed: int,
    train_images: int,
    init_from: Path | None = None,
) -> dict[str, Any]:
    """What defines a training run's result, for its resumable state's key: the method and its
    resolved options, the task, the data and mask manifests (they list every file's sha256),
    the frozen task network's bytes, the seed, the number of training images and the bytes of
    the checkpoint it starts from (a warm start)."""
    return {
        "method": model.name,
        "options": dataclasses.asdict(model.options),
        "task": task,
        "data": sha256_file(Path(train_dir) / MANIFEST),
        "masks": sha256_file(Path(maskset_dir) / MANIFEST),
        "task_net": sha256_file(task_net) if task_net else None,
        "seed": seed,
        "train_images": train_images,
        "init_from": sha256_file(init_from) if init_from else None,
    }


def warm_start(model: TrainableMethod, checkpoint: Path) -> None:
    """Load another trained run's networks into `model` (same architecture, strict)."""
    from geoinpaint.metrics.weights import sha256_of
    from geoinpaint.training.state import load_checkpoint

    state = load_checkpoint(checkpoint)
    try:
        for key, net in model.nets.items():
            net.load_state_dict(state["networks"][key])
    except (KeyError, RuntimeError) as err:
        raise ValueError(f"{checkpoint} does not fit {model.name}'s networks: {err}") from err
    model.warm_started = True
    model.record("warm_start", f"{checkpoint.name} (sha256 {sha256_of(checkpoint)[:12]})")


def save_method(method: TrainableMethod, path: Path, meta: dict[str, Any] | None = None) -> None:
    """Write a trained method's checkpoint atomically (loads with `weights_only=True`)."""
    atomic_save({**method.state_dict(), **(meta or {})}, Path(path))


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
    init_from: Path | None = None,
) -> TrainableMethod:
    """Train `method` (built with `options`) and save it to `out`; resumes from `state`.

    Args:
        method: a registered trained method.
        task: classification, segmentation or crossview (which training split and task loss).
        train_dir: the task's training split (`geoinpaint prepare` layout).
        maskset_dir: frozen seed masks, one per training image.
        task_net: frozen task-network checkpoint (`geoinpaint train-task`), for task losses.
        options: the method's options (config `inpainting.options` and a row's overrides).
        out: final checkpoint, written once training has finished (again from the state when a
            finished run is rerun).
        state: resumable training state, outside any workflow output; only a state of the same
            run (`run_identity`) is resumed.
        train_images: train on this many images of the split, evenly spaced (0 = all).
        save_every_s: also save the state within an epoch after this many seconds.
        init_from: a checkpoint whose networks the model starts from (a warm-up run of the
            same architecture, config `warm_start`); recorded in the provenance.
    """
    if not needs_training(method):
        raise ValueError(f"method {method!r} needs no training; use `geoinpaint inpaint`")
    seed_everything(seed, threads)
    dev = resolve_device(device)
    model: TrainableMethod = build_method(method, options=options, device=dev)
    o = model.options
    if o.augment == "augmix" and task != "classification" and moves_content(o.augmix):
        raise ValueError(
            f"AugMix's {', '.join(moves_content(o.augmix))} move image content away from the "
            f"{task} targets (paper Sec. IV-L): use colour operations only "
            f"(augmix.ops: {list(COLOUR_OPS)}), maskmix or none"
        )
    data = load_train_set(task, Path(train_dir), Path(maskset_dir), train_images)
    if init_from is not None:
        warm_start(model, Path(init_from))
    log.info("training %s on %d %s images (%s)", method, len(data), task, options)
    jsd = bool(getattr(o, "jsd_weight", 0.0))  # AugMix's consistency term needs two views
    collate = InpaintingCollate(data, dev, seed, o.augment, o.maskmix, o.augmix, jsd)
    size = data.images.shape[1]
    ctx = TrainContext(
        task, size, len(data), dev, seed, Path(task_net) if task_net else None, collate.preview()
    )
    routine = model.routine(ctx)
    engine = Engine(
        EngineConfig(
            epochs=o.epochs,
            batch_size=o.batch_size,
            seed=seed,
            state_path=Path(state),
            log_csv=log_csv,
            samples_dir=samples_dir,
            save_every_s=save_every_s,
            desc=f"{method} {task}",
            identity=run_identity(
                model, task, train_dir, maskset_dir, task_net, seed, train_images, init_from
            ),
        )
    )
    engine.run(routine, len(data), collate)
    model.nets.eval()
    save_method(
        model,
        Path(out),
        meta={"task": task, "seed": seed, "train_options": options, "train_images": len(data)},
    )
    return model
