# Helpers shared by all rules: run folders, the config hash, row lists, wildcard constraints.
#
# `snakemake --lint` asks for a conda environment or container per rule. Deliberately none:
# every rule runs a `geoinpaint` verb from the one environment the README's command installs
# (pyproject.toml pins what the code needs), on a workstation and on a cluster alike.
import json
import os
import re
import shlex

from geoinpaint import experiments
from geoinpaint.experiments import LABELS, TASK_OF_TABLE
from geoinpaint.metrics.weights import PERCEPTUAL_TRUNK, present
from geoinpaint.provenance import config_hash
from geoinpaint.runtime import derive_seed

RUN = config["run_name"]
DATA = f"data/{RUN}"
RUNS = f"runs/{RUN}"
LOGS = f"{RUNS}/logs"
BENCH = f"{RUNS}/benchmarks"
CONFIG_HASH = config_hash(config)
# Classical (training-free) methods: rule `inpaint` writes their outputs for every task.
METHODS = config["methods"]
THREADS = config["threads"]
# One mask per image: 7 scene classes for procedural data; for a real dataset, as many masks as
# it has images (an upper bound on either split).
REAL_DATASET_IMAGES = {"rsscn7": 2800, "aid": 10000}
N_TEST = REAL_DATASET_IMAGES.get(config["data"]["source"], 7 * config["data"]["test_per_class"])
N_TRAIN = REAL_DATASET_IMAGES.get(config["data"]["source"], 7 * config["data"]["train_per_class"])
OCC = config["occlusion"]

# Frozen mask sets: name -> `geoinpaint masks` options, count and seed. Concentrated sets are
# named by percent. `train_<kind>` are the seed masks of the inpainting models' training images,
# drawn from a seed of their own so that no test mask is a training mask.
_MASK_KINDS = {
    "cloud": f"--kind cloud --min-fraction {OCC['cloud']['min_fraction']}"
    f" --max-fraction {OCC['cloud']['max_fraction']}",
    "irregular": f"--kind irregular --min-fraction {OCC['irregular']['min_fraction']}"
    f" --max-fraction {OCC['irregular']['max_fraction']}",
}
for _kind in _MASK_KINDS:
    if OCC[_kind]["source"]:
        _MASK_KINDS[_kind] += f" --source {OCC[_kind]['source']}"
_TRAIN_MASK_SEED = derive_seed(config["seed"], "masks", "train")
MASKSETS = {
    **{kind: {"options": opts, "n": N_TEST, "seed": config["seed"]} for kind, opts in _MASK_KINDS.items()},
    **{
        f"concentrated_{round(100 * f)}": {
            "options": f"--kind concentrated --fraction {f}",
            "n": N_TEST,
            "seed": config["seed"],
        }
        for f in OCC["concentrated"]["fractions"]
    },
    **{
        f"train_{kind}": {"options": opts, "n": N_TRAIN, "seed": _TRAIN_MASK_SEED}
        for kind, opts in _MASK_KINDS.items()
    },
}
# Which mask set occludes each task's test set, and with which fill (paper, Sec. IV-A..C).
TESTSET_MASKS = {"classification": "cloud", "segmentation": "irregular", "crossview": "irregular"}
TESTSET_FILL = {task: OCC[kind]["fill"] for task, kind in TESTSET_MASKS.items()}
TASKS = tuple(TESTSET_MASKS)
# What a task's frozen test set carries besides the class label (geoinpaint.data.testset).
TESTSET_COMPANIONS = {"classification": [], "segmentation": ["label_map"], "crossview": ["aerial"]}

# The trained coarse-to-fine models (geoinpaint/experiments.py): every row of Tables I-VIII and
# Section H they produce, the output folder (variant) each row reads and the training runs. The
# LPIPS-VGG trunk only decides whether rows differing in alpha1 alone share a run (without it
# alpha1 has no effect); every training verifies the file itself and records what it used.
PLAN = experiments.plan(config, present(PERCEPTUAL_TRUNK))
MODEL_TABLES = list(PLAN.rows)
TABLE_OF_TASK = {task: table for table, task in TASK_OF_TABLE.items()}
ABLATION_TABLES = [t for t in MODEL_TABLES if t not in TASK_OF_TABLE]


def model_rows(table):
    """`(label, variant)` of a table's trained-model rows, in table order."""
    return [
        (LABELS[row.method] if table in TASK_OF_TABLE else row.label, variant)
        for row, variant in PLAN.rows.get(table, [])
    ]


def table_rows(task):
    """The rows scored for a task, each from `runs/<run>/outputs/<task>/<row>/` (the test set's
    own images for clean and occluded): its paper table's rows, then every other trained
    variant of the task (ablation rows)."""
    return ["clean", "occluded", *METHODS, *(v.key for v in PLAN.task_variants(task))]


def paper_table_rows(table):
    """`(label, row)` of a table in table order: Tables I-III start with the test set's clean
    and occluded images and the classical methods; ablation tables have trained models only."""
    head = []
    if table in TASK_OF_TABLE:
        head = [(r, r) for r in ("clean", "occluded", *METHODS)]
    return head + [(label, v.key) for label, v in model_rows(table)]


def alternatives(names):
    """A wildcard constraint matching exactly one of `names`."""
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True)) or "^$"


wildcard_constraints:
    task=alternatives(TASKS),
    maskset=alternatives(MASKSETS),
    run=alternatives(r.key for r in PLAN.runs.values()),


def scenes_command(wildcards):
    """The verb that writes a task's train/ and test/ splits: procedural, or an imported real set."""
    d = config["data"]
    if wildcards.task == "classification" and d["source"] != "synthetic":
        return (
            f"geoinpaint import --dataset {d['source']} --root {d['root']}"
            f" --size {d['image_size']} --seed {config['seed']}"
        )
    return (
        f"geoinpaint synth --task {wildcards.task} --size {d['image_size']}"
        f" --train-per-class {d['train_per_class']} --test-per-class {d['test_per_class']}"
        f" --seed {config['seed']}"
    )


def maskset_param(key):
    """Input function: `key` (options, n or seed) of the job's mask set (see MASKSETS)."""
    return lambda wildcards: MASKSETS[wildcards.maskset][key]


# Rows scored on the frozen test set's own images, and the sub-folder holding them.
TESTSET_ROWS = {"clean": "gt", "occluded": "occluded"}


def row_images(task, row):
    """The folder a table row is scored on: the test set (clean, occluded) or a method's outputs."""
    if row in TESTSET_ROWS:
        return f"{DATA}/testsets/{task}"
    return f"{RUNS}/outputs/{task}/{row}"


def row_images_dir(task, row):
    """The folder with the <id>.png files of a row (see row_images)."""
    return os.path.join(row_images(task, row), TESTSET_ROWS.get(row, ""))


def metrics_files(task, ext="csv"):
    """Per-image metrics (`csv`) or set records (`set.json`) of a task's table rows, in order."""
    return [f"{RUNS}/metrics/{task}/{row}.{ext}" for row in table_rows(task)]


def task_option(key):
    """Input function: `config.tasks.<task>.<key>` of the job's task."""
    return lambda wildcards: config["tasks"][wildcards.task][key]


# Cluster resources (workflow/profiles/slurm). Training asks for a GPU unless the config pins the
# CPU; evaluation (a frozen network's forward pass) only when the config pins CUDA. Locally,
# workflow/profiles/default lets one GPU job run at a time.
TRAIN_GPUS = 0 if config["device"] == "cpu" else 1
EVAL_GPUS = 1 if config["device"] == "cuda" else 0


# `snakemake --report report.html`: every table and figure with a caption (workflow/report/).
report: "../report/workflow.rst"
