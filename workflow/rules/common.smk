# Helpers shared by all rules: the plan of the run, paths, wildcard constraints, resources.
#
# Everything the workflow runs comes from `geoinpaint.experiments.plan` (the papers'
# experiments files under config/experiments/ expanded with this config): no rule names a
# method, a table or a dataset.
#
# `snakemake --lint` asks for a conda environment or container per rule. Deliberately none:
# every rule runs a `geoinpaint` verb from the one environment the README's command installs
# (pyproject.toml pins what the code needs), on a workstation and on a cluster alike.
import json
import re

from geoinpaint.config import check_config
from geoinpaint.experiments import figures, jobs, layout
from geoinpaint.experiments.plan import plan as make_plan
from geoinpaint.provenance import config_hash

check_config(config)
PLAN = make_plan(config)
RUN = config["run_name"]
LOGS = f"runs/{RUN}/logs"
BENCH = f"runs/{RUN}/benchmarks"
CONFIG_HASH = config_hash(config)
THREADS = config["threads"]
# Cluster resources (workflow/profiles/slurm). Training asks for a GPU unless the config pins the
# CPU; evaluation (a frozen network's forward pass) only when the config pins CUDA. Locally,
# workflow/profiles/default lets one GPU job run at a time.
TRAIN_GPUS = 0 if config["device"] == "cpu" else 1
EVAL_GPUS = 1 if config["device"] == "cuda" else 0
# Modules registering further methods (config `plugins`): every job's verb imports them.
shell.prefix(f"export GEOINPAINT_PLUGINS={jobs.q(','.join(config['plugins']))}; ")


def alternatives(names):
    """A wildcard constraint matching exactly one of `names`."""
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True)) or "^$"


wildcard_constraints:
    role=alternatives(PLAN.roles),
    maskset=alternatives(name for _, name in PLAN.masksets),
    seed=r"\d+",
    paper=alternatives(PLAN.papers),


def group_of(wildcards):
    """The (role, maskset, seed) group of an inpaint or evaluate job."""
    return jobs.group_of(wildcards.role, wildcards.maskset, wildcards.seed)


# `snakemake --report report.html`: every table and figure with a caption.
report: "../report/workflow.rst"
