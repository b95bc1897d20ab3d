"""End-to-end: the real Snakemake workflow, run in a temporary copy of the project."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geoinpaint.metrics.weights import BY_NAME, problem
from workflow_run import run_ok, snakemake, workflow_copy

ALEX = "alexnet-owt-7be5be79.pth"


def check_table_i(where: Path, methods: list[str], trained: list[str]) -> pd.DataFrame:
    table = pd.read_csv(where / "results" / "table_I.csv").set_index("method")
    assert list(table.index) == ["Clean Testing", "Occluded Testing", *methods, *trained]
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
    for fig in (*PAPER_FIGURES, *TASK_FIGURES):
        assert (where / "paper_figures" / f"{fig}.png").stat().st_size > 0
    maskmix = pd.read_csv(where / "results" / "maskmix_stats.csv")
    assert maskmix["binary"].all() and (maskmix["iou_with_seed"] < 1).mean() > 0.7
    for maskset in MASKSETS:
        assert list((where / "data").glob(f"*/masks/{maskset}/manifest.csv")), maskset
    return table


MASKSETS = (
    "cloud",
    "irregular",
    "concentrated_10",
    "concentrated_25",
    "concentrated_77",
    "train_cloud",
    "train_irregular",
)
PAPER_FIGURES = (
    "fig4_fig10_maskmix_augmix",
    "fig5_datasets",
    "fig6_qualitative_scene_recognition",
    "fig7_qualitative_crossview",
    "fig8_qualitative_segmentation",
    "fig9_coarse_refined",
    "lambda_tradeoff",
)
TASK_FIGURES = (
    "task_classification_confusion",
    "task_crossview_retrieval",
    "task_segmentation_overlay",
)
# Table -> its task columns (all higher is better), in the paper's order.
TASK_COLUMNS = {
    "I": ["Accuracy"],
    "II": ["Recall@1", "Recall@5", "Recall@10", "Recall@top1%", "AP"],
    "III": ["mIoU"],
}
QUALITY = ["PSNR", "SSIM", "MSE", "BRISQUE (LIVE-SVR)"]


def check_task_tables(
    where: Path, methods: list[str], trained: list[str], score: dict[str, str]
) -> dict:
    """Tables I-III: the paper's columns and rows, the frozen network hurt by occlusion (its
    `score` column), every method above the occluded input's PSNR, each trained row traced to its
    checkpoint and its CPU generator named; returns the tables."""
    tables = {}
    for table, columns in TASK_COLUMNS.items():
        t = pd.read_csv(where / "results" / f"table_{table}.csv").set_index("method")
        assert list(t.index) == ["Clean Testing", "Occluded Testing", *methods, *trained], table
        assert list(t.columns[: len(QUALITY) + len(columns)]) == QUALITY + columns, table
        assert t[columns].notna().all().all(), f"table {table}: {t['notes'].tolist()}"
        clean, occluded = t.loc["Clean Testing"], t.loc["Occluded Testing"]
        assert clean[score[table]] > occluded[score[table]], (table, t[columns])
        for m in (*methods, *trained):
            assert t.loc[m, "PSNR"] > occluded["PSNR"], (table, m)
        for m in trained:
            assert "checkpoint: " in t.loc[m, "model_provenance"], (table, m)
            assert "resnet-small (CPU variant)" in t.loc[m, "model_notes"], (table, m)
        ext = list(pd.read_csv(where / "results" / f"table_{table}_extended.csv").columns)
        assert ext[ext.index("KID") + 1 :][: len(columns)] == columns, table
        for ext_ in ("md", "tex"):
            assert (where / "results" / f"table_{table}.{ext_}").is_file()
        tables[table] = t
    return tables


def test_dry_run_lists_every_job(tmp_path):
    out = run_ok(workflow_copy(tmp_path), "-n")
    for rule in ("synth", "testset", "train_task", "inpaint", "evaluate_crossview", "table_III"):
        assert rule in out


def test_paper_config_is_valid_and_plans_every_table_at_paper_scale(tmp_path):
    out = run_ok(workflow_copy(tmp_path), "-n", "--configfile", "config/paper.yaml")
    assert "train_inpainting" in out and "table_VIII" in out and "table_H" in out
    assert "--arch vgg16" in out and '"encoder": "resnet34"' in out and '"epochs": 101' in out
    assert "--size 256" in out and "geoinpaint import --dataset rsscn7" in out


def test_config_typo_fails_before_any_job_naming_the_key(tmp_path):
    where = workflow_copy(tmp_path)
    proc = snakemake(where, "-n", "--config", "seeed=1")
    assert proc.returncode != 0 and "seeed" in proc.stdout + proc.stderr
    assert not (where / "data").exists()


METHODS = ["telea", "navier-stokes", "biharmonic"]
# The task score that must drop under occlusion, per table (the least noisy one for Table II).
SCORE = {"I": "Accuracy", "II": "AP", "III": "mIoU"}
ABLATIONS = ("IV", "V", "VI", "VII", "VIII", "H")
RESULTS = [
    *(f"table_{t}{v}.csv" for t in TASK_COLUMNS for v in ("", "_extended")),
    *(f"table_{t}.csv" for t in ABLATIONS),
    "maskmix_stats.csv",
    "runtime.csv",
]


def check_ablation_tables(where: Path) -> dict[str, pd.DataFrame]:
    """Tables IV-VIII and H: the paper's columns, every value computed, one row per setting."""
    tables = {}
    for name in ABLATIONS:
        t = pd.read_csv(where / "results" / f"table_{name}.csv").set_index("method")
        assert list(t.columns[:5]) == [*QUALITY, "Accuracy"], name
        assert t[[*QUALITY, "Accuracy"]].notna().all().all(), (name, t["notes"].tolist())
        tables[name] = t
    return tables


@pytest.mark.slow
def test_smoke_workflow_is_complete_and_idempotent(smoke_run):
    """Determinism (same config and seed twice, same CSVs) is checked against the same
    workflow run through SLURM: tests/test_slurm.py."""
    a = smoke_run
    table = check_table_i(a, METHODS, ["Proposed"])
    check_task_tables(a, METHODS, ["Proposed"], SCORE)
    ablations = check_ablation_tables(a)
    # one-value grids: each ablation row is the Proposed model of Table I, scored once (Section
    # H's coarse-only row is that model's other output)
    proposed = table.loc["Proposed", "Accuracy"]
    for name, t in ablations.items():
        assert t.drop(index="Coarse-only", errors="ignore")["Accuracy"].eq(proposed).all(), name
    assert list(ablations["H"].index) == ["Coarse-only", "Coarse-to-fine"]
    assert (table["n_images"] == 28).all()
    for col in ("config_hash", "seed", "git_commit", "versions"):
        assert table[col].notna().all()
    assert sorted(p.name for p in (a / "results").glob("*.csv")) == sorted(RESULTS)
    runtime = pd.read_csv(a / "results" / "runtime.csv")
    assert list(runtime["size"]) == [32, 64] and (runtime["seconds_per_image"] > 0).all()
    again = run_ok(a, "--configfile", "config/smoke.yaml")
    assert "Nothing to be done" in again


TRAINED = ["Proposed_b", "Proposed-", "Proposed"]


@pytest.mark.slow
def test_embedded_default_workflow_reproduces_the_pattern_of_tables_i_to_iii(embedded_run):
    where = embedded_run
    check_table_i(where, METHODS, TRAINED)
    tables = check_task_tables(where, METHODS, TRAINED, SCORE)
    ablations = check_ablation_tables(where)
    assert len(ablations["V"]) == 9 and len(ablations["IV"]) == 4
    clean = {t: tables[t].loc["Clean Testing"] for t in tables}
    occluded = {t: tables[t].loc["Occluded Testing"] for t in tables}
    # well above chance (7 classes; a gallery of 210 aerial images; 7 LoveDA classes)
    assert clean["I"]["Accuracy"] > 75, "the classifier must be well above chance (14 %)"
    assert clean["II"]["Recall@10"] > 5 * 100 * 10 / 210, "Recall@10 by chance: 4.8 %"
    assert clean["III"]["mIoU"] > 0.4
    # and clearly hurt by occlusion
    for t, column in SCORE.items():
        assert occluded[t][column] < 0.85 * clean[t][column], (t, column)
