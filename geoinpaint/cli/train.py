"""Training verbs: `train-task` (a frozen task network), `train` (an inpainting method) and
`train-batch` (several, in one process)."""

from __future__ import annotations

import argparse
import json
import logging
import shlex
from pathlib import Path

from geoinpaint import atomic
from geoinpaint.cli.common import add_device, task_choices, verb

log = logging.getLogger("geoinpaint")


def cmd_train_task(a: argparse.Namespace) -> None:
    from geoinpaint.tasks.train_task import TaskTraining, train_task

    cfg = TaskTraining(
        arch=a.arch,
        epochs=a.epochs,
        batch_size=a.batch_size,
        lr=a.lr,
        init=a.init,
        val_fraction=a.val_fraction,
        warmup=a.warmup,
        patience=a.patience,
        weight_decay=a.weight_decay,
    )
    train_task(a.task, a.train, a.out, a.state, a.log_csv, cfg, a.seed, a.device, a.threads)
    log.info("saved %s %s network to %s", a.task, a.arch, a.out)


def cmd_train(a: argparse.Namespace) -> None:
    from geoinpaint.methods.train import train_method

    try:
        options = json.loads(a.options)
    except json.JSONDecodeError as err:
        raise ValueError(f"--options is not JSON ({err}): {a.options!r}") from err
    train_method(
        a.method,
        a.task,
        a.train,
        a.masks,
        a.task_net,
        options,
        a.out,
        a.state,
        a.log_csv,
        a.samples,
        a.seed,
        a.device,
        a.threads,
        a.train_images,
        a.save_every_s,
        a.init_from,
    )
    log.info("saved %s (%s) to %s", a.method, a.task, a.out)


def cmd_train_batch(a: argparse.Namespace) -> None:
    """`geoinpaint train` once per `--run`, in this process (the workflow's `train_batch`): every
    run is parsed before the first trains, so a malformed one fails at once."""
    parser = argparse.ArgumentParser(prog="geoinpaint train-batch --run", add_help=False)
    _train_arguments(parser)
    runs = [parser.parse_args(shlex.split(run)) for run in a.run]
    done = []
    for i, run in enumerate(runs, 1):
        log.info("training %d of %d in this batch: %s (%s)", i, len(runs), run.method, run.out)
        cmd_train(run)
        done.append({"method": run.method, "model": str(run.out), "log_csv": str(run.log_csv)})
    atomic.write_text(a.manifest, json.dumps(done, indent=1) + "\n")


def add_verbs(sub: argparse._SubParsersAction) -> None:
    s = verb(sub, "train-task", cmd_train_task, "train a task network on clean images (resumable)")
    s.add_argument("--task", choices=task_choices(), default="classification")
    s.add_argument("--train", type=Path, required=True, help="training split folder")
    s.add_argument("--out", type=Path, required=True, help="final checkpoint (.pt)")
    s.add_argument("--state", type=Path, required=True, help="resumable training state (.pt)")
    s.add_argument("--log-csv", type=Path, required=True, help="per-epoch log")
    s.add_argument("--arch", default="vgg-small", help="registered architecture of the task")
    s.add_argument("--epochs", type=int, default=20)
    s.add_argument("--batch-size", type=int, default=32)
    s.add_argument("--lr", type=float, default=1e-3, help="peak Adam learning rate")
    s.add_argument("--init", choices=("random", "imagenet"), default="random")
    s.add_argument(
        "--val-fraction",
        type=float,
        default=0.15,
        help="part of each class held out to select the best epoch (0 = keep the last)",
    )
    s.add_argument("--warmup", type=int, default=1, help="epochs of learning-rate warm-up")
    s.add_argument(
        "--patience", type=int, default=0, help="stop after this many epochs without progress"
    )
    s.add_argument("--weight-decay", type=float, default=0.0)
    s.add_argument("--seed", type=int, default=0)
    add_device(s, threads=None)

    s = verb(sub, "train", cmd_train, "train an inpainting method on a task's training split")
    _train_arguments(s)

    s = verb(sub, "train-batch", cmd_train_batch, "train several inpainting methods in one process")
    s.add_argument(
        "--run",
        action="append",
        required=True,
        metavar="ARGS",
        help="one training: the arguments `geoinpaint train` takes, as one shell-quoted string",
    )
    s.add_argument("--manifest", type=Path, required=True, help="JSON list of what was trained")


def _train_arguments(s: argparse.ArgumentParser) -> None:
    """The arguments of `geoinpaint train` (and of each `train-batch --run`)."""
    s.add_argument("--method", required=True, help="registered method that must be trained")
    s.add_argument("--task", choices=task_choices(), default="classification")
    s.add_argument("--train", type=Path, required=True, help="training split folder")
    s.add_argument("--masks", type=Path, required=True, help="frozen seed masks, one per image")
    s.add_argument("--task-net", type=Path, default=None, help="frozen task network (task loss)")
    s.add_argument("--options", default="{}", help="the method's options as JSON")
    s.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="start from this checkpoint's networks (a warm-up run of the same architecture)",
    )
    s.add_argument("--out", type=Path, required=True, help="final checkpoint (.pt)")
    s.add_argument("--state", type=Path, required=True, help="resumable training state (.pt)")
    s.add_argument("--log-csv", type=Path, default=None, help="per-epoch log")
    s.add_argument("--samples", type=Path, default=None, help="folder for per-epoch sample grids")
    s.add_argument(
        "--train-images", type=int, default=0, help="use this many images, evenly spaced (0 = all)"
    )
    s.add_argument(
        "--save-every-s",
        type=float,
        default=600.0,
        help="also save the resumable state within an epoch after this many seconds",
    )
    s.add_argument("--seed", type=int, default=0)
    add_device(s, threads=None)
