"""Killing Snakemake (Ctrl-C, then SIGKILL for everything it started) at random points of the
smoke run's scene-recognition tables (every kind of job: data, masks, test set, task network,
inpainting trainings, inference timing, inpainting, scoring, tables), then rerunning, gives
the same results as one uninterrupted run of the whole smoke workflow."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow
RESULTS = "results/smoke/task_driven"
TARGETS = tuple(f"{RESULTS}/{name}" for name in ("table_I.csv", "table_VIII.csv", "runtime.csv"))
ARGS = (*TARGETS, "--configfile", "config/smoke.yaml")


def results(where: Path) -> dict[str, str]:
    """The targeted tables (not the measured times), without their `created_at` column (the one
    field that differs between two runs by design, docs/conventions.md)."""
    out = {}
    for path in (where / t for t in TARGETS):
        if path.name == "runtime.csv":
            assert path.is_file(), path
            continue
        rows = list(csv.reader(io.StringIO(path.read_text())))
        drop = rows[0].index("created_at") if "created_at" in rows[0] else None
        kept = [[c for i, c in enumerate(r) if i != drop] for r in rows]
        out[str(path.relative_to(where))] = "\n".join(",".join(r) for r in kept)
    return out


def _interrupt(where: Path, fraction: float, delay: float, log: Path) -> int | None:
    """Run the smoke workflow's targets; once `fraction` of its steps are done and `delay` s
    more have passed, send Ctrl-C (SIGINT to the whole process group), then SIGKILL what still
    runs after 5 s. Returns the exit code when it finished before that point."""
    from workflow_run import ENV

    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *ARGS]
    with log.open("a") as sink:
        proc = subprocess.Popen(
            cmd, cwd=where, env=ENV, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 1800
    while proc.poll() is None:
        done = re.findall(r"(\d+) of (\d+) steps", log.read_text().split("Building DAG")[-1])
        if done and int(done[-1][0]) >= fraction * int(done[-1][1]):
            break
        assert time.monotonic() < deadline, "the smoke run made no progress"
        time.sleep(0.2)
    else:
        return proc.returncode
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # jobs that outlived Snakemake die too
    except ProcessLookupError:
        pass
    proc.wait()
    return None


def test_five_kills_at_random_points_then_a_rerun_give_the_uninterrupted_results(
    smoke_run, tmp_path
):
    from workflow_run import run_ok, snakemake, workflow_copy

    where = workflow_copy(tmp_path / "wf")
    log = tmp_path / "snakemake.log"
    rng = np.random.default_rng()
    points = sorted(rng.uniform(0.05, 0.95, 5))
    finished_early = []
    for fraction in points:
        with log.open("a") as f:
            f.write(f"\n=== interrupt at {fraction:.2f} of the remaining steps\n")
        code = _interrupt(where, float(fraction), float(rng.uniform(0, 3)), log)
        if code is not None:
            finished_early.append(code)
            break
        if any((where / ".snakemake" / "locks").glob("*")):
            snakemake(where, *ARGS, "--unlock")  # as Snakemake tells a user after a crash
    run_ok(where, *ARGS, timeout=2400)
    assert results(where) == results(smoke_run), log.read_text()[-4000:]
    assert not finished_early or finished_early == [0]
    leftovers = [
        p
        for top in ("data", "runs", "results", "paper_figures")
        for pattern in (".*.tmp", ".*.old")
        for p in (where / top).rglob(pattern)
    ]
    assert not leftovers, leftovers
