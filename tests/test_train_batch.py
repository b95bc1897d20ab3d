"""`train_batch: K`: one job trains up to K models of a role, seed and mask set in one process.

The batches partition the plan's trainings; each run of a batch gets the arguments the one-run
rule gives it, with its model and log staged; and a model trained second in a batched job is the
model a job of its own trains (the smoke run's)."""

from __future__ import annotations

import argparse
import shlex

import pytest
import torch
import yaml

from geoinpaint.cli.train import _train_arguments
from geoinpaint.config import load_config
from geoinpaint.experiments import jobs
from geoinpaint.experiments.plan import plan
from tests_paths import REPO


def embedded(**overrides):
    return plan({**load_config(REPO / "config" / "config.yaml"), **overrides})


@pytest.mark.parametrize("size", [1, 3, 8, 100])
def test_batches_cut_each_role_seed_and_mask_set_in_plan_order(torch_home, size):
    p = embedded()
    batches = jobs.training_batches(p, size)
    flat = [run for runs in batches.values() for run in runs]
    assert sorted(flat, key=list(p.runs.values()).index) == list(p.runs.values())
    assert len({(r.role, r.seed, r.train_maskset, r.key) for r in flat}) == len(flat)
    for (role, seed, masks, _), runs in batches.items():
        assert 1 <= len(runs) <= size
        assert {(r.role, r.seed, r.train_maskset) for r in runs} == {(role, seed, masks)}
    groups = {(r.role, r.seed, r.train_maskset) for r in flat}
    per_group = [[k for k in batches if k[:3] == g] for g in groups]
    assert all(sorted(k[3] for k in keys) == list(range(len(keys))) for keys in per_group)
    if size == 100:
        assert len(batches) == len(groups)


def test_a_warm_started_run_is_a_batch_of_its_own_after_its_warm_up(torch_home):
    p = embedded(warm_start={"task-driven": {"method": "proposed_b", "epochs": 6}})
    batches = jobs.training_batches(p, 8)
    for runs in batches.values():
        assert len(runs) == 1 or not any(r.init_from for r in runs)
    tuned = next(r for r in p.runs.values() if r.init_from)
    warm = p.runs[(tuned.role, tuned.init_seed, tuned.train_maskset, tuned.init_from)]
    assert jobs.batch_manifest(p, batches, warm) != jobs.batch_manifest(p, batches, tuned)


def test_each_run_of_a_batch_gets_the_one_run_arguments_with_its_model_staged(torch_home):
    p = embedded()
    key = ("rsscn7", 0, "train_cloud", 1)
    runs = jobs.training_batches(p, 8)[key]
    words = shlex.split(jobs.batch_args(p, runs, 48, "cpu", 1))
    assert words[::2] == ["--run"] * len(runs)
    parser = argparse.ArgumentParser()
    _train_arguments(parser)
    for run, args in zip(runs, words[1::2], strict=True):
        a = parser.parse_args(shlex.split(args))
        where = f"{run.role}/seed{run.seed}/{run.train_maskset}/{run.key}"
        assert (a.method, a.task, a.seed, a.train_images) == (run.method, "classification", 0, 48)
        assert str(a.out) == f"runs/embedded/staged/{where}.pt" == jobs.staged(p, run)["model"]
        assert str(a.log_csv) == jobs.staged(p, run)["history"]
        assert str(a.state) == f"runs/embedded/state/{where}.pt"  # the one-run rule's
        assert str(a.train) == f"{p.scenes('rsscn7')}/train"
        assert str(a.task_net) == p.task_net("rsscn7", 0)
        assert yaml.safe_load(a.options) == run.overrides


@pytest.mark.slow
def test_a_model_trained_second_in_a_batch_is_the_model_its_own_job_trains(smoke_run, tmp_path):
    from workflow_run import run_ok, workflow_copy

    where = workflow_copy(tmp_path / "wf")
    config = yaml.safe_load((where / "config" / "smoke.yaml").read_text())
    config["run_name"] = "batched"
    config["train_batch"] = 2
    config["experiments"]["task_driven"]["methods"] = ["telea", "proposed_b", "proposed"]
    (where / "config" / "batched.yaml").write_text(yaml.safe_dump(config))
    model = "rsscn7/seed0/train_cloud/proposed.pt"
    args = ("--configfile", "config/batched.yaml", "--", f"runs/batched/{model}")
    out = run_ok(where, *args)
    assert "geoinpaint train-batch --run" in out and "rule publish_model" in out
    manifest = where / "runs/batched/staged/rsscn7/seed0/train_cloud/batch0.json"
    assert [r["method"] for r in yaml.safe_load(manifest.read_text())] == ["proposed_b", "proposed"]
    batched = torch.load(where / "runs" / "batched" / model, weights_only=True)
    alone = torch.load(smoke_run / "runs" / "smoke" / model, weights_only=True)
    assert {k: v for k, v in batched.items() if k != "networks"} == {
        k: v for k, v in alone.items() if k != "networks"
    }
    for net, weights in alone["networks"].items():
        assert weights.keys() == batched["networks"][net].keys()
        for name, tensor in weights.items():
            assert torch.equal(batched["networks"][net][name], tensor), (net, name)
    assert "Nothing to be done" in run_ok(where, "-n", *args)
