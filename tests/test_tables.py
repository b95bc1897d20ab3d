import json

import pandas as pd
import pytest

from geoinpaint.metrics import set_metrics_path
from geoinpaint.reporting import tables

PAPER_COLUMNS = ["psnr", "ssim", "mse", "brisque_live"]
TASK = {
    "I": ("classification", ["accuracy"]),
    "II": ("crossview", ["recall@1", "recall@5", "recall@10", "recall@top1%", "ap"]),
    "III": ("segmentation", ["miou"]),
    "IV": ("classification", ["accuracy"]),
}


def layout(table: str, rows: dict, blocks: int = 1) -> dict:
    """A one-seed layout of `rows` (label -> metrics CSV), as `experiments.layout` writes it."""
    base = table.removesuffix("_extended")
    task, task_columns = TASK[base]
    labels = {"clean": "Clean Testing", "occluded": "Occluded Testing"}
    return {
        "paper": "task_driven",
        "id": table,
        "title": f"The table {base}",
        "task": task,
        "columns": PAPER_COLUMNS + task_columns,
        "extended": table.endswith("_extended"),
        "blocks": [f"block {b}" for b in range(blocks)],
        "rows": [
            {
                "label": labels.get(key, key),
                "source": key if key in labels else "method",
                "missing": "",
                "cells": [[str(path)]] * blocks,
            }
            for key, path in rows.items()
        ],
        "excluded": [],
        "seeds": [0],
    }


def build_table(table, rows, prov):
    return tables.build_table(layout(table, rows), prov)


def to_markdown(df, table):
    return tables.to_markdown(df)


def to_latex(df, table):
    return tables.to_latex(df)


def write_table(df, table, prefix):
    return tables.write_table(df, df.attrs["layout"], prefix.with_suffix(".csv"))


PROV = {"config_hash": "abc", "seed": 0, "git_commit": "x", "versions": "v", "created_at": "t"}
MISSING_FID = "needs pt_inception-2015-12-05-6726825d.pth (it is not in /hub/checkpoints)"


def _metrics(tmp_path, name, psnr, correct, record=None):
    path = tmp_path / f"{name}.csv"
    pd.DataFrame(
        {
            "psnr": [psnr, psnr],
            "ssim": [0.5, 0.7],
            "mse": [10.0, 30.0],
            "brisque_live_svr": [20.0, 40.0],
            "lpips": [float("nan")] * 2,
            "correct": correct,
        }
    ).to_csv(path, index=False)
    record = record or {
        "n_images": 2,
        "fid": None,
        "kid": None,
        "fid_n_images": None,
        "unavailable": {
            "fid": MISSING_FID,
            "kid": MISSING_FID,
            "fid_n_images": MISSING_FID,
            "lpips": "needs alexnet",
        },
        "weights": {},
    }
    set_metrics_path(path).write_text(json.dumps(record))
    return path


@pytest.fixture
def rows(tmp_path):
    return {
        "clean": _metrics(tmp_path, "clean", float("inf"), [True, True]),
        "occluded": _metrics(tmp_path, "occluded", 12.0, [True, False]),
        "telea": _metrics(tmp_path, "telea", 25.0, [True, False]),
        "biharmonic": _metrics(tmp_path, "biharmonic", 27.0, [False, False]),
    }


@pytest.fixture
def table(rows):
    return build_table("I", rows, PROV)


def test_rows_columns_and_aggregates_follow_the_paper(table):
    assert list(table["method"]) == ["Clean Testing", "Occluded Testing", "telea", "biharmonic"]
    assert list(table.columns[:6]) == [
        "method",
        "PSNR",
        "SSIM",
        "MSE",
        "BRISQUE (LIVE-SVR)",
        "Accuracy",
    ]
    occ = table.iloc[1]
    assert occ["PSNR"] == 12.0 and occ["SSIM"] == pytest.approx(0.6) and occ["MSE"] == 20.0
    assert occ["BRISQUE (LIVE-SVR)"] == 30.0
    assert occ["Accuracy"] == 50.0 and table.iloc[0]["Accuracy"] == 100.0


def test_no_reference_brisque_is_reported_for_the_clean_row_too(table):
    assert table.iloc[0]["BRISQUE (LIVE-SVR)"] == 30.0


def test_clean_row_has_no_image_quality_and_best_method_is_bold(table):
    assert pd.isna(table.iloc[0]["PSNR"])
    md = to_markdown(table, "I")
    assert "| Clean Testing | - | - | - | 30.00 | 100.00 |" in md
    assert "**27.00**" in md and "**50.00**" in md  # best PSNR, best accuracy among methods
    assert r"\textbf{27.00}" in to_latex(table, "I")


def test_unavailable_set_metric_is_empty_with_the_run_time_reason_never_a_number(rows):
    ext = build_table("I_extended", rows, PROV)
    assert ext["FID"].isna().all() and ext["LPIPS (AlexNet)"].isna().all()
    assert ext.iloc[1]["notes"].count("pt_inception-2015-12-05-6726825d.pth") == 3
    md = to_markdown(ext, "I_extended")
    occ = next(line for line in md.splitlines() if line.startswith("| Occluded Testing"))
    assert "| n/a | n/a | n/a | n/a | 50.00 |" in occ  # LPIPS, FID, FID images, KID, Accuracy
    assert f"n/a: FID: {MISSING_FID}." in md  # the clean row's FID is not applicable
    assert "pt\\_inception-2015-12-05-6726825d.pth" in to_latex(ext, "I_extended")


def test_a_partially_missing_per_image_column_says_over_how_many_images(tmp_path):
    path = _metrics(tmp_path, "m", 20.0, [True, True])
    df = pd.read_csv(path)
    df.loc[1, "brisque_live_svr"] = float("nan")
    df.to_csv(path, index=False)
    t = build_table("I", {"m": path}, PROV)
    assert t.iloc[0]["BRISQUE (LIVE-SVR)"] == 20.0
    assert "BRISQUE (LIVE-SVR): mean over 1 of 2" in t.iloc[0]["notes"]


def test_csv_carries_provenance(table, tmp_path):
    csv, md, tex = write_table(table, "I", tmp_path / "table_I")
    back = pd.read_csv(csv)
    assert {"config_hash", "seed", "git_commit", "versions", "created_at"} <= set(back.columns)
    assert md.read_text().startswith("# Table I") and r"\begin{tabular}" in tex.read_text()


def _task_row(tmp_path, name, psnr, record):
    path = tmp_path / f"{name}.csv"
    pd.DataFrame({"psnr": [psnr] * 2, "ssim": [0.8] * 2, "mse": [9.0] * 2}).to_csv(path)
    set_metrics_path(path).write_text(json.dumps({"unavailable": {}, "weights": {}, **record}))
    return path


RETRIEVAL = {
    "recall@1": 40.0,
    "recall@5": 60.0,
    "recall@10": 70.0,
    "recall@top1%": 50.0,
    "ap": 45.5,
}


def test_table_ii_has_the_papers_columns_in_order_from_the_set_records(tmp_path):
    rows = {
        "clean": _task_row(tmp_path, "clean", float("inf"), RETRIEVAL),
        "occluded": _task_row(tmp_path, "occ", 12.0, {k: v / 2 for k, v in RETRIEVAL.items()}),
    }
    t = build_table("II", rows, PROV)
    quality = ["PSNR", "SSIM", "MSE", "BRISQUE (LIVE-SVR)"]
    task = ["Recall@1", "Recall@5", "Recall@10", "Recall@top1%", "AP"]
    assert list(t.columns[1:10]) == quality + task
    assert t.iloc[0]["AP"] == 45.5 and t.iloc[1]["Recall@10"] == 35.0
    ext = build_table("II_extended", rows, PROV)
    kid = ext.columns.get_loc("KID")
    assert (
        list(ext.columns[1:3]) == ["PSNR", "PSNR (hole)"]
        and list(ext.columns[kid + 1 :][:5]) == task
    )


def test_table_iii_miou_comes_from_the_set_record_and_an_undefined_one_is_na(tmp_path):
    why = "IoU undefined for water (neither in the ground truth nor predicted)"
    rows = {
        "clean": _task_row(tmp_path, "clean", float("inf"), {"miou": 0.61234}),
        "occluded": _task_row(tmp_path, "occ", 12.0, {"miou": None, "unavailable": {"miou": why}}),
        "telea": _task_row(tmp_path, "telea", 25.0, {}),  # evaluated without the task's values
    }
    t = build_table("III", rows, PROV)
    assert list(t.columns[1:6]) == ["PSNR", "SSIM", "MSE", "BRISQUE (LIVE-SVR)", "mIoU"]
    assert t.iloc[0]["mIoU"] == 0.61234 and pd.isna(t.iloc[1]["mIoU"])
    assert f"mIoU: {why}" in t.iloc[1]["notes"]
    assert "mIoU: miou not in the set record" in t.iloc[2]["notes"]
    md = to_markdown(t, "III")
    assert "| Clean Testing | - | - | - | n/a | 0.6123 |" in md
    assert f"n/a: mIoU (Occluded Testing): {why}." in md


def test_ablation_table_rows_carry_their_models_notes_and_provenance(tmp_path):
    record = {
        "n_images": 2,
        "unavailable": {},
        "weights": {},
        "model": {
            "method": "proposed",
            "notes": ["perceptual loss: not used, alpha1 has no effect: needs vgg16-397923af.pth"],
            "provenance": {"checkpoint": "proposed.pt (sha256 0123456789ab)", "init": "random"},
        },
    }
    rows = {
        "lambda = 0": _metrics(tmp_path, "l0", 20.0, [True, False], record),
        "lambda = 5": _metrics(tmp_path, "l5", 19.0, [True, True], record),
    }
    df = build_table("IV", rows, PROV)
    assert list(df["method"]) == ["lambda = 0", "lambda = 5"]
    assert list(df.columns[1:6]) == ["PSNR", "SSIM", "MSE", "BRISQUE (LIVE-SVR)", "Accuracy"]
    assert df["model_provenance"].str.contains("checkpoint: proposed.pt").all()
    md = to_markdown(df, "IV")
    assert "# Table IV: The table IV" in md
    # ties are bold in every tied row
    assert "| lambda = 5 | 19.00 | **0.6000** | **20.00** | **30.00** | **100.00** |" in md
    assert "Model (every trained model): perceptual loss: not used, alpha1 has no effect" in md


def test_a_missing_method_row_is_listed_with_its_reason_never_dropped(rows):
    lay = layout("I", rows)
    lay["rows"].append(
        {
            "label": "CSA",
            "source": "method",
            "missing": "method 'csa' is not implemented yet",
            "cells": [[]],
        }
    )
    df = tables.build_table(lay, PROV)
    assert df.iloc[-1]["method"] == "CSA" and df.iloc[-1][["PSNR", "Accuracy"]].isna().all()
    md = tables.to_markdown(df)
    assert "| CSA | n/a | n/a | n/a | n/a | n/a |" in md
    assert "method 'csa' is not implemented yet" in md


def test_seeds_are_averaged_and_blocks_get_their_own_columns(tmp_path):
    a = _metrics(tmp_path, "a", 20.0, [True, True])
    b = _metrics(tmp_path, "b", 30.0, [True, False])
    lay = layout("I", {"m": a}, blocks=2)
    lay["rows"][0]["cells"] = [[str(a), str(b)], [str(b)]]
    lay["seeds"] = [0, 1]
    df = tables.build_table(lay, PROV)
    assert df.iloc[0]["block 0 | PSNR"] == 25.0 and df.iloc[0]["block 1 | PSNR"] == 30.0
    assert df.iloc[0]["block 0 | Accuracy"] == 75.0 and df.iloc[0]["n_seeds"] == 2
    assert "a mean over seeds 0, 1" in tables.to_markdown(df)
