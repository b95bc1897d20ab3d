"""geoinpaint: a reproducible benchmark and ablation suite for task-driven inpainting of
occluded geoscience images."""

__version__ = "0.1.0"
