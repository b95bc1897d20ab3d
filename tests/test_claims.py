"""The claims report and the tables over seeds, on a small synthetic plan: per-image files with
known differences written where the plan expects them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from geoinpaint.cli import main
from geoinpaint.experiments.entities import Output, Plan, Role, TablePlan, TableRow
from geoinpaint.experiments.layout import table_layout
from geoinpaint.experiments.papers import PaperSpec, TableSpec, claim_specs
from geoinpaint.reporting.claims import evaluate_claims, to_markdown
from geoinpaint.reporting.forest import forest_plot
from geoinpaint.reporting.seeds import HALF, build_seeds_table
from geoinpaint.reporting.seeds import to_markdown as seeds_markdown

SEEDS = [0, 1, 2]
N = 120
BLOCK = ("rsscn7", "cloud")
# row label -> (source, file key, accuracy, PSNR shift); "Same" reads Good's files (one model)
ROWS = {
    "Clean Testing": ("clean", "clean", 0.95, 0.0),
    "Occluded Testing": ("occluded", "occluded", 0.60, 0.0),
    "Good": ("method", "good", 0.90, 2.0),
    "Twin": ("method", "twin", 0.90, 2.0),
    "Bad": ("method", "bad", 0.40, -3.0),
    "Same": ("method", "good", 0.90, 2.0),
}
CLAIMS = [
    {"id": "occlusion", "table": "I", "column": "accuracy", "a": "Occluded Testing",
     "b": "Clean Testing", "direction": "less", "words": "occlusion hurts", "where": "Sec. E"},
    {"id": "recovers", "table": "I", "column": "accuracy", "a": "*", "b": "Occluded Testing",
     "direction": "greater", "words": "each method helps", "where": "Sec. E"},
    {"id": "twins", "table": "I", "column": "psnr", "a": "Twin", "b": "Good",
     "direction": "equivalent", "margin": 1.0},
    {"id": "same", "table": "I", "column": "psnr", "a": "Same", "b": "Good",
     "direction": "equivalent", "margin": 1.0},
    {"id": "psnr-good-bad", "table": "I", "column": "psnr", "a": "G*d", "b": "Bad",
     "direction": "greater"},
    {"id": "no-table", "table": "IX", "column": "psnr", "a": "Good", "b": "Bad",
     "direction": "greater"},
    {"id": "no-row", "table": "I", "column": "psnr", "a": "Better", "b": "Bad",
     "direction": "greater"},
    {"id": "fid", "table": "I", "column": "fid", "a": "Good", "b": "Bad", "direction": "less"},
]  # fmt: skip


def _write(path: Path, seed: int, accuracy: float, shift: float, source: str) -> None:
    rng = np.random.default_rng([seed, *path.stem.encode()])
    image = np.random.default_rng(0).normal(20, 2, N)  # the same images in every seed
    psnr = image + shift + rng.normal(0, 0.5, N)
    df = pd.DataFrame(
        {
            "id": [f"{i:04d}" for i in range(N)],
            "correct": rng.random(N) < accuracy,
            "psnr": np.nan if source == "clean" else psnr,
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    record = {"n_images": N, "fid": 10.0, "unavailable": {}}
    path.with_name(path.stem + ".set.json").write_text(json.dumps(record))


@pytest.fixture
def plan(tmp_path, monkeypatch) -> Plan:
    monkeypatch.chdir(tmp_path)
    spec = TableSpec("p", "I", "A table", "classification", columns=("psnr", "accuracy", "fid"))
    rows = []
    for label, (source, key, accuracy, shift) in ROWS.items():
        method = key if source == "method" else ""
        outputs = {k: Output(*BLOCK, k, key, source, method) for k in SEEDS}
        rows.append(TableRow(label, method, source, {BLOCK: outputs}))
        for k, out in outputs.items():
            if label != "Same":
                _write(
                    Path(f"runs/t/rsscn7/cloud/seed{k}/metrics/{out.key}.csv"),
                    k,
                    accuracy,
                    shift,
                    source,
                )
    roles = {"rsscn7": Role("rsscn7", "synthetic", "classification", 32)}
    papers = {"p": PaperSpec("p", "Paper", {"I": spec}, {}, claim_specs(CLAIMS, "p", "test"))}
    return Plan("t", SEEDS, roles, {}, {}, {}, papers, {("p", "I"): TablePlan(spec, [BLOCK], rows)})


def test_claims_report_gives_each_claim_its_verdict_or_the_reason_it_is_untested(plan, tmp_path):
    df = evaluate_claims(plan, n_boot=999).set_index("id")
    assert df.loc["occlusion", "verdict"] == "supported"
    assert df.loc["occlusion", "effect"] < 0 and df.loc["occlusion", "ci_high"] < 0
    assert df.loc["recovers:Good", "verdict"] == "supported"
    assert df.loc["recovers:Bad", "verdict"] == "contradicted"
    assert df.loc["twins", "verdict"] == "supported"  # PSNR within ±1 dB: an equivalence
    assert df.loc["psnr-good-bad", "claim"] == "Good > Bad"  # a label pattern
    assert df.loc["psnr-good-bad", "effect"] == pytest.approx(5.0, abs=0.3)
    untested = df[df["verdict"] == "not tested"]["reason"]
    assert "one trained model" in untested["same"]
    assert "Table IX is not among this run's tables" in untested["no-table"]
    assert "no row 'Better'" in untested["no-row"]
    assert "set statistic" in untested["fid"]
    tested = df[df["verdict"] != "not tested"]
    assert (tested["p_holm"] >= tested["p"]).all() and tested["p_holm"].le(1).all()
    assert tested.loc["occlusion", "test"].startswith("exact McNemar")
    md = to_markdown(df.reset_index(), "t", SEEDS, 999)
    assert "| occlusion: Occluded Testing < Clean Testing | I | Accuracy |" in md
    assert (
        "- Same and Good are one trained model in this run" in md
        and ": same." in md
        and '"occlusion hurts"' in md
    )
    forest_plot(df.reset_index(), tmp_path / "forest.png", "claims")
    assert (tmp_path / "forest.png").stat().st_size > 1000


def test_claims_report_is_deterministic(plan):
    a = evaluate_claims(plan, n_boot=299)
    pd.testing.assert_frame_equal(a, evaluate_claims(plan, n_boot=299))


def test_a_claim_with_a_typo_fails_naming_it():
    bad = [{**CLAIMS[0], "direction": "bigger"}]
    with pytest.raises(ValueError, match="direction 'bigger'"):
        claim_specs(bad, "p", "paper.yaml")
    with pytest.raises(ValueError, match="margin"):
        claim_specs([{**CLAIMS[0], "direction": "equivalent"}], "p", "paper.yaml")
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['colour'\]"):
        claim_specs([{**CLAIMS[0], "colour": "red"}], "p", "paper.yaml")


def test_table_over_seeds_gives_mean_t_interval_and_bold_only_where_a_test_separates(plan):
    layout = table_layout(plan, "p", "I")
    df = build_seeds_table(layout, {"config_hash": "x"}, n_boot=499).set_index("method")
    per_seed = [
        pd.read_csv(f"runs/t/rsscn7/cloud/seed{k}/metrics/good.csv")["psnr"].mean() for k in SEEDS
    ]
    interval = sps.t.interval(0.95, 2, loc=np.mean(per_seed), scale=sps.sem(per_seed))
    assert df.loc["Good", "PSNR"] == pytest.approx(np.mean(per_seed))
    assert df.loc["Good", "PSNR" + HALF] == pytest.approx((interval[1] - interval[0]) / 2)
    assert df.loc["Good", "PSNR n"] == 3 and math.isnan(df.loc["Clean Testing", "PSNR" + HALF])
    # Good, Twin and Same are one level: tied leaders; Bad and the references never lead
    assert df.loc["Good", "leads"] == "PSNR; Accuracy" and df.loc["Twin", "leads"] != ""
    assert df["leads"].fillna("").str.contains("PSNR").sum() == 3
    assert not df.loc[["Bad", "Clean Testing", "Occluded Testing"], "leads"].fillna("").any()
    md = seeds_markdown(df.reset_index(), layout, 499)
    assert " ± " in md and "**" in md and "Not bold: FID" in md


def test_table_seeds_verb_writes_csv_markdown_and_latex(plan, tmp_path):
    out = tmp_path / "results" / "table_I_seeds.csv"
    layout = json.dumps(table_layout(plan, "p", "I"))
    args = ["--layout", layout, "--out", str(out), "--config-hash", "x", "--n-boot", "199"]
    assert main(["table-seeds", *args]) == 0
    assert pd.read_csv(out)["Accuracy n"].eq(3).all()
    assert r"$\pm$" in out.with_suffix(".tex").read_text()
    assert "± " in out.with_suffix(".md").read_text()
