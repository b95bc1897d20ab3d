"""Semantic segmentation: mIoU as the official LoveDA evaluation computes it, with int64 counts.

One confusion matrix over every pixel of every test image (no image dropped), pixels whose
ground truth is the no-data label ignored; IoU_c = TP / (TP + FP + FN) per class; mIoU = the
mean over all classes (LoveDA: 7, background ... agriculture, labels 0..6 after the official
shift of the files' 1..7 with 0 = no-data -> -1). A class with an empty union (absent from the
ground truth and never predicted) makes the mIoU undefined: NaN, never silently skipped.
"""

from __future__ import annotations

import numpy as np

LOVEDA_CLASSES = ("background", "building", "road", "water", "barren", "forest", "agriculture")
IGNORE = -1


class ConfusionMatrix:
    """Accumulates `(num_classes, num_classes)` int64 counts, rows = ground truth."""

    def __init__(self, num_classes: int = len(LOVEDA_CLASSES), ignore_index: int = IGNORE):
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.counts = np.zeros((num_classes, num_classes), np.int64)

    def update(self, target: np.ndarray, pred: np.ndarray) -> None:
        """Add one image or batch: integer label maps of one shape."""
        target, pred = np.asarray(target).ravel(), np.asarray(pred).ravel()
        if target.shape != pred.shape:
            raise ValueError(f"target has {target.size} pixels, prediction {pred.size}")
        keep = target != self.ignore_index
        t, p = target[keep].astype(np.int64), pred[keep].astype(np.int64)
        bad = (t < 0) | (t >= self.num_classes) | (p < 0) | (p >= self.num_classes)
        if bad.any():
            raise ValueError(
                f"labels must be in 0..{self.num_classes - 1} (or {self.ignore_index} = ignore), "
                f"got {np.unique(np.r_[t[bad], p[bad]])}"
            )
        n = self.num_classes
        self.counts += np.bincount(t * n + p, minlength=n * n).reshape(n, n)

    def iou(self) -> np.ndarray:
        """Per-class IoU; NaN for a class with an empty union."""
        tp = np.diag(self.counts).astype(np.float64)
        union = self.counts.sum(0) + self.counts.sum(1) - np.diag(self.counts)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(union > 0, tp / union, np.nan)

    def miou(self) -> float:
        """Mean IoU over all classes (NaN if any class has an empty union)."""
        return float(self.iou().mean())


def miou(targets: list[np.ndarray], preds: list[np.ndarray], num_classes: int = 7) -> float:
    """mIoU of a whole test set from per-image label maps."""
    cm = ConfusionMatrix(num_classes)
    for t, p in zip(targets, preds, strict=True):
        cm.update(t, p)
    return cm.miou()
