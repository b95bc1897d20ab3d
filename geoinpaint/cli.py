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

log = logging.getLogger("geoinpaint")


def _key_path(text: str) -> tuple[str, Path]:
    key, sep, path = text.partition("=")
    if not sep or not key or not path:
        raise argparse.ArgumentTypeError(f"expected KEY=PATH, got {text!r}")
    return key, Path(path)


def cmd_synth(a: argparse.Namespace) -> None:
    from geoinpaint.data.scenes import write_split

    for split, n in (("train", a.train_per_class), ("test", a.test_per_class)):
        manifest = write_split(a.out / split, split, n, a.size, a.seed)
        log.info(
            "wrote %d %s scenes (%dx%d) to %s", len(manifest), split, a.size, a.size, a.out / split
        )


def cmd_masks(a: argparse.Namespace) -> None:
    from geoinpaint.data.testset import build_testset

    m = build_testset(a.scenes, a.out, a.seed, a.min_fraction, a.max_fraction, a.fill)
    f = m["hole_fraction"]
    log.info(
        "frozen test set: %d images, hole fraction %.3f-%.3f (mean %.3f), fill %s, in %s",
        len(m),
        f.min(),
        f.max(),
        f.mean(),
        a.fill,
        a.out,
    )


def cmd_train_task(a: argparse.Namespace) -> None:
    from geoinpaint.tasks.train_classifier import train_classifier

    train_classifier(
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
    log.info("saved %s classifier to %s", a.arch, a.out)


def cmd_inpaint(a: argparse.Namespace) -> None:
    import torch

    from geoinpaint.evaluation import run_method

    torch.set_num_threads(a.threads)
    run_method(a.method, a.testset, a.out, a.batch_size)
    log.info("inpainted with %s into %s", a.method, a.out)


def cmd_evaluate(a: argparse.Namespace) -> None:
    import torch

    from geoinpaint.evaluation import evaluate_folder

    torch.set_num_threads(a.threads)
    df = evaluate_folder(a.testset, a.images, a.classifier, a.device)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(a.out, index=False)
    log.info(
        "%s: PSNR %.2f  SSIM %.4f  MSE %.1f  accuracy %.2f %% over %d images",
        a.images,
        df["psnr"].mean(),
        df["ssim"].mean(),
        df["mse"].mean(),
        100 * df["correct"].mean(),
        len(df),
    )


def cmd_table(a: argparse.Namespace) -> None:
    from geoinpaint.provenance import provenance
    from geoinpaint.reporting.tables import build_table, to_markdown, write_table

    df = build_table(a.table, dict(a.row), provenance(a.config_hash, a.seed))
    for path in write_table(df, a.table, a.out_prefix):
        log.info("wrote %s", path)
    print(to_markdown(df, a.table))


def cmd_figure(a: argparse.Namespace) -> None:
    from geoinpaint.reporting.figures import qualitative_grid

    qualitative_grid(a.testset, dict(a.method), a.out, a.n_images)
    log.info("wrote %s", a.out)


def build_parser() -> argparse.ArgumentParser:
    from geoinpaint.masks.fill import FILLS

    p = argparse.ArgumentParser(prog="geoinpaint", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(
        name: str, fn: Callable[[argparse.Namespace], None], help: str
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(fn=fn)
        return sp

    s = verb("synth", cmd_synth, "generate procedural scene splits (train/ and test/)")
    s.add_argument("--out", type=Path, required=True, help="output folder")
    s.add_argument("--size", type=int, default=64, help="image side in pixels")
    s.add_argument("--train-per-class", type=int, default=60)
    s.add_argument("--test-per-class", type=int, default=30)
    s.add_argument("--seed", type=int, default=0)

    s = verb("masks", cmd_masks, "occlude a scene split with cloud masks into a frozen test set")
    s.add_argument(
        "--scenes", type=Path, required=True, help="scene split folder (with manifest.csv)"
    )
    s.add_argument("--out", type=Path, required=True, help="frozen test-set folder to write")
    s.add_argument("--min-fraction", type=float, default=0.15)
    s.add_argument("--max-fraction", type=float, default=0.60)
    s.add_argument("--fill", choices=FILLS, default="cloud")
    s.add_argument("--seed", type=int, default=0)

    s = verb("train-task", cmd_train_task, "train a task network on clean images (resumable)")
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

    s = verb("inpaint", cmd_inpaint, "inpaint a frozen test set with a registered method")
    s.add_argument("--method", required=True, help="registered method name")
    s.add_argument("--testset", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True, help="folder for composited <id>.png outputs")
    s.add_argument("--batch-size", type=int, default=16)
    s.add_argument("--threads", type=int, default=1)

    s = verb("evaluate", cmd_evaluate, "per-image metrics of a folder of outputs")
    s.add_argument("--testset", type=Path, required=True)
    s.add_argument("--images", type=Path, required=True, help="folder with <id>.png per test image")
    s.add_argument("--classifier", type=Path, required=True, help="frozen classifier checkpoint")
    s.add_argument("--out", type=Path, required=True, help="per-image metrics CSV")
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--threads", type=int, default=1)

    s = verb("table", cmd_table, "aggregate per-image metrics into a paper table (csv, md, tex)")
    s.add_argument("--table", choices=("I",), required=True)
    s.add_argument(
        "--row",
        type=_key_path,
        action="append",
        required=True,
        help="ROW=metrics.csv, in row order; ROW is clean, occluded or a method name",
    )
    s.add_argument("--out-prefix", type=Path, required=True, help="e.g. results/table_I")
    s.add_argument("--config-hash", required=True)
    s.add_argument("--seed", type=int, required=True)

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
