"""The one training engine: every trained network (inpainting methods and task networks).

A caller hands the engine a `Routine` (its modules, optimisers and schedulers behind
`state_dict()`/`load_state_dict()`, and `train_step(batch)`, which runs one iteration in its
own update order, e.g. D_c, D_r, then G, and returns its losses) and a `collate(indices, epoch)`
that turns sample indices into the routine's batch (augmentations included, see
`training.data`). The engine owns what every trained network needs the same way:

- the sample order: epoch `e` visits a permutation drawn from `(seed, e)` alone, and routines
  draw their per-sample randomness from `(seed, epoch, sample)` (`sample_rng`), so a resumed run
  continues exactly where it stopped, even mid-epoch (the global torch generators are
  reseeded from `(seed, epoch, step)` before every iteration for the same reason);
- mixed precision on CUDA (`Amp`: bfloat16 autocast where supported, else float16 with a
  gradient scaler), full precision on the CPU;
- a progress bar with the running losses and images/s, one CSV row per epoch, a sample grid PNG
  per epoch;
- a resumable state (`state_path`, outside any declared workflow output) saved after every epoch
  and every `save_every_s` seconds within one, written atomically, keyed by `identity` (what
  defines the result: a run with other settings never resumes it, see `training.state`);
- NaN/Inf detection: a non-finite loss stops training with `DivergenceError`, and so does a
  non-finite weight at a save: the state on disk is always the last good (finite) one;
- idempotence: a run whose state is complete runs no epoch but still writes its log CSV, so
  every declared output of a rerun job (`--forcerun`) is there again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from geoinpaint.atomic import atomic_path
from geoinpaint.io import tile, write_image
from geoinpaint.runtime import DeviceChoice
from geoinpaint.training.state import (
    DivergenceError,
    atomic_save,
    nonfinite,
    resume_state,
    state_key,
)

log = logging.getLogger(__name__)


def sample_rng(seed: int, epoch: int, sample: int, purpose: str = "") -> np.random.Generator:
    """The random stream of one training sample in one epoch, independent of batch order."""
    return np.random.default_rng([seed, epoch, sample, *(ord(c) for c in purpose)])


class Amp:
    """Mixed precision for one training run: a no-op on the CPU or when disabled."""

    def __init__(self, device: torch.device, enabled: bool):
        self.enabled = enabled and device.type == "cuda"
        bf16 = self.enabled and torch.cuda.is_bf16_supported()
        self.dtype = torch.bfloat16 if bf16 else torch.float16
        use_scaler = self.enabled and self.dtype == torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=use_scaler)
        self.device_type = device.type

    def autocast(self) -> contextlib.AbstractContextManager:
        """Forward passes run under this context."""
        if not self.enabled:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def backward(self, loss: torch.Tensor) -> None:
        self.scaler.scale(loss).backward()

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        self.scaler.step(optimizer)

    def update(self) -> None:
        """Once per iteration, after every optimiser has stepped."""
        self.scaler.update()

    def state_dict(self) -> dict[str, Any]:
        return self.scaler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state:
            self.scaler.load_state_dict(state)


class Routine(Protocol):
    """What a trained network gives the engine."""

    def train_step(self, batch: Any) -> dict[str, torch.Tensor]:
        """One iteration on a collated batch; returns named scalar losses (detached)."""
        ...

    def end_epoch(self, epoch: int) -> dict[str, float]:
        """Called after each epoch (e.g. LR schedulers); returns values to log (e.g. lr)."""
        ...

    def samples(self) -> torch.Tensor | None:
        """A `(K, 3, H, W)` grid of images in [0, 1] to save after each epoch, or None."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: modules, optimisers, schedulers, scaler."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...

    # Optional: `finished(epochs_done) -> bool` stops training early (e.g. validation patience);
    # asked before every epoch, also on resume, so it must depend on the routine's state alone.


@dataclass
class EngineConfig:
    """How the engine runs one training.

    Attributes:
        epochs: number of passes over the training set.
        batch_size: samples per iteration.
        seed: seeds the sample order (and, through `sample_rng`, the routine's draws).
        state_path: resumable state file (outside the workflow's declared outputs).
        log_csv: per-epoch log, rewritten after every epoch (None = no file).
        samples_dir: where `epoch_XXX.png` sample grids go (None = no grids).
        save_every_s: also save the state within an epoch after this many seconds.
        samples_per_grid_row: images per row of the saved grid.
        desc: label of the progress bar and log lines.
        identity: everything that defines the result (JSON-able); the state is keyed by its
            hash (`training.state.state_key`), so changed settings never resume a stale state.
    """

    epochs: int
    batch_size: int
    seed: int
    state_path: Path
    log_csv: Path | None = None
    samples_dir: Path | None = None
    save_every_s: float = 600.0
    samples_per_grid_row: int = 4
    desc: str = "train"
    identity: dict[str, Any] | None = None


@dataclass
class TrainRun:
    """Where one training run keeps its files, and its seed and device."""

    state: Path
    log_csv: Path | None = None
    samples_dir: Path | None = None
    seed: int = 0
    device: DeviceChoice = "auto"
    save_every_s: float = 600.0


def step_seed(seed: int, epoch: int, step: int) -> None:
    """Global torch generators from `(seed, epoch, step)`: dropout and noise resume exactly."""
    torch.manual_seed((seed * 1_000_003 + epoch) * 1_000_003 + step)


def epoch_order(seed: int, epoch: int, n: int) -> torch.Tensor:
    """The permutation of `n` samples visited in `epoch` (a function of seed and epoch only)."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100003 + epoch))


def steps(n_samples: int, batch_size: int) -> int:
    """Batches per epoch: a last batch of a single sample is dropped when batches are larger
    (batch normalisation cannot normalise one value per channel)."""
    full, rest = divmod(n_samples, batch_size)
    return full + int(rest > 1 or (rest == 1 and batch_size == 1))


def _batches(order: torch.Tensor, batch_size: int, start: int) -> Iterator[torch.Tensor]:
    for step in range(start, steps(len(order), batch_size)):
        yield order[step * batch_size : (step + 1) * batch_size]


def _check_finite(losses: dict[str, torch.Tensor], epoch: int, step: int, state: Path) -> None:
    bad = {k: float(v) for k, v in losses.items() if not torch.isfinite(v).all()}
    if bad:
        kept = (
            f"the last good state is kept at {state}"
            if Path(state).exists()
            else "no state was saved yet"
        )
        raise DivergenceError(
            f"non-finite loss {bad} at epoch {epoch}, step {step}; training stopped, {kept}. "
            "Lower the learning rate or check the inputs for NaN."
        )


class Engine:
    """Runs a `Routine` for `cfg.epochs` epochs over `n_samples` samples, resumably."""

    def __init__(self, cfg: EngineConfig):
        self.cfg = cfg

    @property
    def key(self) -> str:
        return "" if self.cfg.identity is None else state_key(self.cfg.identity)

    def _save(self, routine: Routine, progress: dict[str, Any]) -> None:
        state = routine.state_dict()
        bad = nonfinite(state)
        if bad:
            raise DivergenceError(
                f"non-finite weights in {', '.join(bad[:5])} after epoch {progress['epoch']}, "
                f"step {progress['step']}; training stopped without saving them, the last good "
                f"state is kept at {self.cfg.state_path}. Lower the learning rate."
            )
        atomic_save({"routine": state, "key": self.key, **progress}, self.cfg.state_path)

    def _resume(self, routine: Routine) -> dict[str, Any]:
        fresh = {"epoch": 0, "step": 0, "sums": {}, "seen": 0, "seconds": 0.0, "history": []}
        path = Path(self.cfg.state_path)
        state = resume_state(path, self.key)
        if state is None:
            return fresh
        if nonfinite(state["routine"]):
            raise DivergenceError(
                f"{path} holds non-finite weights ({', '.join(nonfinite(state['routine'])[:5])});"
                " it cannot be resumed: move it away to start this run afresh"
            )
        state.pop("key", None)
        routine.load_state_dict(state.pop("routine"))
        log.info(
            "%s: resuming from %s at epoch %d/%d, step %d",
            self.cfg.desc,
            path,
            state["epoch"] + 1,
            self.cfg.epochs,
            state["step"],
        )
        return {**fresh, **state}

    def _write_log(self, history: list[dict[str, float]]) -> None:
        if self.cfg.log_csv is None:
            return
        with atomic_path(self.cfg.log_csv) as tmp:
            pd.DataFrame(history).to_csv(tmp, index=False)

    def _write_samples(self, routine: Routine, epoch: int) -> None:
        if self.cfg.samples_dir is None:
            return
        grid = routine.samples()
        if grid is None:
            return
        out = Path(self.cfg.samples_dir) / f"epoch_{epoch:03d}.png"
        sheet = grid.detach().float().clamp(0, 1).cpu().numpy()
        write_image(out, tile(sheet, self.cfg.samples_per_grid_row))

    def run(
        self, routine: Routine, n_samples: int, collate: Callable[[torch.Tensor, int], Any]
    ) -> list[dict[str, float]]:
        """Train; return one history row per epoch (mean losses, lr, seconds, images/s).

        `collate(indices, epoch)` builds the routine's batch from sample indices."""
        cfg = self.cfg
        if n_samples < 1:
            raise ValueError("no training samples")
        p = self._resume(routine)
        steps_per_epoch = steps(n_samples, cfg.batch_size)
        finished = getattr(routine, "finished", None)
        while p["epoch"] < cfg.epochs and not (finished and finished(p["epoch"])):
            epoch = p["epoch"]
            order = epoch_order(cfg.seed, epoch, n_samples)
            bar = tqdm(
                _batches(order, cfg.batch_size, p["step"]),
                total=steps_per_epoch,
                initial=p["step"],
                desc=f"{cfg.desc} epoch {epoch + 1}/{cfg.epochs}",
                unit="batch",
            )
            t0, last_save = time.perf_counter() - p["seconds"], time.perf_counter()
            for idx in bar:
                step_seed(cfg.seed, epoch, p["step"])
                losses = routine.train_step(collate(idx, epoch))
                _check_finite(losses, epoch + 1, p["step"], cfg.state_path)
                for k, v in losses.items():
                    p["sums"][k] = p["sums"].get(k, 0.0) + float(v) * len(idx)
                p["seen"] += len(idx)
                p["step"] += 1
                elapsed = time.perf_counter() - t0
                bar.set_postfix(
                    {k: f"{v / p['seen']:.3f}" for k, v in p["sums"].items()}
                    | {"img/s": f"{p['seen'] / elapsed:.1f}"}
                )
                if (
                    time.perf_counter() - last_save > cfg.save_every_s
                    and p["step"] < steps_per_epoch
                ):
                    p["seconds"] = elapsed
                    self._save(routine, p)
                    last_save = time.perf_counter()
            bar.close()
            seconds = time.perf_counter() - t0
            row = {"epoch": epoch + 1, **{k: v / p["seen"] for k, v in p["sums"].items()}}
            row |= routine.end_epoch(epoch)
            row |= {"seconds": seconds, "images_per_s": p["seen"] / seconds}
            p["history"].append(row)
            log.info(
                "%s epoch %d/%d: %s",
                cfg.desc,
                epoch + 1,
                cfg.epochs,
                "  ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "epoch"),
            )
            p.update(epoch=epoch + 1, step=0, sums={}, seen=0, seconds=0.0)
            self._save(routine, p)
            self._write_log(p["history"])
            self._write_samples(routine, epoch + 1)
        self._write_log(p["history"])  # also when the state was complete and no epoch ran
        return p["history"]
