"""The paper's tables as rows of trained models, and which rows share a training run."""

from __future__ import annotations

import pytest

from geoinpaint.experiments import (
    all_rows,
    table_rows,
    training_key,
    training_options,
    variant_key,
)

CONFIG = {
    "data": {"image_size": 256},
    "inpainting": {
        "methods": ["proposed_b", "proposed-", "proposed"],
        "options": {
            "alpha1": 1.0,
            "alpha2": 1.0,
            "d_coarse": 3,
            "d_refine": 3,
            "disc_coarse": "patchgan",
            "disc_refine": "patchgan",
        },
        "lambda_task": {"classification": 5.0, "crossview": 1.2, "segmentation": 5.0},
        "ablations": {
            "lambda": [0.0, 3.0, 5.0, 10.0],
            "alpha1": [1.0, 5.0, 10.0],
            "alpha2": [1.0, 5.0, 10.0],
            "patchgan_layers": [[3, 3], [4, 3], [3, 4]],
            "discriminators": [["patchgan", "patchgan"], ["dcgan", "patchgan"]],
            "augmentation": ["maskmix", "augmix"],
        },
    },
}


def keys(table: str, perceptual: bool = True) -> list[tuple[str, str, str]]:
    return [
        (r.label, variant_key(r, CONFIG), training_key(r, CONFIG, perceptual))
        for r in table_rows(CONFIG, table)
    ]


def test_table_iv_lambda_five_is_the_proposed_model_itself():
    rows = keys("IV")
    assert [r[0] for r in rows] == ["lambda = 0", "lambda = 3", "lambda = 5", "lambda = 10"]
    assert rows[2][1:] == ("proposed", "proposed")
    assert rows[0][1] == "proposed_lambda_task-0"


def test_cross_view_uses_its_own_lambda_of_one_point_two():
    (proposed,) = [r for r in table_rows(CONFIG, "II") if r.method == "proposed"]
    assert training_options(proposed, CONFIG)["lambda_task"] == 1.2
    assert variant_key(proposed, CONFIG) == "proposed"


def test_table_v_shares_runs_across_alpha1_only_while_lpips_is_missing():
    with_lp = {t for _, _, t in keys("V", perceptual=True)}
    without = {t for _, _, t in keys("V", perceptual=False)}
    assert len(with_lp) == 9 and len(without) == 3
    assert "proposed_alpha2-5" in without


def test_table_vi_labels_give_the_patchgan_output_sizes():
    labels = [r[0] for r in keys("VI")]
    assert labels[1] == "d_c = 4 (16x16), d_r = 3 (32x32)"


def test_coarse_only_reads_the_proposed_models_coarse_output():
    coarse, fine = table_rows(CONFIG, "H")
    assert training_key(coarse, CONFIG, True) == training_key(fine, CONFIG, True) == "proposed"
    assert variant_key(coarse, CONFIG) == "coarse-only"


def test_the_whole_classification_grid_needs_fourteen_training_runs():
    rows = [r for r in all_rows(CONFIG) if r.task == "classification"]
    runs = {training_key(r, CONFIG, True) for r in rows}
    # Proposed_b, Proposed-, Proposed, lambda 0/3/10, 8 more (alpha1, alpha2), d (4,3), (3,4),
    # DCGAN, AugMix
    assert len(runs) == 3 + 3 + 8 + 2 + 1 + 1


def test_unknown_table_is_an_error():
    with pytest.raises(ValueError, match="IX"):
        table_rows(CONFIG, "IX")
