"""Evaluation metrics. Exact definitions are in docs/conventions.md; they never change silently."""
