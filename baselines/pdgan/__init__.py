"""PD-GAN (Liu et al., CVPR 2021) as the trained method `pdgan` ("PD-GAN")."""

from geoinpaint.baselines.pdgan.method import PDGAN, PDGANOptions

__all__ = ["PDGAN", "PDGANOptions"]
