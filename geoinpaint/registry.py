"""Registries: the only places that map a config name to a builder.

Every inpainting method (the papers' models, ablation variants, baselines, classical algorithms)
registers a builder with `@register_method("name")` where it is defined; task networks do the
same in their own registry. The workflow and the CLI only ever call `build_method(name, ...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> builder mapping for one kind of component."""

    def __init__(self, kind: str, *loaders: Callable[[], None]):
        """`loaders` import the modules that register builders, in order; `build` and `traits`
        stop at the first that provides the name (a classical method never imports torch)."""
        self.kind = kind
        self._builders: dict[str, Callable[..., T]] = {}
        self._traits: dict[str, dict[str, Any]] = {}
        self._loaders = list(loaders)

    def _provide(self, name: str) -> None:
        while name not in self._builders and self._loaders:
            self._loaders.pop(0)()
        if name not in self._builders:
            raise KeyError(f"unknown {self.kind} {name!r}; registered: {', '.join(self.names())}")

    def register(self, name: str, **traits: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator registering a builder under `name`, with optional traits
        (e.g. `trained=True` for a method that must be trained before it inpaints)."""

        def decorate(builder: Callable[..., T]) -> Callable[..., T]:
            if name in self._builders:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._builders[name] = builder
            self._traits[name] = traits
            return builder

        return decorate

    def traits(self, name: str) -> dict[str, Any]:
        """The traits `name` was registered with."""
        self._provide(name)
        return dict(self._traits[name])

    def names(self) -> list[str]:
        """All registered names, sorted."""
        while self._loaders:
            self._loaders.pop(0)()
        return sorted(self._builders)

    def build(self, name: str, **options: Any) -> T:
        """Build the component registered as `name` with its options."""
        self._provide(name)
        return self._builders[name](**options)


class InpaintingMethod(Protocol):
    """The interface every inpainting method implements."""

    def inpaint(self, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """Fill the holes of a batch.

        Args:
            images: `(N, H, W, 3) float32 in [0, 1]`, the occluded inputs (hole pixels hold the
                occluder and must not be trusted).
            masks: `(N, H, W) float32 in {0, 1}`, 1 = hole.

        Returns:
            `(N, H, W, 3) float32 in [0, 1]`, raw predictions; the caller composites them.
        """
        ...


# Importing a package runs its @register_method decorators. Baselines first: they need no torch.
def _load_baselines() -> None:
    import geoinpaint.baselines  # noqa: F401


def _load_models() -> None:
    import geoinpaint.models  # noqa: F401


METHODS: Registry[InpaintingMethod] = Registry("method", _load_baselines, _load_models)
register_method = METHODS.register
build_method = METHODS.build
available_methods = METHODS.names


def needs_training(name: str) -> bool:
    """Whether method `name` must be trained (`geoinpaint train`) before it inpaints."""
    return bool(METHODS.traits(name).get("trained", False))
