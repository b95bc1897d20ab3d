"""The two method interfaces: `Method` (inpaint a batch) and `TrainableMethod` (also trained by
the one engine, saved and restored, described).

Conventions (docs/conventions.md): images are `(N, 3, H, W) float32 in [0, 1]` RGB tensors and
masks `(N, 1, H, W) float32 in {0, 1}`, 1 = hole, both on the method's device. A method
returns its raw prediction; the caller composites `pred * M + image * (1 - M)`. The pixels
inside the hole of an input hold the occluder and must never be trusted.

A trained method keeps its *inference* networks in `self.nets` (what a checkpoint holds);
training-only networks (discriminators, teachers) belong to its routine
(`geoinpaint.training.gan.GanRoutine`), built by `routine(ctx)` and run by
`geoinpaint.training.engine.Engine`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import torch
from torch import nn

from geoinpaint.methods.options import TrainOptions, differing, make_options, to_plain
from geoinpaint.metrics.weights import WeightsUnavailable
from geoinpaint.runtime import resolve_device

if TYPE_CHECKING:
    from geoinpaint.training.data import Batch
    from geoinpaint.training.engine import Routine

log = logging.getLogger(__name__)
T = TypeVar("T")
CHECKPOINT_FORMAT = "geoinpaint-method-1"


def scale_schedule(options: T, paper: T, given: dict[str, Any] | None, keys: tuple[str, ...]) -> T:
    """`options` with each epoch-counted option of `keys` that `given` leaves unset scaled by
    `epochs / paper.epochs` (rounded; see `TrainableMethod.EPOCH_OPTIONS`)."""
    import dataclasses

    given = given or {}
    if "epochs" not in given or not keys:
        return options
    ratio = options.epochs / paper.epochs
    scaled = {k: round(getattr(paper, k) * ratio) for k in keys if k not in given}
    return dataclasses.replace(options, **scaled)


class Method(ABC):
    """An inpainting method: `inpaint` a batch.

    Attributes:
        name: the registered name it was built under.
        device: where its inputs and networks live.
        multiple: image sides must be a multiple of this (a network's total stride); the config
            is checked against it before any job runs.
    """

    trained: ClassVar[bool] = False
    multiple: ClassVar[int] = 1

    def __init__(self, name: str, options: dict[str, Any] | None = None, device: Any = "cpu"):
        self.name = name
        self.device = device if isinstance(device, torch.device) else resolve_device(device)

    @abstractmethod
    def inpaint(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` occluded images and `(N, 1, H, W)` masks -> `(N, 3, H, W)` in [0, 1]."""

    by_id: bool = False
    """True for a method that reads per-image files (another tool's outputs): the evaluation
    calls `inpaint_by_id(ids, images, masks)` with the test images' ids instead of `inpaint`."""

    def inpaint_by_id(
        self, ids: list[str], images: torch.Tensor, masks: torch.Tensor
    ) -> torch.Tensor:
        return self.inpaint(images, masks)

    wants_ground_truth: bool = False
    """True for a setting that reads the ground truth at test time (a leak some authors' code
    has, e.g. IGLL's ground-truth edges): the evaluation then passes it to
    `inpaint_with_truth` and records that the row saw it; folders without ground truth refuse
    such a method."""

    def inpaint_with_truth(
        self, images: torch.Tensor, masks: torch.Tensor, truth: torch.Tensor
    ) -> torch.Tensor:
        """`inpaint` for a method that `wants_ground_truth`."""
        return self.inpaint(images, masks)

    def provenance(self) -> dict[str, str]:
        """What a results row records about how this method was built (files, fallbacks)."""
        return {}

    def notes(self) -> list[str]:
        """What a results table must say about this method (a CPU variant, a dropped loss)."""
        return []


@dataclass
class TrainContext:
    """What a routine needs to know about one training run.

    Attributes:
        task: the geoscience task whose training split is used.
        size: image side in pixels.
        n_samples: training images (a routine's per-iteration schedule derives from it).
        device: where training runs.
        seed: the run's seed (networks are initialised from it before `routine` is called).
        task_net: frozen task-network checkpoint, for methods with a task loss.
        preview: a fixed batch whose reconstructions are saved after every epoch.
    """

    task: str
    size: int
    n_samples: int
    device: torch.device
    seed: int = 0
    task_net: Path | None = None
    preview: Batch | None = None


class TrainableMethod(Method):
    """A method whose networks are trained by the engine.

    Subclasses set `Options` (a frozen dataclass deriving from `TrainOptions`, defaults = the
    paper's settings) and `ARCHITECTURE` (the option names that change the network; a value
    other than the paper's makes the model a named variant, never reported under the paper's
    name), and implement `build`, `predict` and `routine`.
    """

    trained: ClassVar[bool] = True
    Options: ClassVar[type] = TrainOptions
    ARCHITECTURE: ClassVar[tuple[str, ...]] = ()
    PAPER_LABEL: ClassVar[str] = ""
    EPOCH_OPTIONS: ClassVar[tuple[str, ...]] = ()
    """Options counted in epochs (a pretraining stage, a learning-rate step): when a run sets
    `epochs` but not these, they are scaled with it (the paper's schedule, compressed), so a
    short CPU run keeps the paper's stages in proportion."""
    SIZE_OPTION: ClassVar[str | None] = None
    """The option a network is built for an image side with (e.g. MAT's `size`): the plan sets
    it to each dataset's image size unless a row sets it."""
    SMALL: ClassVar[dict[str, Any]] = {}
    """Options of the method's small CPU variant (tests, the embedded default's starting point);
    never reported under the paper's name."""

    def __init__(self, name: str, options: dict[str, Any] | None = None, device: Any = "cpu"):
        super().__init__(name, options, device)
        self.options = scale_schedule(
            make_options(self.Options, options), self.Options(), options, self.EPOCH_OPTIONS
        )
        self._provenance: dict[str, str] = {}
        self._notes: list[str] = []
        self.nets = nn.ModuleDict(self.build()).to(self.device)
        self.nets.eval()

    @classmethod
    def size_problem(cls, options: Any, size: int) -> str:
        """Why `size` x `size` images do not fit a network built with `options` ("" if they do);
        checked for every training run when the config is loaded."""
        if size % cls.multiple:
            return f"image sides must be a multiple of {cls.multiple}"
        return ""

    # -- what a method implements -------------------------------------------------------------
    @abstractmethod
    def build(self) -> dict[str, nn.Module]:
        """The inference networks from `self.options`, freshly initialised."""

    @abstractmethod
    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Differentiable raw prediction of `self.nets` (no clamping, no compositing)."""

    @abstractmethod
    def routine(self, ctx: TrainContext) -> Routine:
        """The training routine (`GanRoutine` subclass) over `self.nets` for one run."""

    # -- shared behaviour ---------------------------------------------------------------------
    @torch.no_grad()
    def inpaint(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        self.nets.eval()
        return self.predict(images, masks).float().clamp(0, 1)

    @torch.no_grad()
    def inpaint_with_truth(
        self, images: torch.Tensor, masks: torch.Tensor, truth: torch.Tensor
    ) -> torch.Tensor:
        self.nets.eval()
        return self.predict_with_truth(images, masks, truth).float().clamp(0, 1)

    def predict_with_truth(
        self, images: torch.Tensor, masks: torch.Tensor, truth: torch.Tensor
    ) -> torch.Tensor:
        """`predict` for a setting that reads the ground truth (see `wants_ground_truth`)."""
        return self.predict(images, masks)

    def variant(self) -> dict[str, Any]:
        """Architecture options that differ from the paper's, i.e. from the registered name's
        preset over the class defaults (empty at paper settings)."""
        from geoinpaint.methods.registry import traits

        paper = make_options(self.Options, traits(self.name)["preset"])
        return differing(self.options, paper, self.ARCHITECTURE)

    def notes(self) -> list[str]:
        out = []
        if self.wants_ground_truth:
            out.append("reads the ground truth at test time (the authors' code's leak)")
        if self.variant():
            changed = ", ".join(f"{k}={v}" for k, v in self.variant().items())
            out.append(f"CPU variant ({changed}), not the paper's architecture")
        return out + list(self._notes)

    def provenance(self) -> dict[str, str]:
        return dict(self._provenance)

    def record(self, key: str, value: str, note: bool = False) -> None:
        """Record how a part was built (`provenance`); with `note`, tables show it too."""
        self._provenance[key] = value
        if note and value not in self._notes:
            self._notes.append(f"{key.replace('_', ' ')}: {value}")

    def optional(self, key: str, factory: Callable[[], T]) -> T | None:
        """`factory()` (e.g. a VGG loss network), or None with a note when its pretrained file
        is missing: the term is dropped, the tables say so, nothing is substituted."""
        try:
            value = factory()
        except WeightsUnavailable as err:
            self.record(key, f"not used: {err}", note=True)
            log.warning("%s: %s not used: %s", self.name, key, err)
            return None
        self.record(key, "used")
        return value

    def state_dict(self) -> dict[str, Any]:
        """The inference networks, options and provenance (loads with `weights_only=True`)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "method": self.name,
            "options": to_plain(self.options),
            "networks": {
                k: {n: t.cpu() for n, t in v.state_dict().items()} for k, v in self.nets.items()
            },
            "provenance": self.provenance(),
            "notes": list(self._notes),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore networks and provenance saved by `state_dict` (options are the builder's)."""
        for key, net in self.nets.items():
            net.load_state_dict(state["networks"][key])
        self._provenance = dict(state.get("provenance", {}))
        self._notes = list(state.get("notes", []))
        self.nets.eval()

    def parameters_of(self, *names: str) -> list[nn.Parameter]:
        """Trainable parameters of the named inference networks (all when none are named)."""
        nets = [self.nets[n] for n in names] if names else list(self.nets.values())
        return [p for net in nets for p in net.parameters()]
