"""`weights`: list, verify, download or install the pretrained files (torch hub cache)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from geoinpaint.cli.common import verb

log = logging.getLogger("geoinpaint")


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


def add_verbs(sub: argparse._SubParsersAction) -> None:
    s = verb(
        sub,
        "weights",
        cmd_weights,
        "list, verify, download or install the pretrained files (torch hub cache)",
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
