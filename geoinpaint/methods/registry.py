"""The method registry: the only place that maps a config name to a method class.

A method registers itself where it is defined, with one decorator on its class:

    @register_method("csa")
    class CSA(TrainableMethod): ...

The same class may be registered under several names, each with a `preset` of options that
the name fixes (the task-driven family: `proposed_b`, `proposed-`, `proposed` ...); a config's
options never override a preset. `reads` names the method whose checkpoint a method is applied
with (`coarse-only` is the Proposed model's coarse output).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from geoinpaint.registry import Registry

PLUGINS_ENV = "GEOINPAINT_PLUGINS"
"""Comma-separated modules registering further methods (the config's `plugins:`, exported by
the workflow to every job)."""


def load_plugins(modules: list[str] | None = None) -> None:
    """Import the modules registering further methods (`plugins:`, or `$GEOINPAINT_PLUGINS`)."""
    names = modules if modules is not None else os.environ.get(PLUGINS_ENV, "").split(",")
    for name in filter(None, (n.strip() for n in names)):
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise ValueError(
                f"plugins: cannot import {name!r} ({err}); is its folder on PYTHONPATH?"
            ) from err


# Importing a package runs its @register_method decorators.
def _load_plugins() -> None:
    load_plugins()


def _load_baselines() -> None:
    import geoinpaint.baselines  # noqa: F401


def _load_models() -> None:
    import geoinpaint.models  # noqa: F401


METHODS: Registry[Any] = Registry("method", _load_baselines, _load_models, _load_plugins)


def register_method(
    name: str,
    *,
    preset: dict[str, Any] | None = None,
    reads: str | None = None,
    label: str | None = None,
):
    """Class decorator registering a `Method` subclass under `name`.

    Args:
        name: the config name (lower case, `-` and `_` allowed).
        preset: options this name fixes over the config's.
        reads: the registered method whose trained checkpoint this one loads.
        label: how tables print the method (default: `name`).
    """
    fixed = dict(preset or {})

    def decorate(cls: type) -> type:
        def builder(options: dict[str, Any] | None = None, device: Any = "cpu") -> Any:
            return cls(name, {**(options or {}), **fixed}, device)

        METHODS.register(
            name,
            trained=bool(getattr(cls, "trained", False)),
            reads=reads,
            label=label or name,
            cls=cls,
            preset=fixed,
        )(builder)
        return cls

    return decorate


def build_method(name: str, options: dict[str, Any] | None = None, device: Any = "cpu") -> Any:
    """A fresh (untrained) method `name` with `options` (its preset wins over them)."""
    return METHODS.build(name, options=options, device=device)


def method_names() -> list[str]:
    """Every registered method name, sorted."""
    return METHODS.names()


def traits(name: str) -> dict[str, Any]:
    """`trained`, `reads`, `label`, `cls` and `preset` of a registered method."""
    return METHODS.traits(name)


def needs_training(name: str) -> bool:
    """Whether method `name` must be trained (`geoinpaint train`) before it inpaints."""
    return bool(traits(name)["trained"])


def trained_as(name: str) -> str:
    """The method whose training run produces `name`'s checkpoint (itself, or its `reads`)."""
    return traits(name)["reads"] or name


def check_methods(names: list[str], where: str = "config") -> None:
    """Raise `ValueError` naming the known methods if any of `names` is not registered."""
    known = set(method_names())
    bad = sorted(set(names) - known)
    if bad:
        raise ValueError(
            f"{where}: unknown method(s) {bad}; registered: {', '.join(sorted(known))}"
        )


def load_method(checkpoint: Path, device: Any = "cpu", expect: str | None = None) -> Any:
    """Rebuild a trained method from its checkpoint (`geoinpaint train` output).

    Args:
        checkpoint: the `.pt` file.
        device: where to place its networks.
        expect: the method the caller asked for; a checkpoint of another method is refused
            (unless `expect` reads that method's checkpoint, as `coarse-only` reads `proposed`).

    Raises:
        ValueError: not a method checkpoint, or one of another method.
    """
    from geoinpaint.methods.base import CHECKPOINT_FORMAT
    from geoinpaint.metrics.weights import sha256_of
    from geoinpaint.training.state import load_checkpoint

    state = load_checkpoint(checkpoint)
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{checkpoint}: not an inpainting-method checkpoint of `geoinpaint train`")
    saved = state["method"]
    name = expect or saved
    if saved != name and trained_as(name) != saved:
        raise ValueError(
            f"{checkpoint} holds a trained {saved!r} model, not {name!r}; give a checkpoint of "
            f"{trained_as(name)!r}"
        )
    method = build_method(name, options=state["options"], device=device)
    method.load_state_dict(state)
    method.checkpoint = Path(checkpoint)
    method.record("checkpoint", f"{method.checkpoint.name} (sha256 {sha256_of(checkpoint)[:12]})")
    return method
