"""Method options: one frozen dataclass per trained method, defaults = the paper's settings.

A config or a table row gives overrides as plain values (YAML, JSON); `make_options` checks every
key against the dataclass (a typo names the known keys), builds nested option dataclasses, and
turns lists into tuples where the field is a tuple. `to_plain` goes back to plain types, so a
checkpoint holding options still loads with `weights_only=True`.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, TypeVar

from geoinpaint.masks.augmix import AugMixConfig
from geoinpaint.masks.maskmix import MaskMixConfig

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """What every trained method's options carry (each method sets its paper's values).

    Attributes:
        epochs: passes over the training split.
        batch_size: images per iteration.
        augment: training-time augmentation of the seed masks / images: `none`, `maskmix`
            (task-driven paper, Eq. 7) or `augmix` (its Table VIII); applied by the collate step.
        amp: mixed precision on CUDA (bfloat16 where supported); ignored on the CPU.
        maskmix, augmix: their hyper-parameters (config `augmentation.maskmix` / `.augmix`).
    """

    epochs: int = 1
    batch_size: int = 4
    augment: str = "none"
    amp: bool = True
    maskmix: MaskMixConfig = dataclasses.field(default_factory=MaskMixConfig)
    augmix: AugMixConfig = dataclasses.field(default_factory=AugMixConfig)


def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def make_options(cls: type[T], overrides: dict[str, Any] | None = None, base: T | None = None) -> T:
    """`cls` (a frozen dataclass) from `overrides` over `base` (default: `cls()`).

    Raises:
        ValueError: an override names no field of `cls` (or of a nested options dataclass).
    """
    base = cls() if base is None else base
    overrides = dict(overrides or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ValueError(f"unknown {cls.__name__} option(s) {unknown}; known: {sorted(fields)}")
    hints = _field_types(cls)
    values: dict[str, Any] = {}
    for key, value in overrides.items():
        current = getattr(base, key)
        if dataclasses.is_dataclass(current) and isinstance(value, dict):
            value = make_options(type(current), value, current)
        elif isinstance(value, list) and typing.get_origin(hints[key]) is tuple:
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        values[key] = value
    return dataclasses.replace(base, **values)  # type: ignore[type-var]


def to_plain(options: Any) -> dict[str, Any]:
    """A dataclass as nested dicts, lists and scalars."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    return plain(dataclasses.asdict(options))


def differing(options: Any, reference: Any, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The fields (of `keys`, default all) whose value differs between two option objects."""
    names = keys or tuple(f.name for f in dataclasses.fields(options))
    return {k: getattr(options, k) for k in names if getattr(options, k) != getattr(reference, k)}
