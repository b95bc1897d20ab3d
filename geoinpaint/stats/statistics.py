"""What a table cell is, as a function of per-image values and resampling weights.

A `Sample` holds one table row's per-image values on one test set for every seed, `(K, N)`
(seeds x images, the same image order in every seed), and says how a cell is computed from
them. Every statistic takes image weights `(B, N)` (how often each image is drawn in each of B
resamples; all ones = the test set itself) and one seed's values, and returns `(B,)`:

- `mean`: the mean over images with a value (PSNR, SSIM, MSE, BRISQUE, LPIPS, pixel accuracy;
  Recall@K and AP from per-query values); `binary` is the same for 0/1 values (accuracy), kept
  apart because its paired test is McNemar's.
- `miou`: the mean over classes of TP / (TP + FP + FN) from per-image counts `(N, 3, C)`
  (true positives, ground-truth pixels, predicted pixels per class) summed over the drawn
  images: exactly the set's mIoU for all-ones weights. A class absent from a resample (empty
  union) is left out of that resample's mean.

The cross-view task stores each query's rank of its true aerial match; with one true match per
query, `metrics.retrieval`'s definitions reduce to per-query values: Recall@K is the share of
queries with rank <= K, Recall@top1% uses K = round(0.01 * gallery size) + 1, and AP (the
trapezoid rule over the one good item) is 1 for rank 1 and 1 / (2 * rank) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Kind = Literal["mean", "binary", "miou"]


def mean(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Weighted mean over images of `(N,)` values (NaN = no value) for each row of `(B, N)`
    weights; NaN where no drawn image has a value."""
    valid = ~np.isnan(values)
    num = weights @ np.where(valid, values, 0.0)
    den = weights @ valid.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def miou(weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """mIoU of the drawn images from per-image `(N, 3, C)` counts (TP, true, predicted)."""
    total = np.einsum("bn,nkc->bkc", weights, counts.astype(np.float64))
    tp, true, pred = total[:, 0], total[:, 1], total[:, 2]
    union = true + pred - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, tp / np.where(union > 0, union, 1.0), np.nan)
    present = ~np.isnan(iou)
    n = present.sum(axis=1)
    return np.where(n > 0, np.where(present, iou, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)


STATISTICS = {"mean": mean, "binary": mean, "miou": miou}


@dataclass(frozen=True)
class Sample:
    """One table row's per-image values on one test set, every seed.

    Attributes:
        values: `(K, N)` floats (NaN = no value) for `mean` and `binary`, `(K, N, 3, C)`
            counts for `miou`; seeds in the table's seed order, images in `ids` order.
        kind: how a cell is computed (module docstring).
        scale: the table's unit (100 for percentages).
        ids: the image (query) ids, the same for every seed.
    """

    values: np.ndarray
    kind: Kind
    scale: float = 1.0
    ids: tuple[str, ...] = ()

    @property
    def n_seeds(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_images(self) -> int:
        return int(self.values.shape[1])

    def statistic(self, weights: np.ndarray, seed: int) -> np.ndarray:
        """The cell of seed index `seed` under image `weights` `(B, N)`, in table units."""
        return STATISTICS[self.kind](weights, self.values[seed]) * self.scale

    def per_seed(self) -> np.ndarray:
        """`(K,)` the table value of each seed (all images once)."""
        ones = np.ones((1, self.n_images))
        return np.array([self.statistic(ones, k)[0] for k in range(self.n_seeds)])


def recall_hits(rank: np.ndarray, k: int) -> np.ndarray:
    """1.0 where the true match is among the first `k` (1-based `rank`), else 0.0."""
    return (np.asarray(rank) <= k).astype(np.float64)


def top1_percent_k(gallery_size: int) -> int:
    """The K of Recall@top1% (`metrics.retrieval`: CMC index round(0.01 * G), 0-based)."""
    return round(0.01 * gallery_size) + 1


def average_precision(rank: np.ndarray) -> np.ndarray:
    """AP of a query with one true match at 1-based `rank` (`metrics.retrieval`'s trapezoid)."""
    r = np.asarray(rank, np.float64)
    return np.where(r == 1, 1.0, 1.0 / (2.0 * r))
