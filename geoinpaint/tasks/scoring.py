"""Task scores of saved images through a frozen task network: the task columns of Tables I-III.

A scorer is built once from the loaded frozen test set and the task network's checkpoint, then
called with each row's images (`(N, H, W, 3) uint8`, the saved files); it returns per-image
columns (test-set order) and set values (written to the row's set record, `<row>.set.json`):

- classification: per image `pred` (class index) and `correct`; Accuracy is the mean of `correct`.
- crossview: each image is a ground query against the gallery of the test set's clean aerial
  images (the aerial view is never occluded, paper Sec. IV-B); the query's own pair is its only
  true match. Per image `rank` (1-based position of the true match in the ranking) and `top5`
  (ids of the five most similar aerial images, `;`-separated); set values Recall@1/5/10/top1 %
  and AP (`metrics.retrieval`, University-1652 / LPN definitions) and `gallery_size`.
- segmentation: per image `pixel_accuracy` (over labelled pixels) and, per LoveDA class `<c>`,
  the pixel counts `tp_<c>`, `true_<c>` and `pred_<c>` (correctly predicted, in the ground
  truth, predicted; labelled pixels only): their sums over any subset of images give that
  subset's mIoU (the paired bootstrap of `geoinpaint.stats` resamples images this way); set
  values `miou`, `iou` (per LoveDA class) and `confusion_matrix` (rows = ground truth), from one
  int64 confusion matrix over every pixel of the set (`metrics.segmentation`, LoveDA's
  evaluation).

Every task also records `task_network` (architecture, initialisation, the epoch kept) and the
ImageNet file the network started from, if any, with the set's other pretrained files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geoinpaint.metrics.retrieval import rankings, retrieval_metrics
from geoinpaint.metrics.segmentation import LOVEDA_CLASSES, ConfusionMatrix
from geoinpaint.runtime import DeviceChoice
from geoinpaint.tasks.frozen import Frozen, FrozenClassifier, FrozenGeolocator, FrozenSegmenter
from geoinpaint.testsets import TestSet

TOP_K = 5  # gallery ids kept per query (the retrieval figure shows them)
COUNTS = ("tp", "true", "pred")  # per-image pixel counts of each segmentation class


@dataclass
class TaskScores:
    """Per-image columns, set values, the reason for every set value not computed, and the
    pretrained files behind the task network (file -> sha256)."""

    per_image: dict[str, np.ndarray]
    set_values: dict[str, object]
    unavailable: dict[str, str] = field(default_factory=dict)
    weights: dict[str, str] = field(default_factory=dict)


def _with_network(scores: TaskScores, net: Frozen) -> TaskScores:
    """`scores` with the task network's provenance: set value `task_network` (architecture,
    initialisation, epoch kept) and its ImageNet file, if any, among the weights."""
    scores.set_values["task_network"] = net.describe()
    scores.weights.update(net.weights)
    return scores


def _floats(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 255.0


class ClassificationScorer:
    """Scene classification: predicted class and correctness per image."""

    def __init__(self, ts: TestSet, task_net: Path, device: DeviceChoice = "auto"):
        self.labels = ts.labels
        self.net = FrozenClassifier(task_net, device)

    def __call__(self, images: np.ndarray) -> TaskScores:
        pred = self.net.predict(_floats(images))
        scores = TaskScores({"pred": pred.astype(int), "correct": pred == self.labels}, {})
        return _with_network(scores, self.net)


class CrossviewScorer:
    """Cross-view geolocation: images are ground queries; the gallery, embedded once, is the
    test set's clean aerial images, and query i's only true match is gallery item i."""

    def __init__(self, ts: TestSet, task_net: Path, device: DeviceChoice = "auto"):
        self.ids = np.asarray(ts.ids)
        self.net = FrozenGeolocator(task_net, device)
        self.gallery = self.net.embed(ts.aerial(), "aerial")

    def __call__(self, images: np.ndarray) -> TaskScores:
        query = self.net.embed(_floats(images), "ground")
        pairs = np.arange(len(self.ids))
        order = rankings(query, self.gallery)
        rank = 1 + np.argmax(order == pairs[:, None], axis=1)
        top = [";".join(self.ids[row[:TOP_K]]) for row in order]
        metrics = retrieval_metrics(query, pairs, self.gallery, pairs)
        scores = TaskScores(
            {"rank": rank, "top5": np.asarray(top)},
            {**metrics, "gallery_size": len(self.gallery)},
        )
        return _with_network(scores, self.net)


class SegmentationScorer:
    """Land-cover segmentation: pixel accuracy per image, mIoU over the whole set."""

    def __init__(self, ts: TestSet, task_net: Path, device: DeviceChoice = "auto"):
        self.labels = ts.label_maps().astype(np.int64)
        self.net = FrozenSegmenter(task_net, device)

    def __call__(self, images: np.ndarray) -> TaskScores:
        pred = self.net.predict(_floats(images)).astype(np.int64)
        per_image = []
        for target, p in zip(self.labels, pred, strict=True):
            one = ConfusionMatrix(len(LOVEDA_CLASSES))
            one.update(target - 1, p - 1)  # LoveDA's shift: 0 = no-data -> -1 = ignored
            per_image.append(one.counts)
        cm = ConfusionMatrix(len(LOVEDA_CLASSES))
        cm.counts = np.sum(per_image, axis=0)
        stacked = np.stack(per_image)  # (N, C, C), rows = ground truth
        by_kind = (np.einsum("ncc->nc", stacked), stacked.sum(2), stacked.sum(1))
        counts = {
            f"{kind}_{name}": values[:, c]
            for kind, values in zip(COUNTS, by_kind, strict=True)
            for c, name in enumerate(LOVEDA_CLASSES)
        }
        valid = self.labels > 0
        n_valid = valid.sum(axis=(1, 2))
        hits = ((pred == self.labels) & valid).sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            pixel_accuracy = np.where(n_valid > 0, hits / n_valid, np.nan)
        iou = cm.iou()
        empty = [name for name, v in zip(LOVEDA_CLASSES, iou, strict=True) if np.isnan(v)]
        unavailable = {}
        if empty:
            unavailable["miou"] = (
                f"IoU undefined for {', '.join(empty)} (neither in the ground truth nor predicted)"
            )
        scores = TaskScores(
            {"pixel_accuracy": pixel_accuracy, **counts},
            {
                "miou": None if empty else cm.miou(),
                "iou": {
                    name: None if np.isnan(v) else float(v)
                    for name, v in zip(LOVEDA_CLASSES, iou, strict=True)
                },
                "confusion_matrix": cm.counts.tolist(),
            },
            unavailable,
        )
        return _with_network(scores, self.net)


Scorer = Callable[[np.ndarray], TaskScores]
SCORERS: dict[str, Callable[[TestSet, Path, DeviceChoice], Scorer]] = {
    "classification": ClassificationScorer,
    "crossview": CrossviewScorer,
    "segmentation": SegmentationScorer,
}
"""Task -> scorer class: built once per test set and network, then called per folder of
`(N, H, W, 3) uint8` images (the saved files, test-set order)."""
