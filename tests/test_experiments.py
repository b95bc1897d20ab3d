"""The paper's tables as rows of trained models, and which rows share a training run."""

from __future__ import annotations

import pytest

from geoinpaint.experiments import (
    all_rows,
    plan,
    table_rows,
    tables,
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


def with_ablations(names: list[str]) -> dict:
    """CONFIG asking for the ablation tables `names` (a copy: CONFIG is left as it is)."""
    inpainting = {**CONFIG["inpainting"], "ablations": {**CONFIG["inpainting"]["ablations"]}}
    inpainting["ablations"]["tables"] = names
    return {**CONFIG, "inpainting": inpainting}


def test_plan_shares_runs_and_lists_every_tables_outputs():
    config = with_ablations(["IV", "V", "VI", "VII", "VIII", "H"])
    with_lp, without = plan(config, True), plan(config, False)
    assert list(with_lp.rows) == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "H"]
    classification = [r for r in with_lp.runs.values() if r.task == "classification"]
    # 18 for scene recognition (see above), 12 when alpha1 cannot matter; 3 for each other task
    assert len(classification) == 18 and len(without.runs) == 12 + 2 * 3
    # coarse-only reads the Proposed run; each run's options are what it trains with
    coarse = with_lp.variants[("classification", "coarse-only")]
    assert (coarse.method, coarse.run) == ("coarse-only", "proposed")
    run = without.runs[("classification", "proposed_alpha2-5")]
    assert run.method == "proposed" and run.options["alpha2"] == 5.0
    assert run.options["alpha1"] == 1.0, "without LPIPS the shared run keeps the base alpha1"
    assert with_lp.runs[("crossview", "proposed")].options["lambda_task"] == 1.2
    assert [v.key for v in with_lp.task_variants("segmentation")] == [
        "proposed_b",
        "proposed-",
        "proposed",
    ]


def test_no_trained_methods_and_no_ablations_plan_no_training():
    config = with_ablations([])
    config["inpainting"]["methods"] = []
    empty = plan(config, True)
    assert empty.rows == {} and empty.runs == {} and tables(config) == []


def test_base_options_carry_the_configs_maskmix_and_augmix_settings():
    config = {**CONFIG, "occlusion": {"maskmix": {"threshold": 0.4}, "augmix": {"width": 2}}}
    (row,) = [r for r in table_rows(config, "I") if r.method == "proposed"]
    options = training_options(row, config)
    assert options["maskmix"] == {"threshold": 0.4} and options["augmix"] == {"width": 2}
