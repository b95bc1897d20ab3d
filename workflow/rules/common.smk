# Helpers shared by all rules: run folders, the config hash, row lists, wildcard constraints.
#
# `snakemake --lint` asks for a conda environment or container per rule. Deliberately none:
# every rule runs a `geoinpaint` verb from the one environment the README's command installs
# (pyproject.toml pins what the code needs), on a workstation and on a cluster alike.
import json
import os
import re

from geoinpaint.experiments import TASK_OF_TABLE
from geoinpaint.provenance import config_hash

RUN = config["run_name"]
DATA = f"data/{RUN}"
RUNS = f"runs/{RUN}"
LOGS = f"{RUNS}/logs"
BENCH = f"{RUNS}/benchmarks"
CONFIG_HASH = config_hash(config)
# Classical (training-free) methods: rule `inpaint` writes their outputs for every task.
METHODS = config["methods"]
THREADS = config["threads"]
# One mask per test image: 7 scene classes for procedural data; for a real dataset, as many
# masks as it has images (an upper bound on its test split).
REAL_DATASET_IMAGES = {"rsscn7": 2800, "aid": 10000}
N_TEST = REAL_DATASET_IMAGES.get(config["data"]["source"], 7 * config["data"]["test_per_class"])
OCC = config["occlusion"]

# Frozen mask sets: name -> `geoinpaint masks` options. Concentrated sets are named by percent.
MASKSETS = {
    "cloud": f"--kind cloud --min-fraction {OCC['cloud']['min_fraction']}"
    f" --max-fraction {OCC['cloud']['max_fraction']}",
    "irregular": f"--kind irregular --min-fraction {OCC['irregular']['min_fraction']}"
    f" --max-fraction {OCC['irregular']['max_fraction']}",
    **{
        f"concentrated_{round(100 * f)}": f"--kind concentrated --fraction {f}"
        for f in OCC["concentrated"]["fractions"]
    },
}
for _kind in ("cloud", "irregular"):
    if OCC[_kind]["source"]:
        MASKSETS[_kind] += f" --source {OCC[_kind]['source']}"
# Which mask set occludes each task's test set, and with which fill (paper, Sec. IV-A..C).
TESTSET_MASKS = {"classification": "cloud", "segmentation": "irregular", "crossview": "irregular"}
TESTSET_FILL = {task: OCC[kind]["fill"] for task, kind in TESTSET_MASKS.items()}
TASKS = tuple(TESTSET_MASKS)
# What a task's frozen test set carries besides the class label (geoinpaint.data.testset).
TESTSET_COMPANIONS = {"classification": [], "segmentation": ["label_map"], "crossview": ["aerial"]}


def table_rows(task):
    """The rows of a task's paper table, in table order; each row is scored from
    `runs/<run>/outputs/<task>/<row>/` (the test set's own images for clean and occluded)."""
    return ["clean", "occluded", *METHODS]


def alternatives(names):
    """A wildcard constraint matching exactly one of `names`."""
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True)) or "^$"


wildcard_constraints:
    task=alternatives(TASKS),
    maskset=alternatives(MASKSETS),


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


def maskset_options(wildcards):
    """`geoinpaint masks` options of a mask set (see MASKSETS)."""
    return MASKSETS[wildcards.maskset]


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
