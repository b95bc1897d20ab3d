"""Baseline inpainting methods (`geoinpaint.baselines`): classical algorithms and, later,
re-implemented deep baselines. Each module registers its methods on import."""

from geoinpaint.baselines import (
    classical,  # noqa: F401
    dmfn,  # noqa: F401
    hifill,  # noqa: F401
)
