"""`Registry`: a name -> builder mapping, the only place that maps a config name to a component.

Inpainting methods (`geoinpaint.methods.registry`), task networks and discriminators each have
one; a component registers its builder with a decorator where it is defined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

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
