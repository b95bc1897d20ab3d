"""Figure verbs: qualitative grids (`figure`), a task network's sanity figure (`figure-task`),
the lambda trade-off (`figure-lambda`), data figures (`figure-data`) and MaskMix's area
statistics (`maskmix-stats`)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from geoinpaint.cli.common import add_device, key_path, task_choices, verb

log = logging.getLogger("geoinpaint")


def cmd_figure(a: argparse.Namespace) -> None:
    from geoinpaint.reporting.figures import qualitative_grid

    qualitative_grid(a.testset, dict(a.method), a.out, a.n_images)
    log.info("wrote %s", a.out)


def cmd_figure_lambda(a: argparse.Namespace) -> None:
    from geoinpaint.reporting.figures import lambda_tradeoff

    points = {float(k): p for k, p in a.point}
    print(lambda_tradeoff(points, a.out).to_string(index=False))
    log.info("wrote %s", a.out)


def cmd_figure_data(a: argparse.Namespace) -> None:
    from geoinpaint.reporting import data_figures as df

    if a.kind == "maskmix":
        from geoinpaint.masks.augmix import AugMixConfig
        from geoinpaint.masks.maskmix import MaskMixConfig

        (testset,) = (p for k, p in a.testset if k == "classification")
        mm = MaskMixConfig(**json.loads(a.maskmix))
        df.fig_maskmix_augmix(testset, a.out, a.seed, mm, AugMixConfig(**json.loads(a.augmix)))
    else:
        df.fig_datasets(dict(a.testset), dict(a.scenes), a.out)
    log.info("wrote %s", a.out)


def cmd_maskmix_stats(a: argparse.Namespace) -> None:
    from geoinpaint.atomic import write_text
    from geoinpaint.masks.maskmix import MaskMixConfig
    from geoinpaint.masks.maskset import load_maskset
    from geoinpaint.reporting.data_figures import maskmix_stats, maskmix_summary

    mm = MaskMixConfig(**json.loads(a.maskmix))
    masks = {name: load_maskset(folder)[0] for name, folder in a.masks}
    stats = maskmix_stats(masks, mm, a.seed, a.draws)
    write_text(a.out, stats.to_csv(index=False))
    log.info("MaskMix over %d draws per mask set (configured phi: %s):", a.draws, mm.phi)
    print(maskmix_summary(stats).to_string(float_format=lambda v: f"{v:.4g}"))


def _load(method: str, checkpoint: Path, device: str):
    from geoinpaint.methods.registry import load_method

    return load_method(checkpoint, device, expect=method)


def cmd_figure_internals(a: argparse.Namespace) -> None:
    from geoinpaint.reporting.method_figures import fig_internals

    (method,), (checkpoint,) = a.method, a.checkpoint
    fig_internals(_load(method, checkpoint, a.device), a.testset, a.out, a.n_images)
    log.info("wrote %s", a.out)


def cmd_figure_attention(a: argparse.Namespace) -> None:
    from geoinpaint.reporting.method_figures import fig_attention

    if not (len(a.label) == len(a.method) == len(a.checkpoint)):
        raise ValueError("give one --label and one --checkpoint per --method")
    methods = {
        label: _load(m, c, a.device)
        for label, m, c in zip(a.label, a.method, a.checkpoint, strict=True)
    }
    fig_attention(methods, a.testset, a.out, a.n_images)
    log.info("wrote %s", a.out)


def cmd_figure_task(a: argparse.Namespace) -> None:
    from geoinpaint.reporting import task_figures as tf

    rows = dict(a.row)
    if a.task == "classification":
        tf.fig_classification(a.testset, rows, a.out)
    elif a.task == "crossview":
        tf.fig_crossview(a.testset, rows, a.out, a.n_images)
    else:
        from geoinpaint.runtime import limit_threads

        if a.task_net is None:
            raise ValueError("the segmentation figure runs the frozen segmenter: give --task-net")
        limit_threads(a.threads)
        tf.fig_segmentation(a.testset, a.task_net, a.out, a.n_images, a.device)
    log.info("wrote %s", a.out)


def add_verbs(sub: argparse._SubParsersAction) -> None:
    s = verb(sub, "figure", cmd_figure, "qualitative grid: input, each method, ground truth")
    s.add_argument("--testset", type=Path, required=True)
    s.add_argument(
        "--method",
        type=key_path,
        action="append",
        required=True,
        help="NAME=outputs folder, in column order",
    )
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--n-images", type=int, default=6)

    s = verb(
        sub,
        "figure-task",
        cmd_figure_task,
        "sanity figure of a frozen task network on clean vs occluded test images",
    )
    s.add_argument(
        "--task", choices=[t for t in task_choices() if t != "inpainting"], required=True
    )
    s.add_argument("--testset", type=Path, required=True, help="the task's frozen test set")
    s.add_argument(
        "--row",
        type=key_path,
        action="append",
        default=[],
        help="clean=CSV and occluded=CSV: per-image metrics (classification, crossview)",
    )
    s.add_argument("--task-net", type=Path, default=None, help="checkpoint (segmentation)")
    s.add_argument("--n-images", type=int, default=4)
    add_device(s)
    s.add_argument("--out", type=Path, required=True)

    s = verb(
        sub,
        "figure-lambda",
        cmd_figure_lambda,
        "Table IV's trade-off: task score and image quality against the task-loss weight",
    )
    s.add_argument(
        "--point",
        type=key_path,
        action="append",
        required=True,
        help="LAMBDA=per-image metrics CSV of the model trained with that lambda",
    )
    s.add_argument("--out", type=Path, required=True)

    s = verb(sub, "figure-data", cmd_figure_data, "data figures: MaskMix/AugMix samples, datasets")
    s.add_argument("--kind", choices=("maskmix", "datasets"), required=True)
    s.add_argument(
        "--testset", type=key_path, action="append", required=True, help="TASK=frozen test set"
    )
    s.add_argument(
        "--scenes",
        type=key_path,
        action="append",
        default=[],
        help="TASK=scene folder (datasets figure)",
    )
    s.add_argument("--maskmix", default="{}", help="MaskMix options as JSON")
    s.add_argument("--augmix", default="{}", help="AugMix options as JSON")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, required=True)

    for name, fn, what in (
        (
            "figure-internals",
            cmd_figure_internals,
            "a trained method's internal maps (IGLL Fig. 9)",
        ),
        ("figure-attention", cmd_figure_attention, "attention of a hole position (IGLL Fig. 11)"),
    ):
        s = verb(sub, name, fn, what)
        s.add_argument("--method", action="append", required=True, help="registered method")
        s.add_argument("--checkpoint", type=Path, action="append", required=True)
        s.add_argument("--label", action="append", default=[], help="column title per method")
        s.add_argument("--testset", type=Path, required=True)
        s.add_argument("--n-images", type=int, default=4)
        add_device(s)
        s.add_argument("--out", type=Path, required=True)

    s = verb(sub, "maskmix-stats", cmd_maskmix_stats, "MaskMix's hole-area statistics (CSV)")
    s.add_argument(
        "--masks",
        type=key_path,
        action="append",
        required=True,
        help="NAME=frozen mask set whose masks seed MaskMix (e.g. a training mask set)",
    )
    s.add_argument("--maskmix", default="{}", help="MaskMix options as JSON")
    s.add_argument("--draws", type=int, default=500)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, required=True)
