"""The resumable epoch loop shared by every trained network.

One `fit` call trains with Adam and a cosine schedule, seeds every random draw from one
generator, saves a resumable state after each epoch (outside any declared workflow output),
resumes from it when it exists, stops with a clear message on a NaN/Inf loss, and logs one
history row per epoch (loss, task score, seconds, images/s).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from geoinpaint.training.state import atomic_save, check_finite, load_checkpoint

log = logging.getLogger(__name__)

StepFn = Callable[[torch.Tensor], tuple[torch.Tensor, float]]
"""`step(indices) -> (mean loss, task score summed over the batch)` for one batch."""


def fit(
    model: nn.Module,
    n_samples: int,
    step: StepFn,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    gen: torch.Generator,
    state_path: Path,
    score_name: str = "train_accuracy",
) -> list[dict]:
    """Train `model` for `epochs` over `n_samples` samples; return the per-epoch history."""
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    start, history = 0, []
    if Path(state_path).exists():
        state = load_checkpoint(state_path)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"])  # dropout draws from the global generator
        start, history = state["epoch"], state["history"]
        log.info("resuming from %s at epoch %d/%d", state_path, start, epochs)
    for epoch in range(start, epochs):
        model.train()
        t0, total, score, seen = time.perf_counter(), 0.0, 0.0, 0
        order = torch.randperm(n_samples, generator=gen)
        batches = range(0, n_samples, batch_size)
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{epochs}", unit="batch")
        for step_i, i in enumerate(bar):
            idx = order[i : i + batch_size]
            loss, batch_score = step(idx)
            check_finite(loss, epoch + 1, step_i, state_path)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            score += batch_score
            seen += len(idx)
            bar.set_postfix(loss=f"{total / seen:.3f}", score=f"{score / seen:.3f}")
        sched.step()
        seconds = time.perf_counter() - t0
        history.append(
            {
                "epoch": epoch + 1,
                "loss": total / seen,
                score_name: score / seen,
                "seconds": seconds,
                "images_per_s": seen / seconds,
            }
        )
        log.info(
            "epoch %d/%d loss %.4f %s %.3f (%.0f img/s)",
            epoch + 1,
            epochs,
            total / seen,
            score_name,
            score / seen,
            seen / seconds,
        )
        atomic_save(
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(),
                "rng": gen.get_state(),
                "torch_rng": torch.get_rng_state(),
                "epoch": epoch + 1,
                "history": history,
            },
            state_path,
        )
    return history
