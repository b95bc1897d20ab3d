import pandas as pd
import pytest

from geoinpaint.reporting.tables import build_table, to_latex, to_markdown, write_table

PROV = {"config_hash": "abc", "seed": 0, "git_commit": "x", "versions": "v", "created_at": "t"}


def _metrics(tmp_path, name, psnr, correct):
    path = tmp_path / f"{name}.csv"
    pd.DataFrame(
        {"psnr": [psnr, psnr], "ssim": [0.5, 0.7], "mse": [10.0, 30.0], "correct": correct}
    ).to_csv(path, index=False)
    return path


@pytest.fixture
def table(tmp_path):
    rows = {
        "clean": _metrics(tmp_path, "clean", float("inf"), [True, True]),
        "occluded": _metrics(tmp_path, "occluded", 12.0, [True, False]),
        "telea": _metrics(tmp_path, "telea", 25.0, [True, False]),
        "biharmonic": _metrics(tmp_path, "biharmonic", 27.0, [False, False]),
    }
    return build_table("I", rows, PROV)


def test_rows_columns_and_aggregates_follow_the_paper(table):
    assert list(table["method"]) == ["Clean Testing", "Occluded Testing", "telea", "biharmonic"]
    assert list(table.columns[:6]) == ["method", "PSNR", "SSIM", "MSE", "BRISQUE", "Accuracy"]
    occ = table.iloc[1]
    assert occ["PSNR"] == 12.0 and occ["SSIM"] == pytest.approx(0.6) and occ["MSE"] == 20.0
    assert occ["Accuracy"] == 50.0 and table.iloc[0]["Accuracy"] == 100.0


def test_uncomputed_column_is_empty_with_a_reason_never_a_number(table):
    assert table["BRISQUE"].isna().all()
    assert table["notes"].str.contains("BRISQUE: not computed yet").all()
    md = to_markdown(table, "I")
    assert "n/a" in md and "BRISQUE not computed yet" in md


def test_clean_row_has_no_image_quality_and_best_method_is_bold(table):
    assert pd.isna(table.iloc[0]["PSNR"])
    md = to_markdown(table, "I")
    assert "| Clean Testing | - | - | - | n/a | 100.00 |" in md
    assert "**27.00**" in md and "**50.00**" in md  # best PSNR, best accuracy among methods
    assert r"\textbf{27.00}" in to_latex(table, "I")


def test_csv_carries_provenance(table, tmp_path):
    csv, md, tex = write_table(table, "I", tmp_path / "table_I")
    back = pd.read_csv(csv)
    assert {"config_hash", "seed", "git_commit", "versions", "created_at"} <= set(back.columns)
    assert md.read_text().startswith("# Table I") and r"\begin{tabular}" in tex.read_text()
