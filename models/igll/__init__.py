"""IGLL (Zhou et al., Remote Sensing 2025): registers `igll` and `igll-authors-code`.

Modules: `method` (options, the registered method), `network` (PIRN + PERN generator),
`attention` (GAM, FFSM, vanilla attention), `discriminator` (global + local), `losses` (SVD,
local L1, discriminator loss), `routine` (training step), `edges` and `pidinet` (structure prior).
"""

from geoinpaint.models.igll.method import IGLL, IGLLOptions

__all__ = ["IGLL", "IGLLOptions"]
