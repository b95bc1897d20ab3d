"""GMCNN (Wang et al., NeurIPS 2018): three-column generator, confidence-driven reconstruction
loss, ID-MRF loss, global and local discriminators. Registers `gmcnn`."""

from geoinpaint.baselines.gmcnn.method import GMCNN, GMCNNOptions

__all__ = ["GMCNN", "GMCNNOptions"]
