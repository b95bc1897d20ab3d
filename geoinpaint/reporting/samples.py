"""Per-image values of one table row and column over its seeds, for the paired tests.

`load_sample(column, source, files)` reads a row's per-image metrics CSV of each seed (one
block of a table) and returns a `stats.statistics.Sample` whose statistic reproduces the
table's cell: a per-image column's mean (accuracy as 0/1 `correct`), Recall@K and AP from each
query's `rank`, mIoU from each image's class counts (`tasks.scoring`). What cannot be tested
raises `NotTestable` with the reason: a set statistic without per-image values (FID, KID), a
full-reference metric of the clean images, a value not computed (its reason from the set
record). A set value recomputed from per-image values that differs from the stored one is an
error, never a silent substitute.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from geoinpaint.io import read_ids_csv
from geoinpaint.metrics import set_metrics_path
from geoinpaint.reporting.columns import Column
from geoinpaint.stats.statistics import (
    Sample,
    average_precision,
    recall_hits,
    top1_percent_k,
)

RETRIEVAL = ("recall@1", "recall@5", "recall@10", "recall@top1%", "ap")
COUNT_KINDS = ("tp", "true", "pred")  # tasks.scoring's per-image class counts


class NotTestable(Exception):
    """A column of a row that has no per-image values to test; the message says why (without
    naming the column)."""


@functools.lru_cache(maxsize=512)
def _read(path: str) -> tuple[pd.DataFrame, dict]:
    per_image = read_ids_csv(path)
    record_path = set_metrics_path(path)
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    return per_image.sort_values("id", kind="stable").reset_index(drop=True), record


def _unavailable(col: Column, record: dict, fallback: str) -> str:
    return record.get("unavailable", {}).get(col.source) or fallback


def _retrieval(col: Column, per_image: pd.DataFrame, record: dict) -> np.ndarray:
    if "rank" not in per_image:
        raise NotTestable("no per-query rank stored")
    rank = per_image["rank"].to_numpy(np.float64)
    if col.source == "ap":
        return average_precision(rank)
    if col.source == "recall@top1%":
        if "gallery_size" not in record:
            raise NotTestable("the set record has no gallery_size")
        return recall_hits(rank, top1_percent_k(int(record["gallery_size"])))
    return recall_hits(rank, int(col.source.split("@")[1]))


def _counts(col: Column, per_image: pd.DataFrame, path: str) -> np.ndarray:
    from geoinpaint.metrics.segmentation import LOVEDA_CLASSES

    names = [[f"{k}_{c}" for c in LOVEDA_CLASSES] for k in COUNT_KINDS]
    missing = [n for group in names for n in group if n not in per_image]
    if missing:
        raise NotTestable(
            f"{path} has no per-image class counts ({missing[0]}, ...): it was "
            "scored before they were stored; rerun its evaluate job"
        )
    return np.stack([per_image[group].to_numpy(np.float64) for group in names], axis=1)


def _values(col: Column, source: str, path: str) -> tuple[np.ndarray, pd.Series, dict]:
    per_image, record = _read(path)
    if source == "clean" and col.full_reference:
        raise NotTestable("not applicable to the clean images")
    if col.source == "miou":
        return _counts(col, per_image, path), per_image["id"], record
    if col.source in RETRIEVAL:
        return _retrieval(col, per_image, record), per_image["id"], record
    if col.set_value:
        raise NotTestable("a set statistic without per-image values")
    if col.source not in per_image:
        raise NotTestable(_unavailable(col, record, f"no per-image column {col.source!r}"))
    values = per_image[col.source].astype(np.float64).to_numpy()
    if np.isnan(values).all():
        raise NotTestable(_unavailable(col, record, "no image has a value"))
    return values, per_image["id"], record


def _check_set_value(col: Column, sample: Sample, records: list[dict], files: list[str]) -> None:
    """A set value recomputed from per-image values must be the stored one."""
    for k, (record, path) in enumerate(zip(records, files, strict=True)):
        stored = record.get(col.source)
        if stored is None:
            raise NotTestable(_unavailable(col, record, f"not in {path}'s record"))
        ours = float(sample.per_seed()[k])
        if not math.isclose(ours, float(stored) * col.scale, rel_tol=1e-6, abs_tol=1e-9):
            raise ValueError(
                f"{path}: {col.header} from per-image values is {ours}, the set record says "
                f"{stored}: the per-image file and its record disagree"
            )


def load_sample(col: Column, source: str, files: list[str]) -> Sample:
    """The row's `Sample` of `col` over its seeds' per-image files (one per seed)."""
    if not files:
        raise NotTestable("no metrics files (the row has no outputs in this run)")
    values, ids, records = [], None, []
    for path in map(str, files):
        v, row_ids, record = _values(col, source, path)
        if ids is None:
            ids = tuple(row_ids)
        elif tuple(row_ids) != ids:
            raise ValueError(f"{path}: its images differ from the other seeds' ({files[0]})")
        values.append(v)
        records.append(record)
    kind = "miou" if col.source == "miou" else "binary" if col.source == "correct" else "mean"
    scale = 100.0 if col.source in RETRIEVAL else col.scale
    sample = Sample(np.stack(values), kind, scale, ids or ())
    if col.set_value:
        _check_set_value(col, sample, records, [str(f) for f in files])
    return sample


def same_files(a: list[str], b: list[str]) -> bool:
    """Whether two rows read the same per-image files (one model shared by both rows)."""
    return [str(Path(f)) for f in a] == [str(Path(f)) for f in b]
