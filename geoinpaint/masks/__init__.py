"""Occlusion masks and occluder appearance."""
