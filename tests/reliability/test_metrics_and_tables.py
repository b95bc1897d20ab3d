"""Scoring and tables: a full disk never truncates a metrics file, and a table is built only
from per-image files that list every image of their test set once and match their set record."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import geoinpaint.atomic as atomic
from geoinpaint.metrics import set_metrics_path

from .helpers import fails_naming, no_temporaries, snapshot

TASK_COLUMNS = {"classification": ["accuracy"], "segmentation": ["miou"]}


@pytest.fixture(scope="module")
def scored(testset: Path, tmp_path_factory) -> Path:
    """The shared 32x32 test set scored without a task network (inpainting-only columns) as
    `occluded.csv` and `clean.csv`, with their set records."""
    from geoinpaint.cli import main

    root = tmp_path_factory.mktemp("scored")
    shutil.copytree(testset, root / "testset")
    argv = ["evaluate", "--task", "inpainting", "--testset", str(root / "testset")]
    for name, folder in (("occluded", "occluded"), ("clean", "gt")):
        argv += [
            "--images",
            str(root / "testset" / folder),
            "--out",
            str(root / f"metrics/{name}.csv"),
        ]
    assert main([*argv, "--device", "cpu"]) == 0
    return root


def layout(csv: Path, task: str = "inpainting") -> str:
    return json.dumps(
        {
            "paper": "p",
            "id": "X",
            "title": "t",
            "task": task,
            "columns": ["psnr", "ssim"],
            "extended": False,
            "blocks": ["b"],
            "rows": [
                {"label": "Occluded", "source": "occluded", "missing": "", "cells": [[str(csv)]]}
            ],
            "excluded": [],
            "seeds": [0],
        }
    )


def table(csv: Path, out: Path, task: str = "inpainting") -> list[object]:
    return ["table", "--layout", layout(csv, task), "--out", out, "--config-hash", "h"]


@pytest.fixture
def run(scored: Path, tmp_path: Path) -> Path:
    shutil.copytree(scored, tmp_path / "run")
    return tmp_path / "run"


def test_a_table_from_intact_metrics_is_built(run, tmp_path):
    from geoinpaint.cli import main

    assert main([str(a) for a in table(run / "metrics" / "occluded.csv", tmp_path / "t.csv")]) == 0


def test_a_truncated_metrics_csv_is_refused_by_the_table(run, tmp_path, caplog):
    csv = run / "metrics" / "occluded.csv"
    text = csv.read_text().splitlines()
    csv.write_text("\n".join(text[:-3]) + "\n")  # what writing in place onto a full disk left
    fails_naming(caplog, table(csv, tmp_path / "t.csv"), csv, "a truncated or edited file")
    assert not (tmp_path / "t.csv").exists()


def test_a_metrics_csv_listing_an_image_twice_is_refused(run, tmp_path, caplog):
    csv = run / "metrics" / "occluded.csv"
    df = pd.read_csv(csv)
    df.iloc[1] = df.iloc[0]
    df.to_csv(csv, index=False)
    fails_naming(caplog, table(csv, tmp_path / "t.csv"), csv, "more than once")


def test_metrics_of_another_task_are_refused(run, tmp_path, caplog):
    csv = run / "metrics" / "occluded.csv"
    fails_naming(caplog, table(csv, tmp_path / "t.csv", "segmentation"), csv, "inpainting metrics")


def test_metrics_of_an_earlier_test_set_are_refused(run, tmp_path, caplog):
    csv = run / "metrics" / "occluded.csv"
    record = json.loads(set_metrics_path(csv).read_text())
    set_metrics_path(csv).write_text(json.dumps({**record, "testset": str(run / "testset")}))
    manifest = run / "testset" / "manifest.csv"
    df = pd.read_csv(manifest)
    df.iloc[:-1].to_csv(manifest, index=False)  # the test set was rebuilt with fewer images
    fails_naming(caplog, table(csv, tmp_path / "t.csv"), csv, "exactly once")


def test_a_missing_or_broken_set_record_is_named(run, tmp_path, caplog):
    csv = run / "metrics" / "occluded.csv"
    set_metrics_path(csv).write_text("{not json")
    fails_naming(caplog, table(csv, tmp_path / "t.csv"), set_metrics_path(csv))
    set_metrics_path(csv).unlink()
    fails_naming(caplog, table(csv, tmp_path / "t.csv"), set_metrics_path(csv), "not found")


def test_a_full_disk_while_scoring_leaves_the_previous_metrics_intact(run, caplog, monkeypatch):

    before = snapshot(run / "metrics")
    real = Path.write_text

    def full(self, text, *args, **kwargs):
        if self.name.startswith(".occluded.csv"):
            real(self, text[: len(text) // 3])  # half written when the disk filled up
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(atomic.Path, "write_text", full)
    argv = ["evaluate", "--task", "inpainting", "--testset", run / "testset"]
    argv += ["--images", run / "testset" / "occluded", "--out", run / "metrics" / "occluded.csv"]
    fails_naming(caplog, [*argv, "--device", "cpu"], run / "metrics" / "occluded.csv", "No space")
    assert snapshot(run / "metrics") == before
    no_temporaries(run)


def test_a_killed_scoring_job_leaves_no_partial_metrics_folder(run, tmp_path, monkeypatch):
    from geoinpaint.cli import main

    calls = []
    real = Path.write_text

    def dies_on_second_file(self, text, *args, **kwargs):
        calls.append(self)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the job is killed while writing its folder
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(atomic.Path, "write_text", dies_on_second_file)
    argv = ["evaluate", "--task", "inpainting", "--testset", run / "testset"]
    argv += ["--images", run / "testset" / "occluded", "--out", "a.csv"]
    argv += ["--images", run / "testset" / "gt", "--out", "b.csv"]
    with pytest.raises(KeyboardInterrupt):
        main([str(a) for a in [*argv, "--into", tmp_path / "metrics", "--device", "cpu"]])
    assert not (tmp_path / "metrics").exists()
    no_temporaries(tmp_path)
