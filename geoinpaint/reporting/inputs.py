"""Checks of a table's input files, made by `geoinpaint table` before it builds anything.

A per-image metrics CSV and its `<stem>.set.json` (`geoinpaint evaluate`) must agree with each
other and with the test set they were scored on: one row per test image, every id exactly once,
the set record of the table's task, the test set unchanged since. A short (truncated) file, a
file of another task or of another version of the test set stops the table with a message
naming the file, instead of a table computed from the wrong images.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from geoinpaint.io import MANIFEST, ids_digest, read_ids_csv, sha256_file
from geoinpaint.metrics import set_metrics_path

RECORD_KEYS = ("task", "n_images", "testset", "testset_manifest_sha256", "ids_sha256")


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found; run `geoinpaint evaluate` first")
    try:
        return read_ids_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a readable {what} ({err})") from err


def _read_record(csv: Path) -> dict[str, Any]:
    path = set_metrics_path(csv)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: set record of {csv} not found; rerun `geoinpaint evaluate`"
        )
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a readable set record ({err})") from err
    missing = [k for k in RECORD_KEYS if k not in record]
    if missing:
        raise ValueError(
            f"{path} lacks {missing}: written by an older geoinpaint or by hand; rerun "
            "`geoinpaint evaluate`"
        )
    return record


def check_metrics(csv: Path, task: str) -> None:
    """Raise naming the file when a per-image metrics CSV does not match its set record, its
    test set or the table's `task`."""
    csv = Path(csv)
    df = _read_csv(csv, "per-image metrics CSV")
    record = _read_record(csv)
    if record["task"] != task:
        raise ValueError(f"{csv} holds {record['task']} metrics, the table is a {task} table")
    if "id" not in df.columns:
        raise ValueError(f"{csv}: no id column; not written by `geoinpaint evaluate`")
    ids = [str(i) for i in df["id"]]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"{csv} lists image(s) {repeated[:5]} more than once")
    if len(df) != record["n_images"] or ids_digest(ids) != record["ids_sha256"]:
        raise ValueError(
            f"{csv} lists {len(df)} images, not the {record['n_images']} of its set record "
            f"{set_metrics_path(csv)} (a truncated or edited file?); rerun `geoinpaint evaluate`"
        )
    manifest_path = Path(record["testset"]) / MANIFEST
    manifest = _read_csv(manifest_path, "test-set manifest")
    expected = [str(i) for i in manifest["id"]]
    if sorted(ids) != sorted(expected):
        missing, extra = sorted(set(expected) - set(ids)), sorted(set(ids) - set(expected))
        raise ValueError(
            f"{csv} does not list every image of {manifest_path} exactly once "
            f"(missing {missing[:5]}, not in the test set {extra[:5]})"
        )
    if sha256_file(manifest_path) != record["testset_manifest_sha256"]:
        raise ValueError(
            f"{csv} was scored on an earlier version of {manifest_path}; rerun `geoinpaint "
            "evaluate`"
        )


def check_table_inputs(layout: dict[str, Any]) -> None:
    """`check_metrics` for every file of every row, block and seed of a table layout."""
    for row in layout["rows"]:
        for files in row["cells"]:
            for f in files:
                check_metrics(Path(f), layout["task"])
