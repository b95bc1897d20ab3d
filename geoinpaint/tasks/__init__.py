"""Frozen geoscience task networks: architectures, training, frozen wrappers."""
