"""Image ids are names: CVUSA's "0000001" must not come back from a CSV as the number 1 (a table
would then refuse its own metrics as "a truncated or edited file")."""

from __future__ import annotations

import json

import pandas as pd

from geoinpaint.io import MANIFEST, ids_digest, read_manifest, sha256_file
from geoinpaint.metrics import set_metrics_path
from geoinpaint.reporting.columns import COLUMNS
from geoinpaint.reporting.inputs import check_metrics
from geoinpaint.reporting.samples import load_sample

IDS = ["0000001", "0000010", "0044412"]


def _scored(tmp_path, name: str, correct: list[bool]):
    testset = tmp_path / "testset"
    testset.mkdir(exist_ok=True)
    pd.DataFrame({"id": IDS, "label": [0, 1, 2]}).to_csv(testset / MANIFEST, index=False)
    path = tmp_path / f"{name}.csv"
    pd.DataFrame({"id": IDS, "correct": correct, "psnr": [20.0, 21.0, 22.0]}).to_csv(
        path, index=False
    )
    record = {
        "task": "classification",
        "n_images": len(IDS),
        "testset": str(testset),
        "testset_manifest_sha256": sha256_file(testset / MANIFEST),
        "ids_sha256": ids_digest(IDS),
        "accuracy": sum(correct) / len(correct),
    }
    set_metrics_path(path).write_text(json.dumps(record))
    return path, testset


def test_zero_padded_ids_survive_the_manifest_the_table_check_and_the_paired_tests(tmp_path):
    a, testset = _scored(tmp_path, "a", [True, True, False])
    b, _ = _scored(tmp_path, "b", [True, False, False])
    assert list(read_manifest(testset, ("id",))["id"]) == IDS
    check_metrics(a, "classification")  # raised "a truncated or edited file?" before
    accuracy = COLUMNS["accuracy"]
    sample = load_sample(accuracy, "method", [str(a)])
    assert list(sample.ids) == IDS
    assert sample.ids == load_sample(accuracy, "method", [str(b)]).ids
