"""Run the real Snakemake workflow in a temporary copy of the project (end-to-end tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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
