"""Resumable training state, keyed by what defines the result, and divergence checks.

State files live outside a workflow's declared outputs (Snakemake deletes declared outputs of a
failed job), so a killed job resumes from its last completed epoch instead of restarting.
Everything saved is tensors and plain containers, so it loads with `weights_only=True`.

A state carries the key of its run (`state_key`: a hash of everything that defines the result,
e.g. method, options, data and mask manifests, task network, seed). A run resumes only a state
of its own key; a state of another key is kept aside as `<stem>.<key[:12]>.pt` (never deleted),
and taken back when the run with that key comes again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from geoinpaint.atomic import atomic_path

log = logging.getLogger(__name__)


class DivergenceError(RuntimeError):
    """Training produced a NaN or infinite loss or weight."""


def atomic_save(obj: Any, path: Path) -> None:
    """`torch.save` to a temporary file beside `path`, then rename: a kill or a full disk never
    leaves a half-written file, and the previous version stays intact until the new one is
    complete."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        # to a file object: a path would name the archive inside after the temporary file, and
        # the same state would give other bytes each time
        torch.save(obj, f)


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with `weights_only=True` (a pickle carrying code is refused), naming the
    file when it is missing, truncated or not a checkpoint."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several unrelated types for a corrupt file
        raise ValueError(
            f"{path}: not a readable checkpoint (truncated, or not saved by geoinpaint with plain "
            f"tensors: {str(err).splitlines()[0]})"
        ) from err
    if not isinstance(state, dict):
        raise ValueError(f"{path}: not a geoinpaint checkpoint (holds a {type(state).__name__})")
    return state


def state_key(identity: dict[str, Any]) -> str:
    """Hex sha256 of `identity` (JSON with sorted keys): equal exactly when the run is the same."""
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _tensors(obj: Any, where: str) -> Iterator[tuple[str, torch.Tensor]]:
    if isinstance(obj, torch.Tensor):
        yield where, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _tensors(v, f"{where}.{k}" if where else str(k))
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from _tensors(v, f"{where}[{i}]")


def nonfinite(state: Any) -> list[str]:
    """The entries of a (nested) state whose floating-point tensor holds a NaN or Inf."""
    return [
        name
        for name, t in _tensors(state, "")
        if t.is_floating_point() and not bool(torch.isfinite(t).all())
    ]


def aside_path(state: Path, key: str) -> Path:
    """Where a state of run `key` is kept while another run uses `state`."""
    state = Path(state)
    return state.with_name(f"{state.stem}.{(key or 'unkeyed')[:12]}{state.suffix}")


def resume_state(state: Path, key: str) -> dict[str, Any] | None:
    """The saved state of run `key` at `state`, or None to start fresh.

    A state of another run is moved aside (`aside_path`, with a warning naming both files); a
    state of this run kept aside earlier is moved back and resumed.
    """
    state = Path(state)
    if state.exists():
        saved = load_checkpoint(state)
        if saved.get("key", "") == key:
            return saved
        aside = aside_path(state, saved.get("key", ""))
        os.replace(state, aside)
        log.warning(
            "%s belongs to a run with other settings: kept as %s, this run starts fresh",
            state,
            aside,
        )
    earlier = aside_path(state, key)
    if earlier.exists():
        saved = load_checkpoint(earlier)
        if saved.get("key", "") == key:
            os.replace(earlier, state)
            log.info("%s: resuming this run's earlier state (kept as %s)", state, earlier)
            return saved
    return None
