"""The one-batch overfit check of every trainable method: can its training routine fit one
fixed batch (its losses, gradients and updates wired together)?"""

from __future__ import annotations

from typing import Any

import torch

from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.registry import build_method
from geoinpaint.training.data import Batch

STEPS = 100
"""The budget: every method's small variant halves its L1 well within it on its test batch."""


def train_until_halved(
    routine: Any, batch: Batch, key: str = "l1", steps: int = STEPS
) -> tuple[dict[str, float], dict[str, float], int]:
    """Train `routine` on `batch` until the loss `key` is below half its first value, for at
    most `steps` steps. Returns the first step's losses, the last step's, and the step count.

    The check passes when `last[key] < first[key] / 2`: the loss halved within the budget. Steps
    after that one would show nothing more, and they are most of the test's time."""

    def step() -> dict[str, float]:
        return {name: float(value) for name, value in routine.train_step(batch).items()}

    first = last = step()
    taken = 1
    while taken < steps and not last[key] < 0.5 * first[key]:
        last = step()
        taken += 1
    return first, last, taken


def l1_first_and_last(name: str, options: dict, batch: Batch) -> tuple[float, float]:
    """Method `name` with `options`, built with seed 0, trained on `batch` on the CPU by
    `train_until_halved`: its `l1` on the first step and on the last."""
    torch.manual_seed(0)
    method = build_method(name, options)
    size, n = batch.images.shape[-1], len(batch.images)
    ctx = TrainContext("classification", size, n, torch.device("cpu"))
    first, last, _ = train_until_halved(method.routine(ctx), batch)
    return first["l1"], last["l1"]
