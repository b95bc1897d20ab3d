"""The task registry: everything the suite knows about a geoscience task, in one place.

A `TaskSpec` says how its splits are laid out and loaded, which image a test set occludes and
what it carries along, its default test masks, its frozen network (architectures, wrapper and
scorer, imported lazily: this module stays torch-free for the workflow's job graph), and its
table columns. `inpainting` is the task of inpainting-only tables (IGLL's): no task network,
image quality alone.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from geoinpaint.registry import Registry


@dataclass(frozen=True)
class TaskSpec:
    """A geoscience task.

    Attributes:
        name: `classification`, `crossview`, `segmentation` or `inpainting`.
        title: how tables name it.
        image_column: the split manifest's column a test set occludes (`ground` for cross-view:
            the aerial view stays clean, paper Sec. IV-B).
        companions: targets a test set copies along (`label_map`, `aerial`).
        default_maskset: test masks of the paper's tables for this task.
        columns: the task's table columns (ids of `reporting.columns.COLUMNS`).
        networks: `module:attribute` of the architecture registry (None: no task network).
        frozen: `module:attribute` of the frozen-network wrapper.
        scorer: `module:attribute` of the scorer (`tasks.scoring`).
        default_arch: the architecture of the paper (reported under the paper's name).
    """

    name: str
    title: str
    image_column: str = "image"
    companions: tuple[str, ...] = ()
    default_maskset: str = "irregular"
    columns: tuple[str, ...] = ()
    networks: str | None = None
    frozen: str | None = None
    scorer: str | None = None
    default_arch: str = ""

    @property
    def has_network(self) -> bool:
        return self.networks is not None

    def load(self, what: str) -> Any:
        """The object behind `networks`, `frozen` or `scorer` (imports its module)."""
        ref = getattr(self, what)
        if ref is None:
            raise ValueError(f"task {self.name!r} has no {what} (it has no task network)")
        module, attribute = ref.split(":")
        return getattr(importlib.import_module(module), attribute)


TASKS: Registry[TaskSpec] = Registry("task")


def register_task(spec: TaskSpec) -> TaskSpec:
    TASKS.register(spec.name)(lambda: spec)
    return spec


def get_task(name: str) -> TaskSpec:
    """The registered task `name` (a `KeyError` lists the registered ones)."""
    return TASKS.build(name)


def task_names() -> list[str]:
    return TASKS.names()


register_task(
    TaskSpec(
        "classification",
        "Scene recognition",
        default_maskset="cloud",
        columns=("accuracy",),
        networks="geoinpaint.tasks.classification:CLASSIFIERS",
        frozen="geoinpaint.tasks.frozen:FrozenClassifier",
        scorer="geoinpaint.tasks.scoring:ClassificationScorer",
        default_arch="vgg16",
    )
)
register_task(
    TaskSpec(
        "crossview",
        "Cross-view geolocation",
        image_column="ground",
        companions=("aerial",),
        columns=("recall@1", "recall@5", "recall@10", "recall@top1%", "ap"),
        networks="geoinpaint.tasks.crossview:GEOLOCATORS",
        frozen="geoinpaint.tasks.frozen:FrozenGeolocator",
        scorer="geoinpaint.tasks.scoring:CrossviewScorer",
        default_arch="lpn",
    )
)
register_task(
    TaskSpec(
        "segmentation",
        "Land-cover segmentation",
        companions=("label_map",),
        columns=("miou",),
        networks="geoinpaint.tasks.segmentation:SEGMENTERS",
        frozen="geoinpaint.tasks.frozen:FrozenSegmenter",
        scorer="geoinpaint.tasks.scoring:SegmentationScorer",
        default_arch="hrnet-w18",
    )
)
register_task(TaskSpec("inpainting", "Inpainting (image quality only)"))
