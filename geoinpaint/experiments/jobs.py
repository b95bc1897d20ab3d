"""The inputs and command-line arguments of every workflow job, from the plan.

The Snakemake rules (`workflow/rules/*.smk`) only wire these into rules; keeping them here makes
them plain, testable Python (and keeps functions out of the rule files). Every value that comes
from a config or a path goes into a command through `q` (one shell word).
"""

from __future__ import annotations

import json
import os
import shlex
from typing import Any

from geoinpaint.experiments.entities import Output, Plan, TrainingRun

Group = tuple[str, str, int]


def q(value: Any) -> str:
    """A value as one shell word."""
    return shlex.quote(str(value))


# -- data -------------------------------------------------------------------------------------
def prepare_args(plan: Plan, role: str) -> str:
    r = plan.roles[role]
    return " ".join(
        [
            f"--dataset {q(r.source)} --task {q(r.task)} --size {r.size} --root {q(r.root)}",
            f"--train-per-class {r.train_per_class} --test-per-class {r.test_per_class}",
            f"--train-fraction {r.train_fraction} --limit {r.limit} --seed {r.seed}",
        ]
    )


def maskset_args(plan: Plan, role: str, maskset: str) -> str:
    m = plan.masksets[(role, maskset)]
    options = " ".join(f"--{k.replace('_', '-')} {q(v)}" for k, v in m.options)
    if m.kind == "dataset":  # the role's own test masks
        options = f"--source {q(plan.scenes(role) + '/test')}"
    return f"--kind {q(m.kind)} {options} --n {m.n} --size {m.size} --seed {m.seed}"


def maskset_inputs(plan: Plan, role: str, maskset: str) -> list[str]:
    """A dataset's own masks come from its test split."""
    return [plan.scenes(role)] if plan.masksets[(role, maskset)].kind == "dataset" else []


def testset_args(plan: Plan, role: str, maskset: str, seed: int) -> str:
    from geoinpaint.tasks.spec import get_task

    spec = get_task(plan.task_of(role))
    companions = " ".join(f"--companion {q(c)}" for c in spec.companions)
    fill = q(plan.masksets[(role, maskset)].fill)
    column = q(spec.image_column)
    return f"--fill {fill} --image-column {column} {companions} --seed {seed}"


# -- training ---------------------------------------------------------------------------------
def training_run(plan: Plan, role: str, seed: str | int, trainmask: str, key: str) -> TrainingRun:
    return plan.runs[(role, int(seed), trainmask, key)]


def training_inputs(plan: Plan, run: TrainingRun) -> dict[str, str]:
    inputs = {
        "scenes": plan.scenes(run.role),
        "masks": plan.maskset_dir(run.role, f"{run.train_maskset}_seed{run.seed}"),
    }
    if run.init_from:
        warm = plan.runs[(run.role, run.init_seed, run.train_maskset, run.init_from)]
        inputs["warm_start"] = plan.checkpoint(warm)
    if run.role in plan.roles_with_network():
        inputs["task_net"] = plan.task_net(run.role, run.seed)
    return inputs


def training_args(plan: Plan, run: TrainingRun, inputs: dict[str, str]) -> str:
    """Method, task, options and the optional task network and warm start of a training."""
    args = [
        f"--method {q(run.method)} --task {q(plan.task_of(run.role))}",
        f"--options {q(json.dumps(run.overrides))}",
    ]
    if "task_net" in inputs:
        args.append(f"--task-net {q(inputs['task_net'])}")
    if "warm_start" in inputs:
        args.append(f"--init-from {q(inputs['warm_start'])}")
    return " ".join(args)


# -- batched training (config `train_batch`) --------------------------------------------------
# A training job's process pays ~6 CPU-s before and after its epochs (torch, and the compiler
# stack torch.optim imports): more than a small CPU variant's whole training. With
# `train_batch: K`, one job trains up to K runs that share a role, seed and training masks
# (their data and task network) one after another in one process; each run writes its model
# and log to a staging folder and keeps its own resumable state, and a `publish_model` job
# copies them to the paths every other job reads. Results are the same as one job per run
# (tests/test_train_batch.py).
BatchKey = tuple[str, int, str, int]


def training_batches(plan: Plan, size: int) -> dict[BatchKey, list[TrainingRun]]:
    """The plan's trainings in batches of at most `size` runs, keyed (role, seed, training mask
    set, index): each (role, seed, masks) group in plan order, cut into equal-sized batches. A
    warm-started run is a batch of its own (its start is another run's published model)."""
    groups: dict[tuple[str, int, str, bool], list[TrainingRun]] = {}
    for run in plan.runs.values():
        key = (run.role, run.seed, run.train_maskset, bool(run.init_from))
        groups.setdefault(key, []).append(run)
    batches: dict[BatchKey, list[TrainingRun]] = {}
    count: dict[tuple[str, int, str], int] = {}
    for (role, seed, masks, warm), runs in groups.items():
        per = 1 if warm else -(-len(runs) // -(-len(runs) // size))
        for start in range(0, len(runs), per):
            index = count[(role, seed, masks)] = count.get((role, seed, masks), -1) + 1
            batches[(role, seed, masks, index)] = runs[start : start + per]
    return batches


def batch_key(role: str, seed: str, trainmask: str, batch: str) -> BatchKey:
    """A batch training job's wildcards as its key in `training_batches`."""
    return (role, int(seed), trainmask, int(batch))


def batch_manifest(plan: Plan, batches: dict[BatchKey, list[TrainingRun]], run: TrainingRun) -> str:
    """The manifest the batch training `run` writes when every run of the batch is trained."""
    key = next(k for k, runs in batches.items() if run in runs)
    return "runs/{}/staged/{}/seed{}/{}/batch{}.json".format(plan.run, *key)


def _beside(plan: Plan, run: TrainingRun, top: str, suffix: str) -> str:
    """`run`'s checkpoint path moved under `runs/<run>/<top>/`, its `.pt` replaced by `suffix`."""
    path = plan.checkpoint(run).removesuffix(".pt") + suffix
    return path.replace(f"runs/{plan.run}/", f"runs/{plan.run}/{top}", 1)


def staged(plan: Plan, run: TrainingRun) -> dict[str, str]:
    """Where a batched training writes its model and log before `publish_model` copies them."""
    return {
        "model": _beside(plan, run, "staged/", ".pt"),
        "history": _beside(plan, run, "staged/", "_log.csv"),
    }


def batch_args(plan: Plan, runs: list[TrainingRun], images: int, device: str, threads: int) -> str:
    """One `--run ARGS` per training of a batch: ARGS are what `geoinpaint train` gets from the
    one-run rule (train.smk), with the model and log in the staging folder."""
    words = []
    for run in runs:
        inputs = training_inputs(plan, run)
        out = staged(plan, run)
        state = _beside(plan, run, "state/", ".pt")
        samples = plan.checkpoint(run).removesuffix(".pt") + "_samples"
        args = [
            training_args(plan, run, inputs),
            f"--train {q(inputs['scenes'] + '/train')} --masks {q(inputs['masks'])}",
            f"--out {q(out['model'])} --state {q(state)}",
            f"--log-csv {q(out['history'])} --samples {q(samples)}",
            f"--train-images {q(images)} --seed {run.seed} --device {q(device)}",
            f"--threads {q(threads)}",
        ]
        words.append(f"--run {q(' '.join(args))}")
    return " ".join(words)


# -- inpainting and scoring -------------------------------------------------------------------
def group_of(role: str, maskset: str, seed: str | int) -> Group:
    return (role, maskset, int(seed))


def inpaint_inputs(plan: Plan, group: Group) -> dict[str, Any]:
    outputs = plan.method_outputs(group)
    return {
        "testset": plan.testset(*group),
        "models": [plan.checkpoint(o.run) for o in outputs if o.run is not None],
        "folders": [dict(o.options)["folder"] for o in outputs if "folder" in dict(o.options)],
    }


def inpaint_args(plan: Plan, group: Group) -> str:
    """`--method M --out KEY --checkpoint C --options JSON` per method row of the group (each
    `KEY` inside the job's `--into` folder)."""
    jobs = []
    for o in plan.method_outputs(group):
        checkpoint = plan.checkpoint(o.run) if o.run is not None else "-"
        jobs.append(
            f"--method {q(o.method)} --out {q(o.key)} --checkpoint {q(checkpoint)}"
            f" --options {q(json.dumps(dict(o.options)))}"
        )
    return " ".join(jobs)


def evaluate_inputs(plan: Plan, group: Group) -> dict[str, str]:
    role = group[0]
    inputs = {"testset": plan.testset(*group)}
    if plan.method_outputs(group):
        inputs["outputs"] = plan.outputs_dir(*group)
    if role in plan.roles_with_network():
        inputs["task_net"] = plan.task_net(role, group[2])
    return inputs


def evaluate_args(plan: Plan, group: Group, inputs: dict[str, str], out_dir: str) -> str:
    """`--images I --out CSV` per row of the group, each CSV inside the job's `--into`
    folder `out_dir`."""
    rows = [
        f"--images {q(plan.images(o))} --out {q(os.path.relpath(plan.metrics(o), out_dir))}"
        for o in plan.groups[group].values()
    ]
    task_net = f"--task-net {q(inputs['task_net'])}" if "task_net" in inputs else ""
    return f"--task {q(plan.task_of(group[0]))} {task_net} " + " ".join(rows)


# -- kinds of tables --------------------------------------------------------------------------
def runtime_output(plan: Plan, paper: str, table: str) -> Output:
    """The output of the runtime table's first row (first block and seed): its trained run."""
    row = plan.tables[(paper, table)].rows[0]
    return next(iter(next(iter(row.outputs.values())).values()))


def cost_args(plan: Plan, paper: str, table: str) -> str:
    t = plan.tables[(paper, table)]
    rows = " ".join(f"--method {q(r.method)} --label {q(r.label)}" for r in t.rows)
    title = q(f"Table {t.spec.id}: {t.spec.title}")
    paper_values = q(json.dumps(t.spec.paper_values))
    return f"{rows} --size {t.spec.size} --paper {paper_values} --title {title}"
