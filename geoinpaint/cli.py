"""`geoinpaint <verb>`: every workflow step, runnable on its own.

Each verb reads files, writes files and logs what it does; the Snakemake rules in
`workflow/rules/` call exactly these verbs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the verbs import what they need, so that `geoinpaint --help` starts fast
    import pandas as pd

log = logging.getLogger("geoinpaint")


def _key_path(text: str) -> tuple[str, Path]:
    # the last "=": keys may contain one (`lambda = 5=metrics.csv`), paths do not
    key, sep, path = text.rpartition("=")
    if not sep or not key or not path:
        raise argparse.ArgumentTypeError(f"expected KEY=PATH, got {text!r}")
    return key, Path(path)


def cmd_synth(a: argparse.Namespace) -> None:
    from geoinpaint.data.scenes import write_split

    for split, n in (("train", a.train_per_class), ("test", a.test_per_class)):
        manifest = write_split(a.out / split, split, n, a.size, a.seed, a.task)
        log.info(
            "wrote %d %s %s samples (%dx%d) to %s",
            len(manifest),
            a.task,
            split,
            a.size,
            a.size,
            a.out / split,
        )


def cmd_check_data(a: argparse.Namespace) -> None:
    from geoinpaint.data.real import SCANNERS

    manifest = SCANNERS[a.dataset](a.root)
    log.info("%s at %s: %d samples verified", a.dataset, a.root, len(manifest))
    if "class_name" in manifest.columns:
        print(manifest["class_name"].value_counts().sort_index().to_string())


def cmd_import(a: argparse.Namespace) -> None:
    from geoinpaint.data.importing import import_classification
    from geoinpaint.data.real import SCANNERS

    scan = SCANNERS[a.dataset](a.root)
    out = import_classification(scan, a.out, a.size, a.seed, a.train_fraction)
    log.info(
        "imported %s: %d train, %d test images (%dx%d) into %s",
        a.dataset,
        len(out["train"]),
        len(out["test"]),
        a.size,
        a.size,
        a.out,
    )


def cmd_masks(a: argparse.Namespace) -> None:
    from geoinpaint.masks.maskset import write_maskset

    m = write_maskset(
        a.out, a.kind, a.n, a.size, a.seed, a.min_fraction, a.max_fraction, a.fraction, a.source
    )
    f = m["hole_fraction"]
    log.info(
        "%d %s masks (%dx%d), hole fraction %.3f-%.3f (mean %.3f), in %s",
        len(m),
        a.kind,
        a.size,
        a.size,
        f.min(),
        f.max(),
        f.mean(),
        a.out,
    )


def cmd_testset(a: argparse.Namespace) -> None:
    from geoinpaint.data.testset import build_testset

    m = build_testset(a.scenes, a.masks, a.out, a.seed, a.fill, a.image_column, a.companion)
    log.info(
        "frozen test set: %d images occluded with %s (fill %s) in %s",
        len(m),
        a.masks,
        a.fill,
        a.out,
    )


def cmd_train_task(a: argparse.Namespace) -> None:
    from geoinpaint.tasks.train_task import train_task

    train_task(
        a.task,
        a.train,
        a.out,
        a.state,
        a.log_csv,
        a.arch,
        a.epochs,
        a.batch_size,
        a.lr,
        a.seed,
        a.device,
        a.threads,
    )
    log.info("saved %s %s network to %s", a.task, a.arch, a.out)


def cmd_train(a: argparse.Namespace) -> None:
    import json

    from geoinpaint.methods.train import train_method

    train_method(
        a.method,
        a.task,
        a.train,
        a.masks,
        a.task_net,
        json.loads(a.options),
        a.out,
        a.state,
        a.log_csv,
        a.samples,
        a.seed,
        a.device,
        a.threads,
        a.train_images,
        a.save_every_s,
    )
    log.info("saved %s (%s) to %s", a.method, a.task, a.out)


def cmd_inpaint(a: argparse.Namespace) -> None:
    from geoinpaint.data.testset import load_testset
    from geoinpaint.evaluation import inpaint_folder, inpaint_testset
    from geoinpaint.methods.registry import build_method, load_method, needs_training
    from geoinpaint.runtime import limit_threads

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
    for method, checkpoint, out in zip(a.method, checkpoints, a.out, strict=True):
        if checkpoint is not None:
            model = load_method(checkpoint, a.device, expect=method)
        elif needs_training(method):
            raise ValueError(
                f"{method} is a trained method: give its --checkpoint (`geoinpaint train`)"
            )
        else:
            model = build_method(method, device="cpu")
        if testset is not None:
            inpaint_testset(model, testset, out, a.batch_size)
            log.info("inpainted the test set %s with %s into %s", a.testset, method, out)
            continue
        n = inpaint_folder(model, a.images, a.masks, out, a.batch_size)
        log.info("inpainted %d images of %s with %s into %s", n, a.images, method, out)


def cmd_runtime(a: argparse.Namespace) -> None:
    import pandas as pd

    from geoinpaint.runtime import limit_threads
    from geoinpaint.timing import inference_times

    limit_threads(a.threads)
    frames = [inference_times(a.method, a.checkpoint, a.sizes, a.device, a.repeats)]
    if a.paper_architecture:
        frames.append(
            inference_times(
                a.method, None, a.sizes, a.device, a.repeats, options={}
            )
        )
    df = pd.concat(frames, ignore_index=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(a.out, index=False)
    print(df.to_string(index=False))


def _task_summary(task: str, df: pd.DataFrame, record: dict) -> str:
    if task == "classification":
        return f"accuracy {100 * df['correct'].mean():.2f} %"
    if task == "crossview":
        keys = ("recall@1", "recall@5", "recall@10", "recall@top1%", "ap")
        return (
            "  ".join(f"{k} {record[k]:.2f}" for k in keys) + f" (gallery {record['gallery_size']})"
        )
    miou = record["miou"]
    return f"mIoU {'n/a' if miou is None else f'{miou:.4f}'}"


def cmd_evaluate(a: argparse.Namespace) -> None:
    import json

    from geoinpaint.evaluation import evaluate_folders
    from geoinpaint.metrics import set_metrics_path
    from geoinpaint.runtime import limit_threads

    if len(a.images) != len(a.out):
        raise ValueError(f"give one --out per --images, got {len(a.images)} and {len(a.out)}")
    limit_threads(a.threads)
    results = evaluate_folders(a.testset, a.images, a.task_net, a.task, a.device)
    for images, out, (df, record) in zip(a.images, a.out, results, strict=True):
        out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(out, index=False)
        set_metrics_path(out).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        log.info(
            "%s: PSNR %.2f  SSIM %.4f  MSE %.1f  BRISQUE (LIVE-SVR) %.2f  %s over %d images; "
            "FID %s, KID %s",
            images,
            df["psnr"].mean(),
            df["ssim"].mean(),
            df["mse"].mean(),
            df["brisque_live_svr"].mean(),
            _task_summary(a.task, df, record),
            len(df),
            record["fid"],
            record["kid"],
        )
    for metric, why in results[0][1]["unavailable"].items():
        log.warning("%s not computed: %s", metric, why)


def cmd_table(a: argparse.Namespace) -> None:
    from geoinpaint.provenance import provenance
    from geoinpaint.reporting.tables import build_table, to_markdown, write_table

    prov = provenance(a.config_hash, a.seed)
    for table in a.table:
        df = build_table(table, dict(a.row), prov)
        for path in write_table(df, table, a.out_dir / f"table_{table}"):
            log.info("wrote %s", path)
        print(to_markdown(df, table))


def cmd_weights(a: argparse.Namespace) -> None:
    from geoinpaint.metrics import weights as w

    if a.install_from:
        names = w.install_from(a.install_from)
        log.info("installed %d file(s) from %s: %s", len(names), a.install_from, names or "none")
    if a.download:
        log.info("downloaded: %s", w.download(a.name or None) or "nothing (all present)")
    rows = w.status()
    print(f"torch hub cache: {w.checkpoints_dir()}")
    for r in rows:
        print(f"\n{r['state']:7} {r['file']}")
        for key in ("needed_by", "sha256", "url", "source", "found_sha256", "problem"):
            if r[key]:
                print(f"        {key}: {r[key]}")
    if a.check and any(r["state"] != "ok" for r in rows):
        raise RuntimeError("some pretrained files are missing or bad (see above)")


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
    import json

    from geoinpaint.reporting import data_figures as df

    if a.kind == "maskmix":
        from geoinpaint.masks.augmix import AugMixConfig
        from geoinpaint.masks.maskmix import MaskMixConfig

        (testset,) = (p for k, p in a.testset if k == "classification")
        mm = MaskMixConfig(**json.loads(a.maskmix))
        df.fig_maskmix_augmix(testset, a.out, a.seed, mm, AugMixConfig(**json.loads(a.augmix)))
        if a.stats:
            from geoinpaint.data.testset import load_testset

            stats = df.maskmix_stats(load_testset(testset).masks, mm, a.seed, a.draws)
            a.stats.parent.mkdir(parents=True, exist_ok=True)
            stats.to_csv(a.stats, index=False)
            q = stats["area_ratio"].quantile([0.1, 0.5, 0.9])
            log.info(
                "MaskMix over %d draws: binary %s, differs from seed in %.1f %%, area ratio "
                "p10/p50/p90 %.2f/%.2f/%.2f, IoU with seed median %.2f",
                len(stats),
                stats["binary"].all(),
                100 * (stats["iou_with_seed"] < 1).mean(),
                *q,
                stats["iou_with_seed"].median(),
            )
    else:
        df.fig_datasets(dict(a.testset), dict(a.scenes), a.out)
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


def build_parser() -> argparse.ArgumentParser:
    from geoinpaint.data.scenes import TASKS
    from geoinpaint.data.testset import COMPANIONS
    from geoinpaint.masks.fill import FILLS
    from geoinpaint.masks.maskset import KINDS
    from geoinpaint.reporting.tables import TABLES

    p = argparse.ArgumentParser(prog="geoinpaint", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(
        name: str, fn: Callable[[argparse.Namespace], None], help: str
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(fn=fn)
        return sp

    s = verb("synth", cmd_synth, "generate procedural train/ and test/ splits for a task")
    s.add_argument("--out", type=Path, required=True, help="output folder")
    s.add_argument("--task", choices=TASKS, default="classification")
    s.add_argument("--size", type=int, default=64, help="image side in pixels")
    s.add_argument("--train-per-class", type=int, default=60)
    s.add_argument("--test-per-class", type=int, default=30)
    s.add_argument("--seed", type=int, default=0)

    s = verb("check-data", cmd_check_data, "verify a real dataset in its official layout")
    s.add_argument("--dataset", choices=("rsscn7", "aid", "loveda", "cvusa", "rice"), required=True)
    s.add_argument("--root", type=Path, required=True, help="the dataset's top folder")

    s = verb("import", cmd_import, "resize and split a real classification dataset (train/, test/)")
    s.add_argument("--dataset", choices=("rsscn7", "aid"), required=True)
    s.add_argument("--root", type=Path, required=True, help="the dataset's top folder")
    s.add_argument("--out", type=Path, required=True, help="output folder (train/ and test/)")
    s.add_argument("--size", type=int, default=256, help="image side after resizing")
    s.add_argument("--train-fraction", type=float, default=0.5, help="per class (RSSCN7: 0.5)")
    s.add_argument("--seed", type=int, default=0)

    s = verb("masks", cmd_masks, "write a frozen set of binary occlusion masks")
    s.add_argument("--out", type=Path, required=True, help="mask-set folder to write")
    s.add_argument("--kind", choices=KINDS, default="cloud")
    s.add_argument("--n", type=int, required=True, help="number of masks")
    s.add_argument("--size", type=int, required=True, help="mask side in pixels")
    s.add_argument("--min-fraction", type=float, default=0.15, help="cloud/irregular band")
    s.add_argument("--max-fraction", type=float, default=0.60, help="cloud/irregular band")
    s.add_argument("--fraction", type=float, default=None, help="concentrated: target fraction")
    s.add_argument(
        "--source",
        type=Path,
        default=None,
        help="folder of real masks: cloud anchors, or NVIDIA irregular masks",
    )
    s.add_argument("--seed", type=int, default=0)

    s = verb("testset", cmd_testset, "occlude a split with a mask set into a frozen test set")
    s.add_argument("--scenes", type=Path, required=True, help="split folder (with manifest.csv)")
    s.add_argument("--masks", type=Path, required=True, help="frozen mask-set folder")
    s.add_argument("--out", type=Path, required=True, help="frozen test-set folder to write")
    s.add_argument("--fill", choices=FILLS, default="cloud")
    s.add_argument(
        "--image-column",
        default="image",
        help="manifest column to occlude (ground for cross-view pairs)",
    )
    s.add_argument(
        "--companion",
        action="append",
        choices=COMPANIONS,
        default=[],
        help="task target to copy along: label_map (segmentation), aerial (cross-view gallery)",
    )
    s.add_argument("--seed", type=int, default=0)

    s = verb("train-task", cmd_train_task, "train a task network on clean images (resumable)")
    s.add_argument("--task", choices=TASKS, default="classification")
    s.add_argument("--train", type=Path, required=True, help="training split folder")
    s.add_argument("--out", type=Path, required=True, help="final checkpoint (.pt)")
    s.add_argument("--state", type=Path, required=True, help="resumable training state (.pt)")
    s.add_argument("--log-csv", type=Path, required=True, help="per-epoch log")
    s.add_argument("--arch", default="vgg-small")
    s.add_argument("--epochs", type=int, default=20)
    s.add_argument("--batch-size", type=int, default=32)
    s.add_argument("--lr", type=float, default=1e-3)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--threads", type=int, default=None, help="CPU threads (fixes reduction order)")

    s = verb("train", cmd_train, "train an inpainting method on a task's training split")
    s.add_argument("--method", required=True, help="registered method that must be trained")
    s.add_argument("--task", choices=TASKS, default="classification")
    s.add_argument("--train", type=Path, required=True, help="training split folder")
    s.add_argument("--masks", type=Path, required=True, help="frozen seed masks, one per image")
    s.add_argument("--task-net", type=Path, default=None, help="frozen task network (task loss)")
    s.add_argument("--options", default="{}", help="the method's options as JSON")
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
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--threads", type=int, default=None, help="CPU threads (fixes reduction order)")

    s = verb(
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
    s.add_argument("--checkpoint", type=Path, action="append", help="a trained method's checkpoint")
    s.add_argument(
        "--out",
        type=Path,
        action="append",
        required=True,
        help="folder for the composited <id>.png outputs of the matching --method",
    )
    s.add_argument("--batch-size", type=int, default=16)
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--threads", type=int, default=1)

    s = verb("runtime", cmd_runtime, "per-image inference time of a method (paper Sec. IV-M)")
    s.add_argument("--method", required=True, help="registered method name")
    s.add_argument("--checkpoint", type=Path, default=None, help="a trained method's checkpoint")
    s.add_argument("--sizes", type=int, nargs="+", default=[256, 512], help="image sides")
    s.add_argument("--repeats", type=int, default=10, help="timed calls per size")
    s.add_argument(
        "--paper-architecture",
        action="store_true",
        help="also time the paper's ResNet-34 generator (untrained: speed does not depend on "
        "the weights)",
    )
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--out", type=Path, required=True, help="CSV, one row per size")

    s = verb("evaluate", cmd_evaluate, "per-image metrics of a folder of outputs")
    s.add_argument("--task", choices=TASKS, default="classification")
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
        required=True,
        help="frozen task network checkpoint (geoinpaint train-task); --classifier is an alias",
    )
    s.add_argument(
        "--out",
        type=Path,
        action="append",
        required=True,
        help="per-image metrics CSV of the matching --images; set metrics (FID, KID, task set "
        "values, reasons) go to <stem>.set.json",
    )
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--threads", type=int, default=1)

    s = verb("table", cmd_table, "aggregate per-image metrics into paper tables (csv, md, tex)")
    s.add_argument(
        "--table",
        choices=tuple(TABLES),
        action="append",
        required=True,
        help="table id (repeatable: each is written from the same rows)",
    )
    s.add_argument(
        "--row",
        type=_key_path,
        action="append",
        required=True,
        help="ROW=metrics.csv, in row order; ROW is clean, occluded or a method name",
    )
    s.add_argument("--out-dir", type=Path, required=True, help="writes table_<id>.* there")
    s.add_argument("--config-hash", required=True)
    s.add_argument("--seed", type=int, required=True)

    s = verb(
        "weights",
        cmd_weights,
        "list, verify, download or install the pretrained files metrics need (torch hub cache)",
    )
    s.add_argument(
        "--download", action="store_true", help="fetch missing or bad files (needs internet)"
    )
    s.add_argument("--name", action="append", help="with --download: only this file (repeatable)")
    s.add_argument(
        "--install-from",
        type=Path,
        default=None,
        help="folder holding downloaded files: verify each and copy it into the hub cache",
    )
    s.add_argument("--check", action="store_true", help="exit 1 unless every file is present")

    s = verb("figure", cmd_figure, "qualitative grid: input, each method, ground truth")
    s.add_argument("--testset", type=Path, required=True)
    s.add_argument(
        "--method",
        type=_key_path,
        action="append",
        required=True,
        help="NAME=outputs folder, in column order",
    )
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--n-images", type=int, default=6)
    s = verb(
        "figure-task",
        cmd_figure_task,
        "sanity figure of a frozen task network on clean vs occluded test images",
    )
    s.add_argument("--task", choices=TASKS, required=True)
    s.add_argument("--testset", type=Path, required=True, help="the task's frozen test set")
    s.add_argument(
        "--row",
        type=_key_path,
        action="append",
        default=[],
        help="clean=CSV and occluded=CSV: per-image metrics (classification, crossview)",
    )
    s.add_argument("--task-net", type=Path, default=None, help="checkpoint (segmentation)")
    s.add_argument("--n-images", type=int, default=4)
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--out", type=Path, required=True)
    s = verb(
        "figure-lambda",
        cmd_figure_lambda,
        "Table IV's trade-off: task score and image quality against the task-loss weight",
    )
    s.add_argument(
        "--point",
        type=_key_path,
        action="append",
        required=True,
        help="LAMBDA=per-image metrics CSV of the model trained with that lambda",
    )
    s.add_argument("--out", type=Path, required=True)
    s = verb("figure-data", cmd_figure_data, "data figures: MaskMix/AugMix samples, datasets")
    s.add_argument("--kind", choices=("maskmix", "datasets"), required=True)
    s.add_argument(
        "--testset",
        type=_key_path,
        action="append",
        required=True,
        help="TASK=frozen test-set folder",
    )
    s.add_argument(
        "--scenes",
        type=_key_path,
        action="append",
        default=[],
        help="TASK=scene folder (datasets figure)",
    )
    s.add_argument("--maskmix", default="{}", help="MaskMix options as JSON")
    s.add_argument("--augmix", default="{}", help="AugMix options as JSON")
    s.add_argument("--stats", type=Path, default=None, help="MaskMix area statistics CSV")
    s.add_argument("--draws", type=int, default=500, help="MaskMix draws for --stats")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, required=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        args.fn(args)
    except (ValueError, FileNotFoundError, KeyError, RuntimeError) as err:
        log.error("%s", err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
