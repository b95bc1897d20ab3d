"""Cross-view retrieval metrics exactly as the University-1652 / LPN evaluation computes them.

Features are L2-normalised; each query ranks the whole gallery by descending dot product
(cosine similarity, ties in `np.argsort` order reversed, as the official code). Per query:
gallery items with the query's label are "good", items labelled -1 are junk and removed from
the ranking; the CMC curve is 0 before the first good item and 1 from it on; AP is the
trapezoid rule over the good items' ranks: sum over the k-th good item (rank r_k, 0-based) of
(1/n_good) * ((k - 1)/r_k + k/(r_k + 1)) / 2, with (k - 1)/r_k read as 1 when r_k = 0.
A query without any good item is skipped but still counted in the denominator (official code).

Set values, in percent: Recall@K = mean CMC at index K - 1; Recall@top1% = mean CMC at index
`round(0.01 * gallery size)` (Python rounding, as the official code); AP = mean AP.
"""

from __future__ import annotations

import numpy as np


def l2_normalise(features: np.ndarray) -> np.ndarray:
    """Rows divided by their L2 norm."""
    f = np.asarray(features, np.float64)
    return f / np.linalg.norm(f, axis=1, keepdims=True)


def _query(scores: np.ndarray, label: int, gallery_labels: np.ndarray) -> tuple[float, np.ndarray]:
    index = np.argsort(scores)[::-1]
    good = np.flatnonzero(gallery_labels == label)
    cmc = np.zeros(len(gallery_labels), np.int64)
    if good.size == 0:
        return float("nan"), cmc
    index = index[~np.isin(index, np.flatnonzero(gallery_labels == -1))]
    rows_good = np.flatnonzero(np.isin(index, good))
    cmc[rows_good[0] :] = 1
    k = np.arange(1, len(rows_good) + 1)
    precision = k / (rows_good + 1)
    old_precision = np.where(rows_good == 0, 1.0, (k - 1) / np.maximum(rows_good, 1))
    return float(((old_precision + precision) / 2).sum() / len(rows_good)), cmc


def retrieval_metrics(
    query_features: np.ndarray,
    query_labels: np.ndarray,
    gallery_features: np.ndarray,
    gallery_labels: np.ndarray,
) -> dict[str, float]:
    """Recall@1, @5, @10, @top1% and AP in percent (University-1652 `evaluate_gpu.py`).

    Args:
        query_features: `(Q, D)` raw features (normalised here).
        query_labels: `(Q,)` integer place ids.
        gallery_features: `(G, D)` raw features.
        gallery_labels: `(G,)` place ids; -1 marks junk items.
    """
    q, g = l2_normalise(query_features), l2_normalise(gallery_features)
    ql, gl = np.asarray(query_labels), np.asarray(gallery_labels)
    if len(q) != len(ql) or len(g) != len(gl) or len(g) == 0 or len(q) == 0:
        raise ValueError(
            f"need matching non-empty features and labels, got {q.shape}/{ql.shape} queries "
            f"and {g.shape}/{gl.shape} gallery items"
        )
    cmc = np.zeros(len(gl), np.int64)
    ap = 0.0
    for feat, label in zip(q, ql, strict=True):
        ap_q, cmc_q = _query(g @ feat, int(label), gl)
        if np.isnan(ap_q):
            continue
        cmc += cmc_q
        ap += ap_q
    curve = cmc / len(ql)

    def at(i: int) -> float:
        return float(curve[min(i, len(curve) - 1)] * 100)

    return {
        "recall@1": at(0),
        "recall@5": at(4),
        "recall@10": at(9),
        "recall@top1%": at(round(len(gl) * 0.01)),
        "ap": ap / len(ql) * 100,
    }


def rankings(query_features: np.ndarray, gallery_features: np.ndarray) -> np.ndarray:
    """`(Q, G)` gallery indices per query, most similar first, in exactly the order
    `retrieval_metrics` ranks them (cosine similarity, `np.argsort(scores)[::-1]`)."""
    q, g = l2_normalise(query_features), l2_normalise(gallery_features)
    return np.stack([np.argsort(g @ feat)[::-1] for feat in q])
