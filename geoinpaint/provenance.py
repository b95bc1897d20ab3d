"""What produced a result: config hash, seed, code version, package versions, time."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "geoinpaint",
    "torch",
    "torchvision",
    "numpy",
    "scikit-image",
    "opencv-python-headless",
    "pandas",
    "snakemake",
    "piq",
    "lpips",
    "pytorch-fid",
    "brisque",
)
TIME_FIELDS = ("created_at",)
"""Provenance fields that differ between two otherwise identical runs."""


def config_hash(config: dict[str, Any]) -> str:
    """First 12 hex digits of the sha256 of the config as canonical JSON."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]


def git_commit() -> str:
    """Commit of the source tree the package runs from, `+dirty` if tracked files changed."""
    src = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(src), *args], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return commit + ("+dirty" if dirty else "")


def package_versions() -> str:
    """`name=version` of the packages that shape results, `;`-separated."""
    out = []
    for name in PACKAGES:
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=absent")
    return ";".join(out)


def provenance(config_hash: str, seed: int) -> dict[str, str | int]:
    """The provenance columns every results row carries."""
    return {
        "config_hash": config_hash,
        "seed": seed,
        "git_commit": git_commit(),
        "versions": package_versions(),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
