"""Scoring verbs: `evaluate` folders of outputs per image, build a paper `table`."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from geoinpaint.cli.common import add_device, add_into, staged, task_choices, verb

log = logging.getLogger("geoinpaint")


def _task_summary(df, record: dict) -> str:
    parts = []
    if "correct" in df.columns:
        parts.append(f"accuracy {100 * df['correct'].mean():.2f} %")
    for key in ("recall@1", "recall@10", "ap"):
        if record.get(key) is not None:
            parts.append(f"{key} {record[key]:.2f}")
    if "miou" in record:
        miou = record["miou"]
        parts.append(f"mIoU {'n/a' if miou is None else f'{miou:.4f}'}")
    return "  ".join(parts)


def cmd_evaluate(a: argparse.Namespace) -> None:
    from geoinpaint.atomic import write_text
    from geoinpaint.evaluation import evaluate_folders
    from geoinpaint.metrics import set_metrics_path
    from geoinpaint.runtime import limit_threads

    if len(a.images) != len(a.out):
        raise ValueError(f"give one --out per --images, got {len(a.images)} and {len(a.out)}")
    limit_threads(a.threads)
    results = evaluate_folders(a.testset, a.images, a.task_net, a.task, a.device)
    with staged(a.into, a.out) as outs:
        for out, (df, record) in zip(outs, results, strict=True):
            write_text(out, df.to_csv(index=False))
            write_text(set_metrics_path(out), json.dumps(record, indent=1, sort_keys=True) + "\n")
    for images, (df, record) in zip(a.images, results, strict=True):
        log.info(
            "%s: PSNR %.2f  SSIM %.4f  MSE %.1f  BRISQUE (LIVE-SVR) %.2f  %s over %d images; "
            "FID %s, KID %s",
            images,
            df["psnr"].mean(),
            df["ssim"].mean(),
            df["mse"].mean(),
            df["brisque_live_svr"].mean(),
            _task_summary(df, record),
            len(df),
            record["fid"],
            record["kid"],
        )
    for metric, why in results[0][1]["unavailable"].items():
        log.warning("%s not computed: %s", metric, why)


def cmd_table(a: argparse.Namespace) -> None:
    from geoinpaint.provenance import provenance
    from geoinpaint.reporting.inputs import check_table_inputs
    from geoinpaint.reporting.tables import build_table, to_markdown, write_table

    try:
        layout = json.loads(a.layout)
    except json.JSONDecodeError as err:
        raise ValueError(f"--layout is not JSON ({err})") from err
    check_table_inputs(layout)
    seeds = layout.get("seeds", [0])
    df = build_table(layout, provenance(a.config_hash, ",".join(map(str, seeds))))
    for path in write_table(df, layout, a.out):
        log.info("wrote %s", path)
    print(to_markdown(df, layout))


def cmd_describe(a: argparse.Namespace) -> None:
    from geoinpaint.atomic import write_text
    from geoinpaint.provenance import provenance
    from geoinpaint.reporting.cost import cost_rows, to_latex, to_markdown
    from geoinpaint.runtime import limit_threads

    limit_threads(a.threads)
    methods = dict(zip(a.method, a.label or a.method, strict=False))
    df = cost_rows(methods, a.size, json.loads(a.paper), a.device)
    df = df.assign(**provenance(a.config_hash, ""))
    write_text(a.out, df.to_csv(index=False))
    write_text(a.out.with_suffix(".md"), to_markdown(df, a.title, a.size))
    write_text(a.out.with_suffix(".tex"), to_latex(df, a.title))
    print(to_markdown(df, a.title, a.size))


def add_verbs(sub: argparse._SubParsersAction) -> None:
    s = verb(sub, "evaluate", cmd_evaluate, "per-image metrics of folders of outputs")
    s.add_argument("--task", choices=task_choices(), default="classification")
    s.add_argument("--testset", type=Path, required=True, help="the task's frozen test set")
    s.add_argument(
        "--images",
        type=Path,
        action="append",
        required=True,
        help="folder with <id>.png per test image (repeatable, each with its --out)",
    )
    s.add_argument(
        "--task-net",
        "--classifier",
        dest="task_net",
        type=Path,
        default=None,
        help="frozen task network checkpoint (geoinpaint train-task; --classifier is an alias); "
        "none for inpainting-only tables",
    )
    s.add_argument(
        "--out",
        type=Path,
        action="append",
        required=True,
        help="per-image metrics CSV of the matching --images; set metrics (FID, KID, task set "
        "values, reasons) go to <stem>.set.json",
    )
    add_into(s, "every metrics file")
    add_device(s)

    s = verb(sub, "table", cmd_table, "aggregate per-image metrics into a paper table")
    s.add_argument(
        "--layout",
        required=True,
        help="JSON: rows, blocks and per-seed metric files (geoinpaint.experiments.layout)",
    )
    s.add_argument("--out", type=Path, required=True, help="the table's CSV (md, tex beside it)")
    s.add_argument("--config-hash", required=True)

    s = verb(
        sub,
        "describe",
        cmd_describe,
        "parameters, thop MACs and torch FLOPs of methods at paper settings (IGLL Table 3)",
    )
    s.add_argument("--method", action="append", required=True, help="registered method")
    s.add_argument("--label", action="append", default=[], help="row label per --method")
    s.add_argument("--size", type=int, default=256, help="image side")
    s.add_argument("--paper", default="{}", help="JSON: name -> {params, gmacs} from the paper")
    s.add_argument("--title", default="Parameters and computation per image")
    s.add_argument("--config-hash", default="")
    add_device(s)
    s.add_argument("--out", type=Path, required=True, help="CSV (md, tex beside it)")
