"""Argument helpers shared by the verb groups."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

DEVICES = ("auto", "cpu", "cuda")


def key_path(text: str) -> tuple[str, Path]:
    """`KEY=PATH` (the last "=": keys may contain one, `lambda = 5=metrics.csv`)."""
    key, sep, path = text.rpartition("=")
    if not sep or not key or not path:
        raise argparse.ArgumentTypeError(f"expected KEY=PATH, got {text!r}")
    return key, Path(path)


def verb(
    sub: argparse._SubParsersAction, name: str, fn: Callable[[argparse.Namespace], None], help: str
) -> argparse.ArgumentParser:
    sp = sub.add_parser(name, help=help, description=help)
    sp.set_defaults(fn=fn)
    return sp


def add_device(p: argparse.ArgumentParser, threads: int | None = 1) -> None:
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument(
        "--threads", type=int, default=threads, help="CPU threads (fixes reduction order)"
    )


def task_choices() -> list[str]:
    from geoinpaint.tasks.spec import task_names

    return task_names()


def add_into(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--into",
        type=Path,
        default=None,
        help=f"write {what} as one folder, which appears (or replaces an earlier one) only when "
        "complete; every --out is then a path inside it",
    )


@contextlib.contextmanager
def staged(into: Path | None, outs: Sequence[Path]) -> Iterator[list[Path]]:
    """The `--out` paths to write: as given, or inside a temporary folder that becomes `into`
    when the block succeeds (`atomic.atomic_dir`)."""
    if into is None:
        yield list(outs)
        return
    from geoinpaint.atomic import atomic_dir

    for out in outs:
        if out.is_absolute() or ".." in out.parts:
            raise ValueError(f"--out {out}: with --into, give a relative path inside {into}")
    with atomic_dir(into) as tmp:
        yield [tmp / out for out in outs]
