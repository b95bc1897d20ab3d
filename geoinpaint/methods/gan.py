"""`GanRoutine`: the base of every trained inpainting method's training routine.

It holds the named networks (the method's inference networks plus the routine's own, e.g.
discriminators), their optimisers and schedulers and the mixed-precision scaler; saves and
restores all of them for the engine's resumable state; and leaves a method only its loss step:

    class MyRoutine(GanRoutine):
        def __init__(self, method, ctx):
            super().__init__(method, ctx)
            self.add_network("d", PatchDiscriminator(...))
            self.add_optimizer("g", method.parameters_of(), lr=1e-4, betas=(0.5, 0.9))
            self.add_optimizer("d", self.nets["d"].parameters(), lr=1e-4, betas=(0.5, 0.9))

        def step(self, batch):
            with self.autocast():
                ...
            self.update("d", d_loss)
            ...
            self.update("g", g_loss)
            return {"l1": l1.detach(), ...}
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, Literal

import torch
from torch import nn

from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.training.data import Batch
from geoinpaint.training.engine import Amp

Per = Literal["epoch", "step"]


class GanRoutine(ABC):
    """Named networks, optimisers, schedulers and AMP of one training run (engine `Routine`)."""

    def __init__(self, method: TrainableMethod, ctx: TrainContext):
        self.method, self.ctx, self.device = method, ctx, ctx.device
        method.nets.to(ctx.device)
        self.nets = nn.ModuleDict(dict(method.nets.items()))
        self.frozen: set[str] = set()
        self.opts: dict[str, torch.optim.Optimizer] = {}
        self.scheds: dict[str, tuple[Any, Per]] = {}
        self.amp = Amp(ctx.device, bool(getattr(method.options, "amp", True)))
        self.epoch = 0  # completed epochs (saved and restored with the state)
        self._lr: float | None = None  # of the last update, logged per epoch

    # -- building -----------------------------------------------------------------------------
    def add_network(self, name: str, module: nn.Module, trainable: bool = True) -> nn.Module:
        """Register a training-only network (saved in the resumable state, not the checkpoint);
        `trainable=False` keeps it in eval mode with gradients off (a frozen teacher)."""
        if name in self.nets:
            raise ValueError(f"network {name!r} is already registered")
        module = module.to(self.device)
        self.nets[name] = module
        if not trainable:
            self.frozen.add(name)
            module.eval().requires_grad_(False)
        return module

    def add_optimizer(
        self,
        name: str,
        params: Iterable[nn.Parameter],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        optimizer: type[torch.optim.Optimizer] = torch.optim.Adam,
        **kwargs: Any,
    ) -> torch.optim.Optimizer:
        """An optimiser over `params`, stepped by `update(name, loss)`."""
        if optimizer is torch.optim.Adam or optimizer is torch.optim.AdamW:
            kwargs["betas"] = betas
        opt = optimizer([p for p in params if p.requires_grad], lr=lr, **kwargs)
        self.opts[name] = opt
        return opt

    def add_scheduler(self, name: str, scheduler: Any, per: Per = "epoch") -> None:
        """A learning-rate scheduler stepped after every epoch or every iteration."""
        self.scheds[name] = (scheduler, per)

    # -- inside `step` ------------------------------------------------------------------------
    def autocast(self) -> contextlib.AbstractContextManager:
        """Forward passes run under this (bfloat16/float16 on CUDA when `amp`, else nothing)."""
        return self.amp.autocast()

    def update(self, name: str, loss: torch.Tensor, retain_graph: bool = False) -> None:
        """Zero the optimiser `name`'s gradients, back-propagate `loss` and step it.

        With float16 AMP the loss scale is updated after every step, so a routine may step
        one optimiser several times per iteration (several D steps per G step)."""
        opt = self.opts[name]
        opt.zero_grad(set_to_none=True)
        self.amp.scaler.scale(loss).backward(retain_graph=retain_graph)
        self.amp.step(opt)
        self.amp.update()

    def requires_grad(self, flag: bool, *names: str) -> None:
        """Switch the gradients of the named networks (e.g. off for D during the G step)."""
        for name in names:
            self.nets[name].requires_grad_(flag)

    @abstractmethod
    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One iteration: the method's losses and updates; returns named scalar losses."""

    # -- engine Routine -----------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        for name, net in self.nets.items():
            net.train(name not in self.frozen)
        losses = self.step(batch)
        self._lr = self._current_lr()  # the rate of this update, before a scheduler moves it
        for sched, per in self.scheds.values():
            if per == "step":
                sched.step()
        return {k: v.detach().float() for k, v in losses.items()}

    def _current_lr(self) -> float | None:
        first = next(iter(self.opts.values()), None)
        return first.param_groups[0]["lr"] if first is not None else None

    def end_epoch(self, epoch: int) -> dict[str, float]:
        """Steps the per-epoch schedulers; logs `lr`, the first optimiser's rate at the epoch's
        last update (the rate the epoch trained with, as the task networks log it), not the
        next epoch's."""
        lr = self._current_lr() if self._lr is None else self._lr
        self.epoch = epoch + 1
        for sched, per in self.scheds.values():
            if per == "epoch":
                sched.step()
        return {"lr": lr} if lr is not None else {}

    @torch.no_grad()
    def samples(self) -> torch.Tensor | None:
        """Rows of (occluded input, prediction, ground truth) for the preview batch."""
        batch = self.ctx.preview
        if batch is None:
            return None
        occluded = batch.occluded(1.0)
        pred = self.method.inpaint(occluded, batch.masks)
        for name, net in self.nets.items():
            net.train(name not in self.frozen)
        return torch.stack([occluded, pred, batch.images], 1).flatten(0, 1).cpu()

    def state_dict(self) -> dict[str, Any]:
        return {
            "nets": {k: v.state_dict() for k, v in self.nets.items()},
            "opts": {k: v.state_dict() for k, v in self.opts.items()},
            "scheds": {k: s.state_dict() for k, (s, _) in self.scheds.items()},
            "amp": self.amp.state_dict(),
            "epoch": self.epoch,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, net in self.nets.items():
            net.load_state_dict(state["nets"][name])
        for name, opt in self.opts.items():
            opt.load_state_dict(state["opts"][name])
        for name, (sched, _) in self.scheds.items():
            sched.load_state_dict(state["scheds"][name])
        self.amp.load_state_dict(state["amp"])
        self.epoch = int(state.get("epoch", 0))
