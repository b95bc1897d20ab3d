"""The papers' experiments files expanded into training runs, outputs and table rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoinpaint.config import load_config
from geoinpaint.experiments.plan import plan
from tests_paths import REPO

PAPERS = REPO / "config" / "experiments"


def config(**overrides) -> dict:
    base = load_config(REPO / "config" / "config.yaml")
    base["datasets"] = {role: {**d, "size": 256} for role, d in base["datasets"].items()}
    # every method at its paper settings (which take 256 px), the Proposed family small
    base["methods"] = {"task-driven": {"variant": "small"}}
    return {**base, **overrides}


@pytest.fixture
def lpips_present(torch_home: Path) -> None:
    """A stand-in file where the LPIPS-VGG trunk would be (planning only checks presence)."""
    torch_home.mkdir(parents=True)
    (torch_home / "vgg16-397923af.pth").write_bytes(b"")


def rows(p, table: str) -> list:
    return p.tables[("task_driven", table)].rows


def first(row):
    return next(iter(next(iter(row.outputs.values())).values()))


def test_table_iv_lambda_five_is_the_proposed_model_itself(torch_home):
    p = plan(config(), PAPERS)
    labels = [r.label for r in rows(p, "IV")]
    assert labels == ["lambda = 0", "lambda = 3", "lambda = 5", "lambda = 10"]
    outputs = [first(r) for r in rows(p, "IV")]
    assert (outputs[2].key, outputs[2].run.key) == ("proposed", "proposed")
    assert outputs[0].run.key == "proposed_lambda_task-0"
    (table_i,) = [r for r in rows(p, "I") if r.method == "proposed"]
    assert first(table_i).run is outputs[2].run


def test_cross_view_uses_its_own_lambda_of_one_point_two(torch_home):
    p = plan(config(), PAPERS)
    (proposed,) = [r for r in rows(p, "II") if r.method == "proposed"]
    assert first(proposed).run.overrides["lambda_task"] == 1.2
    assert first(proposed).role == "cvusa"


def test_table_v_shares_runs_across_alpha1_only_while_lpips_is_missing(torch_home):
    without = {first(r).run.key for r in rows(plan(config(), PAPERS), "V")}
    assert len(without) == 3 and "proposed_alpha2-5" in without
    (torch_home / "vgg16-397923af.pth").parent.mkdir(parents=True)
    (torch_home / "vgg16-397923af.pth").write_bytes(b"")
    with_lp = {first(r).run.key for r in rows(plan(config(), PAPERS), "V")}
    assert len(with_lp) == 9


def test_shared_run_keeps_the_base_alpha1_without_lpips(torch_home):
    p = plan(config(), PAPERS)
    run = first(rows(p, "V")[5]).run  # alpha1 = 5, alpha2 = 10
    assert run.key == "proposed_alpha2-10" and "alpha1" not in run.overrides


def test_table_vi_labels_give_the_patchgan_output_sizes(torch_home):
    labels = [r.label for r in rows(plan(config(), PAPERS), "VI")]
    assert labels[1] == "d_c = 4 (16x16), d_r = 3 (32x32)"


def test_coarse_only_reads_the_proposed_models_run(torch_home):
    coarse, fine = rows(plan(config(), PAPERS), "H")
    assert first(coarse).run is first(fine).run and first(coarse).key == "coarse-only"
    assert first(coarse).method == "coarse-only" and first(coarse).run.method == "proposed"


def test_the_whole_classification_grid_needs_nineteen_training_runs(lpips_present):
    p = plan(config(), PAPERS)
    runs = [r for r in p.runs.values() if r.role == "rsscn7" and r.method.startswith("proposed")]
    # Proposed_b, Proposed-, Proposed, lambda 0/3/10, 8 more (alpha1, alpha2), d (4,3), (3,4),
    # DCGAN, AugMix, the authors' code
    assert len(runs) == 3 + 3 + 8 + 2 + 1 + 1 + 1


def test_unimplemented_methods_are_listed_as_missing_not_dropped(torch_home):
    from geoinpaint.methods.registry import method_names

    p = plan(config(), PAPERS)
    missing = [r for r in rows(p, "I") if r.missing]
    assert all(r.method not in method_names() for r in missing)
    assert all("not implemented" in r.missing for r in missing)
    assert len(rows(p, "I")) == len(rows(p, "II")) + 1 == 21  # + the authors' code


def test_a_config_can_keep_only_some_methods_and_the_table_says_so(torch_home):
    p = plan(config(experiments={"task_driven": {"methods": ["telea", "proposed"]}}), PAPERS)
    assert [r.label for r in rows(p, "I")] == [
        "Clean Testing",
        "Occluded Testing",
        "Telea",
        "Proposed",
    ]
    assert "proposed_b" in p.tables[("task_driven", "I")].excluded


def test_seeds_keep_their_runs_and_outputs_apart(torch_home):
    p = plan(config(seeds=[0, 1]), PAPERS)
    (proposed,) = [r for r in rows(p, "I") if r.method == "proposed"]
    (outputs,) = proposed.outputs.values()
    assert sorted(outputs) == [0, 1]
    paths = {p.checkpoint(o.run) for o in outputs.values()}
    assert paths == {f"runs/embedded/rsscn7/seed{k}/train_cloud/proposed.pt" for k in (0, 1)}
    assert {p.metrics(o) for o in outputs.values()} == {
        f"runs/embedded/rsscn7/cloud/seed{k}/metrics/proposed.csv" for k in (0, 1)
    }
    masks = {name for role, name in p.masksets if role == "rsscn7"}
    assert masks == {"cloud", "train_cloud_seed0", "train_cloud_seed1"}


def test_augmentation_settings_reach_every_run(torch_home):
    p = plan(config(augmentation={"maskmix": {"threshold": 0.4}, "augmix": {"width": 2}}), PAPERS)
    run = first(rows(p, "I")[-1]).run
    assert run.overrides["maskmix"] == {"threshold": 0.4} and run.overrides["augmix"] == {
        "width": 2
    }


def test_a_row_option_the_method_lacks_is_an_error_naming_it(torch_home, tmp_path):
    paper = tmp_path / "mine.yaml"
    paper.write_text(
        "tables:\n  X:\n    task: classification\n    columns: [psnr]\n"
        "    rows: [{method: proposed, options: {lamda_task: 3}}]\n"
    )
    with pytest.raises(ValueError, match="lamda_task"):
        plan(config(experiments={"mine": {}}), tmp_path)


def test_an_image_size_the_generator_cannot_take_is_an_error_before_any_job(torch_home):
    small = config()
    small["datasets"]["rsscn7"]["size"] = 48
    with pytest.raises(ValueError, match="on 48x48 images: .*multiple of"):
        plan(small, PAPERS)


def test_a_warm_start_adds_one_warm_up_run_that_every_variant_starts_from(torch_home):
    p = plan(config(warm_start={"task-driven": {"method": "proposed_b", "epochs": 6}}), PAPERS)
    warm = [r for r in p.runs.values() if r.key.startswith("warmup-")]
    assert {r.role for r in warm} == {"rsscn7", "cvusa", "loveda"} and len(warm) == 3
    assert all(r.method == "proposed_b" and r.overrides["epochs"] == 6 for r in warm)
    proposed = [r for r in p.runs.values() if r.method.startswith("proposed") and r not in warm]
    assert proposed and all(r.init_from == "warmup-proposed_b_epochs-6" for r in proposed)
    assert not any(r.init_from for r in p.runs.values() if r.method == "csa")


@pytest.mark.parametrize("per_seed", [True, False])
def test_a_warm_up_per_seed_or_one_on_the_first_seed_that_every_seed_fine_tunes(
    torch_home, per_seed
):
    from geoinpaint.experiments.jobs import training_inputs

    entry = {"method": "proposed_b", "epochs": 6, "per_seed": per_seed}
    p = plan(config(seeds=[3, 7], warm_start={"task-driven": entry}), PAPERS)
    warm = [r for r in p.runs.values() if r.key.startswith("warmup-")]
    assert sorted({r.seed for r in warm}) == ([3, 7] if per_seed else [3])
    assert len(warm) == (6 if per_seed else 3)
    tuned = [r for r in p.runs.values() if r.init_from]
    assert {r.seed for r in tuned} == {3, 7}
    for run in tuned:
        (start,) = [w for w in warm if w.role == run.role and w.seed == run.init_seed]
        assert run.init_seed == (run.seed if per_seed else 3)
        assert training_inputs(p, run)["warm_start"] == p.checkpoint(start)
        assert f"seed{run.seed}" in training_inputs(p, run)["masks"]  # its own seed's masks
