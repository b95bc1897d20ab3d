"""Data verbs: `prepare` a dataset role's splits, `check-data` a real copy, write frozen `masks`
and a frozen `testset`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from geoinpaint.cli.common import task_choices, verb

log = logging.getLogger("geoinpaint")


def cmd_prepare(a: argparse.Namespace) -> None:
    from geoinpaint.atomic import atomic_dir
    from geoinpaint.data.datasets import PrepareArgs, get_dataset

    dataset = get_dataset(a.dataset)
    if a.task not in dataset.tasks:
        raise ValueError(f"{a.dataset} provides {', '.join(dataset.tasks)} data, not {a.task}")
    # written beside the output and moved in place when complete: a bad root or a crash
    # never touches an existing split
    with atomic_dir(a.out) as tmp:
        dataset.prepare(
            PrepareArgs(
                tmp,
                a.task,
                a.size,
                a.seed,
                a.root,
                a.train_per_class,
                a.test_per_class,
                a.train_fraction,
                a.limit,
            )
        )
    log.info("%s (%s layout, %dx%d) written to %s", dataset.title, a.task, a.size, a.size, a.out)


def cmd_check_data(a: argparse.Namespace) -> None:
    from geoinpaint.data.datasets import get_dataset

    dataset = get_dataset(a.dataset)
    if dataset.scan is None:
        raise ValueError(f"{a.dataset} is generated, there is no copy to check")
    manifest = dataset.scan(a.root)
    log.info("%s at %s: %d samples verified", a.dataset, a.root, len(manifest))
    if "class_name" in getattr(manifest, "columns", ()):
        print(manifest["class_name"].value_counts().sort_index().to_string())


def cmd_masks(a: argparse.Namespace) -> None:
    from geoinpaint.masks.maskset import write_maskset

    if a.kind == "dataset":
        from geoinpaint.masks.own import write_own_maskset

        if a.source is None:
            raise ValueError("--kind dataset reads a test split's own masks: give --source")
        m = write_own_maskset(a.source, a.out, a.size)
        log.info(
            "%d masks of %s, hole fraction mean %.3f, in %s",
            len(m),
            a.source,
            m["hole_fraction"].mean(),
            a.out,
        )
        return
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
    from geoinpaint.testsets import build_testset

    m = build_testset(a.scenes, a.masks, a.out, a.seed, a.fill, a.image_column, a.companion)
    log.info(
        "frozen test set: %d images occluded with %s (fill %s) in %s",
        len(m),
        a.masks,
        a.fill,
        a.out,
    )


def cmd_export_testset(a: argparse.Namespace) -> None:
    from geoinpaint.testsets import export_testset

    n = export_testset(a.testset, a.out, a.layout)
    log.info(
        "exported %d occluded images and masks of %s (%s layout) to %s",
        n,
        a.testset,
        a.layout,
        a.out,
    )


def add_verbs(sub: argparse._SubParsersAction) -> None:
    from geoinpaint.data.datasets import dataset_names
    from geoinpaint.masks.fill import FILLS
    from geoinpaint.masks.maskset import KINDS
    from geoinpaint.testsets import COMPANIONS

    s = verb(sub, "prepare", cmd_prepare, "write a dataset's train/ and test/ splits")
    s.add_argument("--dataset", choices=dataset_names(), required=True)
    s.add_argument("--task", choices=task_choices(), required=True, help="the split layout")
    s.add_argument("--out", type=Path, required=True, help="output folder")
    s.add_argument("--size", type=int, default=64, help="image side in pixels")
    s.add_argument("--root", type=Path, default=None, help="a real dataset's copy")
    s.add_argument("--train-per-class", type=int, default=60, help="procedural scenes")
    s.add_argument("--test-per-class", type=int, default=30, help="procedural scenes")
    s.add_argument("--train-fraction", type=float, default=0.5, help="real sets, per class")
    s.add_argument("--limit", type=int, default=0, help="samples per split (0 = all)")
    s.add_argument("--seed", type=int, default=0)

    s = verb(sub, "check-data", cmd_check_data, "verify a real dataset in its official layout")
    s.add_argument("--dataset", choices=dataset_names(), required=True)
    s.add_argument("--root", type=Path, required=True, help="the dataset's top folder")

    s = verb(sub, "masks", cmd_masks, "write a frozen set of binary occlusion masks")
    s.add_argument("--out", type=Path, required=True, help="mask-set folder to write")
    s.add_argument(
        "--kind",
        choices=(*KINDS, "dataset"),
        default="cloud",
        help="dataset: a test split's own masks (--source: the split folder)",
    )
    s.add_argument("--n", type=int, required=True, help="number of masks")
    s.add_argument("--size", type=int, required=True, help="mask side in pixels")
    s.add_argument("--min-fraction", type=float, default=0.15, help="cloud/irregular band")
    s.add_argument("--max-fraction", type=float, default=0.60, help="cloud/irregular band")
    s.add_argument("--fraction", type=float, default=None, help="concentrated: target fraction")
    s.add_argument(
        "--source",
        type=Path,
        default=None,
        help="folder of real masks: cloud anchors, NVIDIA irregular masks, or (dataset) a test "
        "split with own masks",
    )
    s.add_argument("--seed", type=int, default=0)

    s = verb(
        sub,
        "export-testset",
        cmd_export_testset,
        "write a frozen test set's occluded images and masks for another tool",
    )
    s.add_argument("--testset", type=Path, required=True, help="a frozen test set")
    s.add_argument("--out", type=Path, required=True, help="folder to write")
    s.add_argument(
        "--layout",
        choices=("pairs", "lama"),
        default="pairs",
        help="pairs: images/<id>.png + masks/<id>.png (255 = hole); lama: <id>.png beside "
        "<id>_mask.png in one folder (LaMa's predict layout)",
    )

    s = verb(sub, "testset", cmd_testset, "occlude a split with a mask set into a frozen test set")
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
