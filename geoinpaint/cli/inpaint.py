"""Inpainting verbs: `inpaint` a frozen test set or a user's folder, time a method (`runtime`)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from geoinpaint.cli.common import add_device, verb

log = logging.getLogger("geoinpaint")
NO_CHECKPOINT = "-"


def _build(method: str, checkpoint: Path | None, device: str, options: str = "{}"):
    import json

    from geoinpaint.methods.registry import build_method, load_method, needs_training

    if checkpoint is not None and str(checkpoint) != NO_CHECKPOINT:
        return load_method(checkpoint, device, expect=method)
    if needs_training(method):
        raise ValueError(
            f"{method} is a trained method: give its --checkpoint (`geoinpaint train`)"
        )
    return build_method(method, options=json.loads(options), device="cpu")


def cmd_inpaint(a: argparse.Namespace) -> None:
    from geoinpaint.evaluation import inpaint_folder, inpaint_testset
    from geoinpaint.runtime import limit_threads
    from geoinpaint.testsets import load_testset

    if len(a.out) != len(a.method) or a.checkpoint and len(a.checkpoint) != len(a.method):
        raise ValueError(
            f"give one --out (and one --checkpoint, if any) per --method: got {len(a.method)} "
            f"methods, {len(a.out)} outputs and {len(a.checkpoint or [])} checkpoints"
        )
    if a.images is not None and a.masks is None:
        raise ValueError("--images needs --masks: a folder with one <name>.png mask per image")
    limit_threads(a.threads)
    testset = load_testset(a.testset) if a.testset is not None else None
    checkpoints = a.checkpoint or [None] * len(a.method)
    options = a.options or ["{}"] * len(a.method)
    if len(options) != len(a.method):
        raise ValueError(f"give one --options (or none) per --method, got {len(options)}")
    for method, checkpoint, out, opts in zip(a.method, checkpoints, a.out, options, strict=True):
        model = _build(method, checkpoint, a.device, opts)
        if testset is not None:
            inpaint_testset(model, testset, out, a.batch_size)
            log.info("inpainted the test set %s with %s into %s", a.testset, method, out)
            continue
        n = inpaint_folder(model, a.images, a.masks, out, a.batch_size)
        log.info("inpainted %d images of %s with %s into %s", n, a.images, method, out)


def cmd_runtime(a: argparse.Namespace) -> None:
    import pandas as pd

    from geoinpaint.atomic import write_text
    from geoinpaint.runtime import limit_threads
    from geoinpaint.timing import inference_times

    limit_threads(a.threads)
    frames = [inference_times(a.method, a.checkpoint, a.sizes, a.device, a.repeats)]
    if a.paper_architecture:
        frames.append(inference_times(a.method, None, a.sizes, a.device, a.repeats, options={}))
    df = pd.concat(frames, ignore_index=True)
    write_text(a.out, df.to_csv(index=False))
    print(df.to_string(index=False))


def add_verbs(sub: argparse._SubParsersAction) -> None:
    s = verb(
        sub,
        "inpaint",
        cmd_inpaint,
        "inpaint a frozen test set, or a folder of images with masks, with a registered method",
    )
    s.add_argument(
        "--method",
        action="append",
        required=True,
        help="registered method name (repeatable, each with its --out and --checkpoint)",
    )
    source = s.add_mutually_exclusive_group(required=True)
    source.add_argument("--testset", type=Path, help="a frozen test set (geoinpaint testset)")
    source.add_argument("--images", type=Path, help="a folder of occluded images (.png, .jpg)")
    s.add_argument("--masks", type=Path, help="with --images: <name>.png per image, 255 = hole")
    s.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        help=f"a trained method's checkpoint ({NO_CHECKPOINT} for a training-free method)",
    )
    s.add_argument(
        "--out",
        type=Path,
        action="append",
        required=True,
        help="folder for the composited <id>.png outputs of the matching --method",
    )
    s.add_argument(
        "--options",
        action="append",
        help='a training-free method\'s options as JSON (e.g. external: {"folder": ...})',
    )
    s.add_argument("--batch-size", type=int, default=16)
    add_device(s)

    s = verb(sub, "runtime", cmd_runtime, "per-image inference time of a method (paper Sec. IV-M)")
    s.add_argument("--method", required=True, help="registered method name")
    s.add_argument("--checkpoint", type=Path, default=None, help="a trained method's checkpoint")
    s.add_argument("--sizes", type=int, nargs="+", default=[256, 512], help="image sides")
    s.add_argument("--repeats", type=int, default=10, help="timed calls per size")
    s.add_argument(
        "--paper-architecture",
        action="store_true",
        help="also time the method at its paper settings (untrained: speed does not depend on "
        "the weights)",
    )
    add_device(s)
    s.add_argument("--out", type=Path, required=True, help="CSV, one row per size")
