"""Datasets: procedural scenes, frozen test sets and image I/O."""
