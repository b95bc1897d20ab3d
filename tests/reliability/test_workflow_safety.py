"""The workflow: every value reaches a job's shell as one quoted word, every file lies under its
run's name, and a rerun of a finished training keeps its model."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from geoinpaint.config import check_config
from geoinpaint.experiments.plan import plan

REPO = Path(__file__).resolve().parents[2]
RULES = sorted((REPO / "workflow" / "rules").glob("*.smk"))
JOB_RULES = [r for r in RULES if r.name != "common.smk"]
# arguments the schema types as numbers (integers, fractions): safe as they are
NUMBER_FLAGS = (
    "size",
    "train-per-class",
    "test-per-class",
    "train-fraction",
    "limit",
    "n",
    "n-images",
    "seed",
)
# Where the rules' argument strings are built (geoinpaint.experiments: jobs, figures).
ARGUMENT_BUILDERS = [REPO / "geoinpaint" / "experiments" / f for f in ("jobs.py", "figures.py")]
ARGUMENT_STRINGS = {
    "params.args",
    "params.config",
    "params.jobs",
    "params.command",
    "params.masks",
    "params.maskmix",
    "params.layout",
    "params.options",
    "params.task_net",
    "params.paper",
    "params.sizes",
    "params.repeats",
    "params.seed",
    "threads",
    "wildcards.seed",
}


def _shell_strings(text: str) -> list[str]:
    """The string literals of every `shell:` block."""
    blocks = re.findall(r"^\s+shell:\n((?:\s+\".*\"\n)+)", text, flags=re.M)
    return [s for block in blocks for s in re.findall(r"\"(.*)\"", block)]


@pytest.mark.parametrize("rules", JOB_RULES, ids=lambda p: p.name)
def test_every_path_in_a_shell_command_is_quoted(rules):
    shells = _shell_strings(rules.read_text())
    assert shells, f"no shell command found in {rules}"
    for shell in shells:
        for name, spec in re.findall(r"(?<!\{)\{([\w.\[\]]+)(:[^}]*)?\}(?!\})", shell):
            assert spec == ":q" or name in ARGUMENT_STRINGS, f"{rules.name}: {{{name}}} unquoted"


@pytest.mark.parametrize("source", RULES + ARGUMENT_BUILDERS, ids=lambda p: p.name)
def test_argument_strings_quote_every_value_they_carry(source):
    # a path or name interpolated into an argument string goes through q()
    text = source.read_text()
    quoted = set(re.findall(r"(\w+) = q\(", text))  # local names holding a quoted value
    values = re.findall(r"--([\w-]+) \{([^{}]+)\}", text)
    assert values or source not in ARGUMENT_BUILDERS, f"no argument string in {source.name}"
    for flag, value in values:
        # a shell command's placeholders: checked by the test above
        shell = value.endswith(":q") or value in ARGUMENT_STRINGS
        ok = re.match(r"(jobs\.)?q\(", value) or flag in NUMBER_FLAGS or value in quoted or shell
        assert ok, f"{source.name}: --{flag} {{{value}}} is not quoted"


@pytest.mark.parametrize("rules", RULES, ids=lambda p: p.name)
def test_every_file_a_rule_writes_lies_under_its_run(rules):
    for top in re.findall(r"f\"(data|runs|results|paper_figures)/([^\"]*)\"", rules.read_text()):
        assert top[1].startswith("{RUN}/"), f"{rules.name}: {top[0]}/{top[1]} not under the run"


def test_two_run_names_never_share_a_result_file():
    config = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    from snakemake.utils import validate

    paths = []
    for name in ("smoke", "other"):
        c = {**config, "run_name": name}
        validate(c, str(REPO / "config" / "schema.yaml"))
        check_config(c)
        p = plan(c)
        paths.append({p.results(paper) for paper in p.papers} | {p.figures(x) for x in p.papers})
    assert paths[0] and not paths[0] & paths[1]


# -- slow: real Snakemake runs ---------------------------------------------------------------------
@pytest.mark.slow
def test_a_role_and_a_root_with_spaces_and_a_semicolon_reach_their_jobs_intact(tmp_path):
    from workflow_run import run_ok, workflow_copy

    from .test_inputs import _rsscn7

    where = workflow_copy(tmp_path / "wf")
    root = _rsscn7(tmp_path / "my data;touch PWNED")
    config = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    role = "rs scn7;touch PWNED2"
    config["datasets"] = {
        role: {"source": "rsscn7", "root": str(root), "size": 32, "limit": 28},
        **{k: v for k, v in config["datasets"].items() if k != "rsscn7"},
    }
    config["tasks"]["classification"]["dataset"] = role
    (where / "config" / "odd.yaml").write_text(yaml.safe_dump(config))
    target = f"data/smoke/{role}/testsets/cloud"
    # targets first: `--configfile` takes every word after it as a config file
    run_ok(where, target, "--cores", "1", "--configfile", "config/odd.yaml", timeout=600)
    assert (where / target / "manifest.csv").is_file()
    assert not list(where.rglob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))


@pytest.mark.slow
def test_forcerun_of_a_finished_training_writes_the_same_model_again(smoke_run, tmp_path):
    from workflow_run import run_ok

    where = tmp_path / "copy"
    shutil.copytree(smoke_run, where, symlinks=True)
    model = "runs/smoke/rsscn7/seed0/train_cloud/proposed.pt"
    log = model.replace(".pt", "_log.csv")
    before = {f: (where / f).read_bytes() for f in (model, log)}
    for _ in range(2):  # the case: every later run failed the same way
        run_ok(where, model, "--forcerun", "train_inpainting", "--configfile", "config/smoke.yaml")
        assert {f: (where / f).read_bytes() for f in (model, log)} == before
