"""Run the real Snakemake workflow in a temporary copy of the project (end-to-end tests)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO

ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def workflow_copy(dest: Path) -> Path:
    """Copy what a workflow run needs into `dest`, with the link Snakemake finds profiles by."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", dest)
    for folder in ("config", "workflow"):
        shutil.copytree(REPO / folder, dest / folder)
    (dest / "profiles").symlink_to(os.readlink(REPO / "profiles"))
    return dest


def snakemake(
    where: Path,
    *args: str,
    cores: int | None = 2,
    timeout: int = 900,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run snakemake in `where`, killed after `timeout` s (`cores=None` for cluster runs).

    The hard limit is enforced twice, by `timeout -k 15` on the whole process group and by
    subprocess: a cluster executor whose status command breaks waits forever, even on SIGTERM.
    """
    cmd = ["timeout", "-k", "15", str(timeout), sys.executable, "-m", "snakemake"]
    cmd += ["--cores", str(cores)] if cores else []
    return subprocess.run(
        [*cmd, *args],
        cwd=where,
        env=env or ENV,
        capture_output=True,
        text=True,
        timeout=timeout + 30,
    )


def run_ok(where: Path, *args: str, **kwargs) -> str:
    """`snakemake(...)` that must succeed; returns its stdout and stderr."""
    proc = snakemake(where, *args, **kwargs)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


NICE = 2  # of every background run, relative to pytest (see BackgroundRun)


class BackgroundRun:
    """A workflow run started at once in its own process group and awaited when a test needs it.

    The end-to-end runs are long and largely single-threaded jobs (and SLURM tests mostly wait):
    started when collection finishes, they overlap with the rest of the session instead of
    following it. `result()` fails the calling test if the run failed or overran `timeout` (an
    hour: the embedded default alone takes a fraction of that, but it shares the two cores with
    every other test of the session).
    """

    def __init__(
        self, where: Path, *args: str, timeout: int = 3600, env: dict[str, str] | None = None
    ):
        self.where = where
        self.output = where / "snakemake.out"
        cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
        with self.output.open("w") as sink:
            self.proc = subprocess.Popen(
                cmd,
                cwd=where,
                env={**ENV, **(env or {})},
                stdout=sink,
                stderr=subprocess.STDOUT,
                # Its own process group (stop() kills every job it started), but pytest's session:
                # Linux's scheduler autogroups share the CPU per session, so a run in a session of
                # its own would get one session's share for its two jobs, however long it is. At
                # nice 2 its two jobs weigh about as much as pytest's one thread plus a third (in
                # CI the embedded run still ended 2-5 minutes after the other tests).
                process_group=0,
                preexec_fn=lambda: os.nice(NICE),
            )
        self.deadline = time.monotonic() + timeout

    def result(self) -> Path:
        """Wait for the run; its folder when it succeeded."""
        try:
            code = self.proc.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"workflow run in {self.where} overran its time limit") from None
        assert code == 0, self.output.read_text()[-6000:]
        return self.where

    def stop(self) -> None:
        """Stop the run and every job it started, if it still runs."""
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
