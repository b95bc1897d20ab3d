"""CSA (Liu et al., ICCV 2019): rough U-Net, refinement U-Net with the coherent semantic
attention layer, consistency loss, patch and feature-patch discriminators. Registers `csa`."""

from geoinpaint.baselines.csa.method import CSA, CSAOptions

__all__ = ["CSA", "CSAOptions"]
