"""`geoinpaint <verb>`: every workflow step, runnable on its own.

Each verb reads files, writes files and logs what it does; the Snakemake rules in
`workflow/rules/` call exactly these verbs. One module per verb group, each parser beside its
function: `data` (prepare, check-data, masks, testset), `train` (train-task, train), `inpaint`
(inpaint, runtime), `evaluate` (evaluate, table), `stats` (table-seeds, claims), `figures`,
`weights`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from geoinpaint.cli import data, evaluate, figures, inpaint, stats, train, weights

log = logging.getLogger("geoinpaint")
GROUPS = (data, train, inpaint, evaluate, stats, figures, weights)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="geoinpaint", description=__doc__.splitlines()[0])
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    for group in GROUPS:
        group.add_verbs(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        args.fn(args)
    except (ValueError, FileNotFoundError, KeyError, RuntimeError, OSError) as err:
        log.error("%s", err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
