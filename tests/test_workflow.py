"""End-to-end: the real Snakemake workflow, run in a temporary copy of the project."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from geoinpaint.metrics.weights import BY_NAME, problem
from workflow_run import run_ok, snakemake, workflow_copy

ALEX = "alexnet-owt-7be5be79.pth"


def results(where: Path) -> Path:
    """The task-driven paper's results of the run in `where` (one run name per folder)."""
    (run,) = [p.name for p in (where / "results").iterdir() if p.is_dir()]
    return where / "results" / run / "task_driven"


def figures(where: Path) -> Path:
    return Path(str(results(where)).replace("/results/", "/paper_figures/"))


def implemented(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of methods that exist (rows of methods not implemented yet say so)."""
    missing = table["notes"].fillna("").str.contains("is not implemented yet")
    return table[~missing]


def check_rows(table: pd.DataFrame, methods: list[str], trained: list[str]) -> None:
    """The references first, then the classical `methods`, and the `trained` rows in order
    (a config with every method has the deep baselines between them); every trained row is
    traced to its checkpoint and names its CPU variant."""
    rows = list(table.index)
    assert rows[: 2 + len(methods)] == ["Clean Testing", "Occluded Testing", *methods], rows
    assert [r for r in rows if r in trained] == trained, rows
    for m in rows:
        if m in trained or str(table.loc[m, "model_provenance"]) not in ("", "nan"):
            assert "checkpoint: " in table.loc[m, "model_provenance"], m
            assert "CPU variant (" in table.loc[m, "model_notes"], m


def check_table_i(where: Path, methods: list[str], trained: list[str]) -> pd.DataFrame:
    table = implemented(pd.read_csv(results(where) / "table_I.csv")).set_index("method")
    check_rows(table, methods, trained)
    assert table.loc["Clean Testing", "Accuracy"] > table.loc["Occluded Testing", "Accuracy"]
    for m in methods:
        assert table.loc[m, "PSNR"] > table.loc["Occluded Testing", "PSNR"]
        assert table.loc[m, "MSE"] < table.loc["Occluded Testing", "MSE"]
    assert table["BRISQUE (LIVE-SVR)"].notna().all(), "BRISQUE (LIVE-SVR) needs no download"
    ext = implemented(pd.read_csv(results(where) / "table_I_extended.csv")).set_index("method")
    assert (ext["PSNR (hole)"].drop("Clean Testing") < ext["PSNR"].drop("Clean Testing")).all()
    missing = [problem(BY_NAME[f]) for f in ("pt_inception-2015-12-05-6726825d.pth", ALEX)]
    if all(missing):  # no weights here: never a number, always the missing file named
        assert ext[["FID", "KID", "LPIPS (AlexNet)"]].isna().all().all()
        notes = ext.loc["Occluded Testing", "notes"]
        assert "pt_inception-2015-12-05-6726825d.pth" in notes and ALEX in notes
        assert "n/a" in (results(where) / "table_I_extended.md").read_text()
    assert all((results(where) / f"table_I.{ext}").is_file() for ext in ("md", "tex"))
    for fig in (*PAPER_FIGURES, *TASK_FIGURES):
        assert (figures(where) / f"{fig}.png").stat().st_size > 0
    maskmix = pd.read_csv(results(where) / "maskmix_stats.csv")
    assert maskmix["binary"].all() and (maskmix["iou_with_seed"] < 1).mean() > 0.7
    for maskset in MASKSETS:
        assert list((where / "data").glob(f"*/*/masks/{maskset}/manifest.csv")), maskset
    return table


MASKSETS = ("cloud", "irregular", "train_cloud_seed0", "train_irregular_seed0")
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
    where: Path,
    methods: list[str],
    trained: list[str],
    score: dict[str, str],
    trained_beat_occluded: bool = True,
) -> dict:
    """Tables I-III: the paper's columns and rows, the frozen network hurt by occlusion (its
    `score` column), every method above the occluded input's PSNR (the trained ones unless
    `trained_beat_occluded` is off), each trained row traced to its
    checkpoint and its CPU generator named; returns the tables."""
    tables = {}
    for table, columns in TASK_COLUMNS.items():
        t = implemented(pd.read_csv(results(where) / f"table_{table}.csv")).set_index("method")
        check_rows(t, methods, trained)
        assert list(t.columns[: len(QUALITY) + len(columns)]) == QUALITY + columns, table
        assert t[columns].notna().all().all(), f"table {table}: {t['notes'].tolist()}"
        clean, occluded = t.loc["Clean Testing"], t.loc["Occluded Testing"]
        assert clean[score[table]] > occluded[score[table]], (table, t[columns])
        for m in (*methods, *(trained if trained_beat_occluded else ())):
            assert t.loc[m, "PSNR"] > occluded["PSNR"], (table, m)
        for m in trained:
            assert "CPU variant (encoder=resnet-small" in t.loc[m, "model_notes"], (table, m)
        ext = list(pd.read_csv(results(where) / f"table_{table}_extended.csv").columns)
        assert ext[ext.index("KID") + 1 :][: len(columns)] == columns, table
        for ext_ in ("md", "tex"):
            assert (results(where) / f"table_{table}.{ext_}").is_file()
        tables[table] = t
    return tables


def test_dry_run_lists_every_job(tmp_path):
    out = run_ok(workflow_copy(tmp_path), "-n")
    for rule in ("prepare", "testset", "train_task", "inpaint", "evaluate", "table", "figure"):
        assert rule in out
    assert "results/embedded/task_driven/table_III.csv" in out


def test_lint_advises_nothing_but_a_conda_environment_per_rule(tmp_path):
    """common.smk says why no rule names a conda environment; every other lint is a finding."""
    proc = snakemake(workflow_copy(tmp_path), "--lint")  # exits 1 whenever it advises anything
    out = proc.stdout + proc.stderr
    advice = {line.strip() for line in out.splitlines() if line.strip().startswith("* ")}
    assert advice == {"* Specify a conda environment or container for each rule.:"}, out[-4000:]


def test_paper_config_is_valid_and_plans_every_table_at_paper_scale(tmp_path):
    where = workflow_copy(tmp_path)
    paper = yaml.safe_load((where / "config" / "paper.yaml").read_text())
    for role, d in paper["datasets"].items():  # a dry run only checks that the roots exist
        d["root"] = str(tmp_path / role)
        (tmp_path / role).mkdir()
    (where / "config" / "paper.yaml").write_text(yaml.safe_dump(paper))
    out = run_ok(where, "-n", "--configfile", "config/paper.yaml")
    assert "train_inpainting" in out and "table_VIII" in out and "table_H" in out
    assert "--arch vgg16" in out and "--arch lpn " in out and "--arch hrnet-w18 " in out
    jobs = "\n".join(line for line in out.splitlines() if "geoinpaint claims" not in line)
    assert "resnet-small" not in jobs and '"epochs"' not in jobs  # each method's paper schedule
    assert "--dataset rsscn7 --task classification --size 256" in out
    assert "--dataset loveda --task segmentation --size 512" in out


def test_seeds_from_the_command_line_keep_their_runs_apart(tmp_path):
    out = run_ok(workflow_copy(tmp_path), "-n", "--config", "seeds=[0,1]")
    for seed in (0, 1):
        assert f"runs/embedded/rsscn7/seed{seed}/train_cloud/proposed.pt" in out
        assert f"runs/embedded/rsscn7/cloud/seed{seed}/metrics" in out


def test_config_typo_fails_before_any_job_naming_the_key(tmp_path):
    where = workflow_copy(tmp_path)
    proc = snakemake(where, "-n", "--config", "seeed=1")
    assert proc.returncode != 0 and "seeed" in proc.stdout + proc.stderr
    assert not (where / "data").exists()


METHODS = ["Telea", "Navier-Stokes", "Biharmonic"]
# The task score that must drop under occlusion, per table (the least noisy one for Table II).
SCORE = {"I": "Accuracy", "II": "AP", "III": "mIoU"}
ABLATIONS = ("IV", "V", "VI", "VII", "VIII", "H")
RESULTS = [
    *(
        f"table_{t}{v}{s}.csv"
        for t in TASK_COLUMNS
        for v in ("", "_extended")
        for s in ("", "_seeds")
    ),
    *(f"table_{t}{s}.csv" for t in ABLATIONS for s in ("", "_seeds")),
    "maskmix_stats.csv",
    "runtime.csv",
]


def check_ablation_tables(where: Path) -> dict[str, pd.DataFrame]:
    """Tables IV-VIII and H: the paper's columns, every value computed, one row per setting."""
    tables = {}
    for name in ABLATIONS:
        t = pd.read_csv(results(where) / f"table_{name}.csv").set_index("method")
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
    # one epoch on 28 images of 32x32: the smoke model's PSNR is not a claim (the embedded is)
    check_task_tables(a, METHODS, ["Proposed"], SCORE, trained_beat_occluded=False)
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
    assert sorted(p.name for p in results(a).glob("*.csv")) == sorted(RESULTS)
    runtime = pd.read_csv(results(a) / "runtime.csv")
    assert list(runtime["size"]) == [32, 64] and (runtime["seconds_per_image"] > 0).all()
    claims = pd.read_csv(a / "results" / "smoke" / "claims.csv")
    assert claims["verdict"].isin(["supported", "contradicted", "inconclusive", "not tested"]).all()
    assert claims.loc[claims["verdict"] == "not tested", "reason"].notna().all()
    assert (a / "paper_figures" / "smoke" / "claims_forest.png").is_file()
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
    # well above chance (7 classes; a gallery of n aerial images; 7 LoveDA classes)
    gallery = int(clean["II"]["n_images"])
    assert clean["I"]["Accuracy"] > 75, "the classifier must be well above chance (14 %)"
    assert clean["II"]["Recall@10"] > 5 * 100 * 10 / gallery, f"chance: {1000 / gallery:.1f} %"
    assert clean["III"]["mIoU"] > 0.4
    # and clearly hurt by occlusion: the claims report's paired test of Occluded against Clean
    # Testing on the same images (McNemar for accuracy, bootstrap otherwise), one per task, each
    # significant at 5 % (its own p, not the Holm-adjusted one of the report's hundred claims)
    claims = pd.read_csv(results(where).parent / "claims.csv").set_index("id")
    for claim in ("accuracy", "recall1", "ap", "miou"):
        row = claims.loc[f"occlusion-lowers-{claim}"]
        assert row["effect"] < 0 and row["p"] < 0.05, (claim, row[["effect", "p", "n_images"]])
    check_igll_tables(where)


def check_igll_tables(where: Path) -> None:
    """IGLL's Tables 2 and 4 scored for every implemented row (PSNR and MS-SSIM on 3 scales
    at 64x64; the 5-scale MS-SSIM needs >= 161 px and says so), Table 3 costed for every row."""
    igll = results(where).parent / "igll"
    for name in ("2", "4"):
        t = implemented(pd.read_csv(igll / f"table_{name}.csv")).set_index("method")
        assert len(t) >= 5, (name, list(t.index))
        scored = [c for c in t.columns if c.split("| ")[-1] in ("PSNR", "MS-SSIM (3 scales)")]
        assert scored and t[scored].notna().all().all(), (name, t["notes"].tolist())
    cost = pd.read_csv(igll / "table_3.csv").set_index("method")
    assert (cost["Params (M)"] > 0).all() and (cost["GMACs (thop)"] > 0).all()
