"""Task metrics computed from per-image task results."""

from __future__ import annotations

import numpy as np


def accuracy(pred: np.ndarray, labels: np.ndarray) -> float:
    """Overall accuracy in percent over the whole test set (paper, Sec. IV-D, following RSSCN7)."""
    pred, labels = np.asarray(pred), np.asarray(labels)
    if pred.shape != labels.shape or pred.size == 0:
        raise ValueError(
            f"need non-empty predictions and labels of one shape, got {pred.shape}, {labels.shape}"
        )
    return float((pred == labels).mean() * 100.0)
