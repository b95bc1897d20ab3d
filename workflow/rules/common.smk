# Helpers shared by all rules: run folders, the config hash, row lists, wildcard constraints.
#
# `snakemake --lint` asks for a conda environment or container per rule. Deliberately none:
# every rule runs a `geoinpaint` verb from the one environment the README's command installs
# (pyproject.toml pins what the code needs), on a workstation and on a cluster alike.
import os

from geoinpaint.provenance import config_hash

RUN = config["run_name"]
DATA = f"data/{RUN}"
RUNS = f"runs/{RUN}"
LOGS = f"{RUNS}/logs"
BENCH = f"{RUNS}/benchmarks"
CONFIG_HASH = config_hash(config)
METHODS = config["methods"]
ROWS = ["clean", "occluded", *METHODS]
THREADS = config["threads"]


wildcard_constraints:
    method="|".join(METHODS) or "^$",
    row="|".join(ROWS),


# Rows scored on the frozen test set's own images, and the sub-folder holding them.
TESTSET_ROWS = {"clean": "gt", "occluded": "occluded"}


def row_images(wildcards):
    """The output folder a table row is scored on."""
    if wildcards.row in TESTSET_ROWS:
        return f"{DATA}/testset"
    return f"{RUNS}/outputs/{wildcards.row}"


def row_images_dir(wildcards, input):
    """The folder with the <id>.png files of a row (see row_images)."""
    return os.path.join(input.images, TESTSET_ROWS.get(wildcards.row, ""))
