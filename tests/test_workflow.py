"""End-to-end: the real Snakemake workflow, run in a temporary copy of the project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from geoinpaint.provenance import TIME_FIELDS

ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def workflow_copy(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", dest)
    for folder in ("config", "workflow"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def snakemake(where: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    return subprocess.run(cmd, cwd=where, env=ENV, capture_output=True, text=True, timeout=timeout)


def run_ok(where: Path, *args: str) -> str:
    proc = snakemake(where, *args)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def check_table_i(where: Path, methods: list[str]) -> pd.DataFrame:
    table = pd.read_csv(where / "results" / "table_I.csv").set_index("method")
    assert list(table.index) == ["Clean Testing", "Occluded Testing", *methods]
    assert table.loc["Clean Testing", "Accuracy"] > table.loc["Occluded Testing", "Accuracy"]
    for m in methods:
        assert table.loc[m, "PSNR"] > table.loc["Occluded Testing", "PSNR"]
        assert table.loc[m, "MSE"] < table.loc["Occluded Testing", "MSE"]
    assert table["BRISQUE"].isna().all(), "BRISQUE is not computed yet: it must not show a number"
    assert all((where / "results" / f"table_I.{ext}").is_file() for ext in ("md", "tex"))
    assert (where / "paper_figures" / "fig6_qualitative_scene_recognition.png").stat().st_size > 0
    return table


def test_dry_run_lists_every_job(tmp_path):
    out = run_ok(workflow_copy(tmp_path), "-n")
    for rule in ("synth", "testset", "train_classifier", "inpaint", "evaluate", "table_I"):
        assert rule in out


def test_config_typo_fails_before_any_job_naming_the_key(tmp_path):
    where = workflow_copy(tmp_path)
    proc = snakemake(where, "-n", "--config", "seeed=1")
    assert proc.returncode != 0 and "seeed" in proc.stdout + proc.stderr
    assert not (where / "data").exists()


@pytest.mark.slow
def test_smoke_workflow_is_complete_deterministic_and_idempotent(tmp_path):
    a = workflow_copy(tmp_path / "a")
    b = workflow_copy(tmp_path / "b")
    run_ok(a, "--configfile", "config/smoke.yaml")
    run_ok(b, "--configfile", "config/smoke.yaml")
    table = check_table_i(a, ["telea", "navier-stokes", "biharmonic"])
    assert (table["n_images"] == 28).all()
    for col in ("config_hash", "seed", "git_commit", "versions"):
        assert table[col].notna().all()
    csv_a = pd.read_csv(a / "results" / "table_I.csv").drop(columns=list(TIME_FIELDS))
    csv_b = pd.read_csv(b / "results" / "table_I.csv").drop(columns=list(TIME_FIELDS))
    pd.testing.assert_frame_equal(csv_a, csv_b)
    again = run_ok(a, "--configfile", "config/smoke.yaml")
    assert "Nothing to be done" in again


@pytest.mark.slow
def test_embedded_default_workflow_reproduces_table_i_pattern(tmp_path):
    where = workflow_copy(tmp_path)
    run_ok(where)
    table = check_table_i(where, ["telea", "navier-stokes", "biharmonic"])
    assert table.loc["Clean Testing", "Accuracy"] > 80, "the classifier must be well above chance"
