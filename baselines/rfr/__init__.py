"""RFR-Net (Li et al., CVPR 2020) as the trained method `rfr` ("RFR")."""

from geoinpaint.baselines.rfr.method import RFR, RFROptions

__all__ = ["RFR", "RFROptions"]
