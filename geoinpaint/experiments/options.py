"""The options a table row's trained method is built with, and the key of its training run.

Options come, later ones winning, from the config's `methods:` (`"*"` for every trained method,
then the method's family, then its registered name; `variant: small` there stands for the
method's small CPU variant, `SMALL`), the table's `options:` (by family or
name), and the row's own overrides; the registered preset wins over all of them (inside the
method's builder). A run's key is its trained method's name followed by every option that
differs from what the method would get from the config alone (class defaults and `methods:`),
so rows with the same model share one run: the lambda = 5 row of Table IV *is* Proposed. An
option that has no effect because its pretrained file is missing (`WEIGHT_DEPENDENT`, e.g.
alpha1 without the LPIPS-VGG trunk) is left at its base value and out of the key; the table's
model notes say so.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from geoinpaint.experiments.papers import TableSpec

VARIANT_KEY = "variant"
"""`variant: small` in `methods:` starts a method from its small CPU variant (`SMALL`)."""


def family_of(cls: type) -> str:
    return getattr(cls, "FAMILY", "") or ""


def _fields(cls: type) -> dict[str, Any]:
    options_cls = cls.Options
    out = {}
    for f in dataclasses.fields(options_cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            out[f.name] = f.default_factory()  # type: ignore[misc]
    return out


def base_options(method: str, config: dict[str, Any]) -> dict[str, Any]:
    """What `method` gets from the config alone (`methods:` and the augmentation settings)."""
    from geoinpaint.methods.registry import traits

    cls = traits(method)["cls"]
    fields = _fields(cls)
    table = config.get("methods") or {}
    out: dict[str, Any] = {}
    for key in ("*", family_of(cls), method):
        values = dict(table.get(key) or {})
        variant = values.pop(VARIANT_KEY, None)
        if variant == "small":
            out.update(getattr(cls, "SMALL", {}))
        elif variant not in (None, "paper"):
            raise ValueError(f"methods.{key}.{VARIANT_KEY}: {variant!r} is not small or paper")
        out.update({k: v for k, v in values.items() if key != "*" or k in fields})
    augmentation = config.get("augmentation") or {}
    out.update({k: v for k, v in augmentation.items() if k in fields})
    return out


def inert_options(method: str) -> set[str]:
    """Options without effect in this installation (their pretrained file is missing)."""
    from geoinpaint.methods.registry import traits
    from geoinpaint.metrics.weights import present

    dependent = getattr(traits(method)["cls"], "WEIGHT_DEPENDENT", {})
    return {option for option, file in dependent.items() if not present(file)}


def method_options(
    method: str, config: dict[str, Any], table: TableSpec, row: dict[str, Any], size: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`(options, effective)`: every option the row's run on `size` x `size` images is built
    with, and those of them that differ from the method's base (what makes the run distinct)."""
    from geoinpaint.methods.registry import traits

    cls = traits(method)["cls"]
    defaults = {**_fields(cls), **traits(method)["preset"]}
    base = base_options(method, config)
    if getattr(cls, "SIZE_OPTION", None):
        base[cls.SIZE_OPTION] = size
    extra = {**table.options.get(family_of(cls), {}), **table.options.get(method, {}), **row}
    unknown = sorted(set(extra) - set(defaults))
    if unknown:
        raise ValueError(
            f"table {table.paper} {table.id}: {method} has no option(s) {unknown}; "
            f"its options: {sorted(defaults)}"
        )
    for option in inert_options(method):
        extra.pop(option, None)
    reference = {**defaults, **base}
    effective = {k: v for k, v in extra.items() if reference.get(k) != v}
    return {**base, **effective}, effective


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "x".join(_fmt(v) for v in value)
    return str(value)


def run_key(method: str, effective: dict[str, Any]) -> str:
    """`method` then `option-value` per effective override, sorted: a file and folder name."""
    return "_".join([method] + [f"{k}-{_fmt(v)}" for k, v in sorted(effective.items())])
