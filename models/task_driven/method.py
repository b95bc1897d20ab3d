"""The task-driven coarse-to-fine model as a `TrainableMethod` (paper Sec. III).

Inference: the occluded image with its hole filled by `hole_fill` and the mask go through the
Coarse Network and the Residual Refinement Network; `output` picks R_refined (every Proposed
variant) or R_coarse (Sec. H's coarse-only row).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.metrics.weights import WeightsUnavailable, require, sha256_of
from geoinpaint.models.task_driven.generator import CoarseToFine, init_normal, load_imagenet_stages
from geoinpaint.models.task_driven.options import TaskDrivenOptions

RESNET34_IMAGENET = "resnet34-b627a593.pth"


class TaskDriven(TrainableMethod):
    """Proposed_b / Proposed- / Proposed and their ablations: one class, presets by name."""

    Options = TaskDrivenOptions
    FAMILY = "task-driven"
    SMALL = {"encoder": "resnet-small", "ndf": 8}
    ARCHITECTURE = ("encoder", "skips", "refine_conv", "residual_on", "norm_affine", "ndf")
    # without the LPIPS-VGG trunk the perceptual term is dropped, so alpha1 changes nothing
    WEIGHT_DEPENDENT = {"alpha1": "vgg16-397923af.pth"}
    options: TaskDrivenOptions

    @classmethod
    def size_problem(cls, options: TaskDrivenOptions, size: int) -> str:
        factor = 2 ** (options.skips - 1)
        if size % factor or size < 2 * factor:
            return (
                f"with {options.skips} skips the side must be a multiple of {factor} and at "
                f"least {2 * factor} (set skips: 4 for smaller images)"
            )
        return ""

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        self.multiple = 2 ** (o.skips - 1)
        return {
            "generator": CoarseToFine(
                o.encoder, o.skips, o.refine_conv, o.residual_on, o.norm_affine
            )
        }

    def forward_both(
        self, images: torch.Tensor, masks: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The network input (hole filled with `hole_fill`), R_coarse and R_refined."""
        x_in = images * (1 - masks) + self.options.hole_fill * masks
        coarse, refined = self.nets["generator"](x_in, masks)
        return x_in, coarse, refined

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        _, coarse, refined = self.forward_both(images.float(), masks.float())
        return refined if self.options.output == "refined" else coarse

    def initialise(self) -> None:
        """The generator's initialisation for training (paper: ImageNet layer1-3 of ResNet-34;
        `init: normal` is the authors' code); recorded in the provenance."""
        o, generator = self.options, self.nets["generator"]
        if getattr(self, "warm_started", False):
            self.record("init", "from the warm-up run (config warm_start)")
            return
        if o.init == "normal":
            init_normal(generator)
            self.record("init", "every conv N(0, 0.02) (authors' code)")
        elif o.encoder != "resnet34":
            self.record("init", f"random ({o.encoder} has no ImageNet weights)")
        else:
            try:
                path = require(RESNET34_IMAGENET)
            except WeightsUnavailable as err:
                self.record("init", f"random: ImageNet ResNet-34 unavailable ({err})", note=True)
                return
            state = torch.load(path, map_location="cpu", weights_only=True)
            load_imagenet_stages(generator, state)
            self.record(
                "init",
                f"layer1-3 from {RESNET34_IMAGENET} (sha256 {sha256_of(path)[:12]}), rest random",
            )

    def routine(self, ctx: TrainContext) -> Any:
        from geoinpaint.models.task_driven.routine import TaskDrivenRoutine

        return TaskDrivenRoutine(self, ctx)
