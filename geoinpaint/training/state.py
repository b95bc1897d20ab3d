"""Resumable training state and divergence checks.

State files live outside a workflow's declared outputs (Snakemake deletes declared outputs of a
failed job), so a killed job resumes from its last completed epoch instead of restarting.
Everything saved is tensors and plain containers, so it loads with `weights_only=True`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)


class DivergenceError(RuntimeError):
    """Training produced a NaN or infinite loss."""


def atomic_save(obj: Any, path: Path) -> None:
    """`torch.save` to a temporary file, then rename: a kill never leaves a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with `weights_only=True`, naming the file when it is missing or broken."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint not found")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several unrelated types for a corrupt file
        raise ValueError(f"{path}: not a readable checkpoint ({err})") from err
