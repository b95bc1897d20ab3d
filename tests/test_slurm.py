"""Cluster execution: the workflow through a real single-node SLURM and the SLURM profile.

The session fixture starts munged, slurmctld and slurmd on 127.0.0.1 with .ci/slurm/slurm-up.sh
(installing Debian's slurm-wlm and munge when missing) and stops them by pid with slurm-down.sh
when the session ends. Where that cannot work (not root, no apt-get) the tests skip, except with
CI=true: CI must always run them.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd
import pytest
import yaml

from conftest import REPO
from geoinpaint.provenance import TIME_FIELDS
from workflow_run import ENV, run_ok, snakemake, workflow_copy

SCRIPTS = REPO / ".ci" / "slurm"
SLURM_DIR = Path(os.environ.get("GEOINPAINT_SLURM_DIR", "/tmp/geoinpaint-slurm"))
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")
CLUSTER_RULES = {"train_task", "train_inpainting", "runtime", "inpaint", "evaluate"}
"""Everything else is a localrule."""
MEASURED = {"runtime.csv"}  # wall-clock times: the one result that differs between runs
EPOCH_DONE = re.compile(r"epoch (\d+)/\d+: loss")
RESUMED = re.compile(r"resuming .*at epoch (\d+)/(\d+)")


def why_slurm_cannot_run() -> str | None:
    """Why this machine cannot start a SLURM cluster for the tests, or None if it can."""
    if not sys.platform.startswith("linux"):
        return f"the SLURM daemons need Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return "starting munged, slurmctld and slurmd needs root"
    if not all(shutil.which(b) for b in ("munged", "slurmctld", "slurmd", "sbatch")):
        if not shutil.which("apt-get"):
            return "SLURM is not installed and there is no apt-get to install it"
    return None


def lock_or_fail(path: Path, timeout: float = 1200) -> IO:
    """Hold `path` locked: two test sessions on one machine would share ports and daemons."""
    handle = path.open("w")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                pytest.fail(f"another test session held {path} for {timeout:.0f} s")
            time.sleep(1)


def script(name: str, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess:
    cmd = ["timeout", "-k", "15", str(timeout), "bash", str(SCRIPTS / name)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout + 30)


@pytest.fixture(scope="session")
def slurm_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment for SLURM clients of a running single-node cluster, stopped after the session."""
    reason = why_slurm_cannot_run()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, so the real-SLURM tests must run, but {reason}")
        pytest.skip(f"no real SLURM here: {reason}")
    lock = lock_or_fail(SLURM_DIR.with_name(SLURM_DIR.name + ".lock"))
    env = {
        **ENV,
        "GEOINPAINT_SLURM_DIR": str(SLURM_DIR),
        "SLURM_CONF": str(SLURM_DIR / "etc" / "slurm.conf"),
    }

    def down() -> None:
        proc = script("slurm-down.sh", env, timeout=180)
        print(proc.stdout + proc.stderr)
        lock.close()

    request.addfinalizer(down)  # before starting: also stops what a failed start left running
    t0 = time.monotonic()
    up = script("slurm-up.sh", env, timeout=600)
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
    print(f"SLURM up in {time.monotonic() - t0:.1f} s")
    return env


def cluster_profile(dest: Path) -> Path:
    """workflow/profiles/slurm with its EDIT-ME values filled in for the test cluster."""
    profile = yaml.safe_load((REPO / "workflow/profiles/slurm/config.yaml").read_text())
    del profile["default-resources"]["slurm_account"]  # no accounting here
    for resources in (profile["default-resources"], *profile.get("set-resources", {}).values()):
        if "slurm_partition" in resources:
            resources["slurm_partition"] = "debug"
    assert "EDIT-ME" not in yaml.safe_dump(profile), "the test must fill every placeholder"
    profile |= {
        "slurm-no-account": True,
        # squeue, not sacct: no slurmdbd here, and slurm.conf keeps finished jobs 300 s in squeue
        "slurm-status-command": "squeue",
        "slurm-init-seconds-before-status-checks": 2,
        "seconds-between-status-checks": 2,
        "slurm-keep-successful-logs": True,
        "latency-wait": 5,
        "jobs": 4,
    }
    dest.mkdir(parents=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return dest


def on_slurm(profile: Path, config: str, *targets: str) -> list[str]:
    """Snakemake arguments of a cluster run (targets first: --configfile takes several values)."""
    return [*targets, "--workflow-profile", str(profile), "--configfile", config]


def submitted_jobs(output: str) -> dict[int, str]:
    """SLURM job id -> rule, from Snakemake's 'submitted with SLURM jobid' lines."""
    return {
        int(job): re.search(r"/rule_([^/]+)/", log).group(1)
        for job, log in SUBMITTED.findall(output)
    }


def slurmctld_saw(job: int, event: str) -> bool:
    """Whether the controller's log records `event` (e.g. 'WEXITSTATUS 0') for `job`."""
    log = (SLURM_DIR / "log" / "slurmctld.log").read_text()
    return re.search(rf"JobId={job} {re.escape(event)}", log) is not None


def smoke_config(where: Path, run_name: str, epochs: int) -> str:
    """Write config/smoke.yaml with another run name and epoch count; returns its path."""
    config = yaml.safe_load((where / "config" / "smoke.yaml").read_text())
    config["run_name"] = run_name
    config["tasks"]["classification"]["epochs"] = epochs
    path = where / "config" / f"{run_name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path.relative_to(where))


@pytest.mark.parametrize(("device", "gpus"), [("auto", 1), ("cpu", 0)])
def test_training_asks_the_cluster_for_a_gpu_unless_the_config_pins_the_cpu(device, gpus, tmp_path):
    out = run_ok(workflow_copy(tmp_path), "-n", "--config", f"device={device}")
    # found through the link profiles -> workflow/profiles; its gpu=1 limit serialises GPU jobs
    assert "Using workflow specific profile profiles/default" in out
    train = re.search(r"\nrule train_task:.*?\n\s*resources: ([^\n]*)", out, re.S)
    resources = dict(r.split("=", 1) for r in train.group(1).split(", "))
    assert resources["gpu"] == str(gpus)
    threads = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["threads"]
    assert resources["cpus_per_task"] == str(threads) and resources["mem_mb"] == "4000"
    assert resources["runtime"] == "120"


@pytest.mark.slow
def test_smoke_scene_tables_through_real_slurm_submit_every_cluster_rule_and_match_local_results(
    slurm_env, smoke_run, tmp_path
):
    where = workflow_copy(tmp_path / "wf")
    profile = cluster_profile(tmp_path / "profile")
    t0 = time.monotonic()
    # scene recognition's part of the smoke run: every cluster rule, on one test set
    results = Path("results/smoke/task_driven")
    targets = [str(results / n) for n in ("table_I.csv", "table_VIII.csv", "runtime.csv")]
    proc = snakemake(
        where,
        *on_slurm(profile, "config/smoke.yaml", *targets),
        cores=None,
        env=slurm_env,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    jobs = submitted_jobs(out)
    print(f"smoke scene tables through SLURM in {time.monotonic() - t0:.0f} s, sbatch jobs: {jobs}")
    assert set(jobs.values()) == CLUSTER_RULES, "cluster rules via sbatch, localrules not"
    # one per test set (a task's role and mask set), scoring its rows
    assert sum(rule == "evaluate" for rule in jobs.values()) == 1
    for job, log in SUBMITTED.findall(out):
        assert slurmctld_saw(int(job), "WEXITSTATUS 0"), f"SLURM has no record of job {job} ending"
        assert Path(log).is_file(), f"no SLURM log of job {job}"
    # Same config and seed, run twice on this machine (locally and through SLURM): identical
    # results apart from the provenance time fields (and the measured inference times).
    compared = sorted(p.name for p in (where / results).glob("*.csv") if p.name not in MEASURED)
    assert compared == ["table_I.csv", "table_VIII.csv"], compared
    assert (where / results / "runtime.csv").is_file()
    for name in compared:
        on_slurm_ = pd.read_csv(where / results / name)
        local = pd.read_csv(smoke_run / results / name)
        drop = [c for c in TIME_FIELDS if c in local.columns]
        pd.testing.assert_frame_equal(on_slurm_.drop(columns=drop), local.drop(columns=drop))


@pytest.mark.slow
def test_failing_slurm_job_fails_the_run(slurm_env, tmp_path):
    where = workflow_copy(tmp_path / "wf")
    profile = cluster_profile(tmp_path / "profile")
    config = smoke_config(where, "broken", epochs=2)
    state = where / "runs" / "broken" / "state" / "rsscn7" / "seed0" / "task_net.pt"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"not a checkpoint")  # the training job dies loading it, inside SLURM
    proc = snakemake(
        where,
        "--retries",
        "0",
        *on_slurm(profile, config, "runs/broken/rsscn7/seed0/task_net.pt"),
        cores=None,
        env=slurm_env,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-5000:]
    (job,) = submitted_jobs(out)
    assert f"SLURM-job '{job}' failed, SLURM status is: 'FAILED'" in out
    assert slurmctld_saw(job, "WEXITSTATUS 1")
    train_log = where / "runs/broken/logs/train_task_rsscn7_seed0.log"
    assert "not a readable checkpoint" in train_log.read_text()
    assert not (where / "runs/broken/rsscn7/seed0/task_net.pt").exists()


def wait_for(what: str, condition: Callable[[], object], proc: subprocess.Popen, timeout: float):
    """Poll `condition` until it is truthy and return its value; fail if Snakemake exits first."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if proc.poll() is not None:
            pytest.fail(f"snakemake exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.5)
    return value


@pytest.mark.slow
def test_training_job_requeued_or_cancelled_on_slurm_resumes_from_its_last_epoch(
    slurm_env, tmp_path
):
    where = workflow_copy(tmp_path / "wf")
    profile = cluster_profile(tmp_path / "profile")
    config = smoke_config(where, "resume", epochs=24)
    train_log = where / "runs" / "resume" / "logs" / "train_task_rsscn7_seed0.log"
    output = tmp_path / "snakemake.log"

    def log_text() -> str:
        return train_log.read_text() if train_log.exists() else ""

    def epochs_done() -> int:
        return max(map(int, EPOCH_DONE.findall(log_text())), default=0)

    def resumed_at() -> int:
        found = RESUMED.search(log_text())
        return int(found.group(1)) if found else 0

    def slurm(*cmd: str) -> str:
        proc = subprocess.run(cmd, env=slurm_env, capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, f"{' '.join(cmd)}: {proc.stderr}"
        return proc.stdout

    cmd = ["timeout", "-k", "15", "600", sys.executable, "-m", "snakemake"]
    cmd += on_slurm(profile, config, "runs/resume/rsscn7/seed0/task_net.pt")
    with (
        output.open("w") as sink,
        subprocess.Popen(
            cmd, cwd=where, env=slurm_env, stdout=sink, stderr=subprocess.STDOUT
        ) as proc,
    ):
        try:
            # 1. preempted: SLURM kills the running job and queues it again (same job id).
            # Two logged epochs: the state of the first is saved for sure.
            wait_for("two epochs", lambda: epochs_done() >= 2, proc, 300)
            (job,) = submitted_jobs(output.read_text())
            slurm("scontrol", "requeue", str(job))
            wait_for(
                "the requeue",
                lambda: "PENDING" in slurm("squeue", "-h", "-j", str(job), "-o", "%T"),
                proc,
                60,
            )
            slurm("scontrol", "update", f"JobId={job}", "StartTime=now")  # else held for ~2 min
            first = wait_for("the requeued job to resume", resumed_at, proc, 120)
            # 2. killed (as at a time limit): Snakemake resubmits it (`retries: 1` in the profile)
            wait_for("two more epochs", lambda: epochs_done() >= first + 2, proc, 120)
            slurm("scancel", str(job))
            second = wait_for(
                "the retried job to resume", lambda: (k := resumed_at()) > first and k, proc, 180
            )
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:  # `timeout` passes SIGTERM on, and SIGKILLs 15 s later
                proc.terminate()
                proc.wait(timeout=60)
    out = output.read_text()
    assert proc.returncode == 0, out[-5000:]
    jobs = submitted_jobs(out)
    print(f"training jobs {jobs}: requeued at epoch {first}, cancelled and resumed at {second}")
    assert 0 < first < second < 24
    assert list(jobs.values()) == ["train_task"] * 2 and job in jobs
    retry = max(jobs)
    assert not slurmctld_saw(job, "WEXITSTATUS 0"), "the requeued job was cancelled"
    assert slurmctld_saw(retry, "WEXITSTATUS 0")
    # the rule's resources reached SLURM, and the retry got twice the time limit
    for job_id, limit in ((job, "02:00:00"), (retry, "04:00:00")):
        shown = slurm("scontrol", "show", "job", "-o", str(job_id))
        for field in (f"TimeLimit={limit}", "MinMemoryNode=4000M", "NumCPUs=1"):
            assert field in shown, f"{field} not in: {shown}"
    history = pd.read_csv(where / "runs" / "resume" / "rsscn7" / "seed0" / "task_net_log.csv")
    assert list(history["epoch"]) == list(range(1, 25)), "every epoch exactly once"
