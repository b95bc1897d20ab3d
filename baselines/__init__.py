"""Baseline inpainting methods (`geoinpaint.baselines`): the classical algorithms and the
re-implemented deep baselines of both papers. Each module registers its methods on import."""

from geoinpaint.baselines import (  # noqa: F401
    classical,
    csa,
    dmfn,
    external,
    gmcnn,
    han,
    hifill,
    hint,
    mat,
    misf,
    pdgan,
    rfr,
    spl,
)
