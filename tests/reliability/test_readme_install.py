"""The README's commands work from the README's main-job install (`pip install -e .`, no test
extras) on a fresh copy: the smoke workflow (over the files of the suite's own smoke run, so the
install is what this test adds), its report, and the `geoinpaint` verbs it shows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def _fresh_copy(dest: Path) -> Path:
    """The checkout's files as a clone has them (tracked and new, never ignored ones)."""
    names = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in names)):
        src = REPO / name
        if src.is_file() and not src.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
        elif src.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).symlink_to(os.readlink(src))
    return dest


def _sh(where: Path, command: str, timeout: int = 1800) -> str:
    """`command` in bash with the fresh venv active, as a person types it after the install."""
    proc = subprocess.run(
        ["bash", "-c", f". .venv/bin/activate && {command}"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
    )
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


def test_readme_commands_work_after_the_readmes_install_without_test_extras(tmp_path, smoke_run):
    install = "python3.11 -m venv .venv && . .venv/bin/activate && pip install -e ."
    assert f"{install} && snakemake --cores all" in README
    where = _fresh_copy(tmp_path / "clone")
    python = shutil.which("python3.11") or sys.executable
    subprocess.run([python, "-m", "venv", ".venv"], cwd=where, check=True)
    # --no-compile changes no installed file: it skips the ahead-of-time bytecode of torch's
    # thousands of modules; Python compiles what the commands import when they import it
    _sh(where, "pip install -q --no-compile -e .", timeout=2400)
    listed = json.loads(_sh(where, "pip list --format=json").splitlines()[0])
    installed = {p["name"].lower() for p in listed}
    assert not installed & {"pytest", "ruff"}, "the test extras must not be installed"

    smoke = "--configfile config/smoke.yaml"
    assert f"snakemake --cores all {smoke}" in README
    # the smoke run's files (the session's other smoke run, timestamps kept): this install's
    # Snakemake must take them as finished and rerun only what it would rerun anyway
    for name in ("data", "runs", "results", "paper_figures", ".snakemake"):
        shutil.copytree(
            smoke_run / name,
            where / name,
            symlinks=True,
            ignore=shutil.ignore_patterns("locks"),
            dirs_exist_ok=True,  # results/ and paper_figures/ hold a tracked README
        )
    _sh(where, f"snakemake --cores 2 {smoke}", timeout=2400)
    assert "snakemake --report report.html" in README
    _sh(where, f"snakemake --report report.html {smoke}")
    assert (where / "report.html").stat().st_size > 10_000

    _sh(where, "geoinpaint --help")
    _sh(where, "geoinpaint weights")
    checkpoint = "runs/smoke/rsscn7/seed0/train_cloud/proposed.pt"
    testset = "data/smoke/rsscn7/testsets/cloud"
    assert "geoinpaint inpaint --method proposed --checkpoint" in README
    _sh(
        where,
        f"geoinpaint inpaint --method proposed --checkpoint {checkpoint} "
        f"--images {testset}/occluded --masks {testset}/masks --out REPAIRED",
    )
    assert len(list((where / "REPAIRED").glob("*.png"))) == len(
        list((where / testset / "occluded").glob("*.png"))
    )
    assert "geoinpaint evaluate --task crossview --testset" in README
    cvusa = "data/smoke/cvusa/testsets/irregular"
    _sh(
        where,
        f"geoinpaint evaluate --task crossview --testset {cvusa} --images {cvusa}/occluded "
        "--task-net runs/smoke/cvusa/seed0/task_net.pt --out metrics.csv",
    )
    assert (where / "metrics.csv").is_file()
