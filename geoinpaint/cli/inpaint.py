"""Inpainting verbs: `inpaint` a frozen test set or a user's folder, time a method (`runtime`)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from geoinpaint.cli.common import add_device, add_into, staged, verb

log = logging.getLogger("geoinpaint")
NO_CHECKPOINT = "-"


def _build(method: str, checkpoint: Path | None, device: str, options: str = "{}"):
    from geoinpaint.methods.registry import build_method, load_method, needs_training

    if checkpoint is not None and str(checkpoint) != NO_CHECKPOINT:
        return load_method(checkpoint, device, expect=method)
    if needs_training(method):
        raise ValueError(
            f"{method} is a trained method: give its --checkpoint (`geoinpaint train`)"
        )
    return build_method(method, options=json.loads(options), device="cpu")


def _overlaps(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are the same path or one lies inside the other."""
    a, b = a.resolve(), b.resolve()
    return a == b or a in b.parents or b in a.parents


def check_outputs(a: argparse.Namespace) -> None:
    """Refuse, before any work, outputs that would overwrite or contain an input, or each
    other: the user's originals are never touched."""
    outs = [a.into / o for o in a.out] if a.into is not None else list(a.out)
    inputs = [
        (flag, Path(p))
        for flag, paths in (
            ("--images", [a.images]),
            ("--masks", [a.masks]),
            ("--testset", [a.testset]),
            ("--checkpoint", a.checkpoint or []),
            ("--options folder", [json.loads(o).get("folder") for o in a.options or []]),
        )
        for p in paths
        if p is not None and str(p) != NO_CHECKPOINT
    ]
    for out in outs + ([a.into] if a.into is not None else []):
        for flag, src in inputs:
            if _overlaps(out, src):
                raise ValueError(
                    f"output {out} overlaps the input {flag} {src} (the same folder, or one "
                    "inside the other): writing there would overwrite or delete the inputs; "
                    "choose another --out"
                )
    for i, out in enumerate(outs):
        for other in outs[i + 1 :]:
            if _overlaps(out, other):
                raise ValueError(f"--out {out} and {other} overlap: give each method its own")


def cmd_inpaint(a: argparse.Namespace) -> None:
    from geoinpaint.evaluation import inpaint_folder, inpaint_testset
    from geoinpaint.methods.registry import needs_training
    from geoinpaint.runtime import limit_threads
    from geoinpaint.testsets import load_testset

    if len(a.out) != len(a.method) or a.checkpoint and len(a.checkpoint) != len(a.method):
        raise ValueError(
            f"give one --out (and one --checkpoint, if any) per --method: got {len(a.method)} "
            f"methods, {len(a.out)} outputs and {len(a.checkpoint or [])} checkpoints"
        )
    if a.images is not None and a.masks is None:
        raise ValueError("--images needs --masks: a folder with one <name>.png mask per image")
    options = a.options or ["{}"] * len(a.method)
    if len(options) != len(a.method):
        raise ValueError(f"give one --options (or none) per --method, got {len(options)}")
    check_outputs(a)
    checkpoints = a.checkpoint or [None] * len(a.method)
    for method, checkpoint in zip(a.method, checkpoints, strict=True):
        if needs_training(method) and (checkpoint is None or str(checkpoint) == NO_CHECKPOINT):
            raise ValueError(
                f"{method} is a trained method: give its --checkpoint (`geoinpaint train`)"
            )
    limit_threads(a.threads)
    testset = load_testset(a.testset) if a.testset is not None else None
    with staged(a.into, a.out) as outs:
        for method, checkpoint, out, opts in zip(a.method, checkpoints, outs, options, strict=True):
            model = _build(method, checkpoint, a.device, opts)
            if testset is not None:
                inpaint_testset(model, testset, out, a.batch_size)
                log.info("inpainted the test set %s with %s", a.testset, method)
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
        help="folder for the composited <id>.png outputs of the matching --method (never equal "
        "to, inside, or holding an input folder)",
    )
    add_into(s, "every method's outputs")
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
