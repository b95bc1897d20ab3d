"""End-to-end: the real Snakemake workflow, run in a temporary copy of the project."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geoinpaint.metrics.weights import BY_NAME, problem
from geoinpaint.provenance import TIME_FIELDS
from workflow_run import run_ok, snakemake, workflow_copy

ALEX = "alexnet-owt-7be5be79.pth"


def check_table_i(where: Path, methods: list[str]) -> pd.DataFrame:
    table = pd.read_csv(where / "results" / "table_I.csv").set_index("method")
    assert list(table.index) == ["Clean Testing", "Occluded Testing", *methods]
    assert table.loc["Clean Testing", "Accuracy"] > table.loc["Occluded Testing", "Accuracy"]
    for m in methods:
        assert table.loc[m, "PSNR"] > table.loc["Occluded Testing", "PSNR"]
        assert table.loc[m, "MSE"] < table.loc["Occluded Testing", "MSE"]
    assert table["BRISQUE (LIVE-SVR)"].notna().all(), "BRISQUE (LIVE-SVR) needs no download"
    ext = pd.read_csv(where / "results" / "table_I_extended.csv").set_index("method")
    assert (ext["PSNR (hole)"].drop("Clean Testing") < ext["PSNR"].drop("Clean Testing")).all()
    missing = [problem(BY_NAME[f]) for f in ("pt_inception-2015-12-05-6726825d.pth", ALEX)]
    if all(missing):  # no weights here: never a number, always the missing file named
        assert ext[["FID", "KID", "LPIPS (AlexNet)"]].isna().all().all()
        notes = ext.loc["Occluded Testing", "notes"]
        assert "pt_inception-2015-12-05-6726825d.pth" in notes and ALEX in notes
        assert "n/a" in (where / "results" / "table_I_extended.md").read_text()
    assert all((where / "results" / f"table_I.{ext}").is_file() for ext in ("md", "tex"))
    for fig in ("fig6_qualitative_scene_recognition", "fig4_fig10_maskmix_augmix", "fig5_datasets"):
        assert (where / "paper_figures" / f"{fig}.png").stat().st_size > 0
    maskmix = pd.read_csv(where / "results" / "maskmix_stats.csv")
    assert maskmix["binary"].all() and (maskmix["iou_with_seed"] < 1).mean() > 0.7
    for maskset in ("cloud", "irregular", "concentrated_10", "concentrated_25", "concentrated_77"):
        assert list((where / "data").glob(f"*/masks/{maskset}/manifest.csv")), maskset
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
def test_smoke_workflow_is_complete_deterministic_and_idempotent(smoke_run, tmp_path):
    a = smoke_run
    b = workflow_copy(tmp_path / "b")
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
