"""Cross-view retrieval metrics against values worked out by hand from the University-1652
evaluation's definitions (CMC, trapezoid AP, Recall@top1% at index round(0.01 G))."""

import numpy as np
import pytest

from geoinpaint.metrics.retrieval import retrieval_metrics


def _gallery(order_of_labels):
    """Gallery items whose similarity to the query (direction e0) falls with the list position."""
    n = len(order_of_labels)
    angles = np.linspace(0.1, 1.5, n)
    feats = np.stack([np.cos(angles), np.sin(angles)], 1) * np.arange(1, n + 1)[:, None]
    return feats, np.array(order_of_labels)


def test_ap_is_the_trapezoid_rule_over_the_good_ranks():
    feats, labels = _gallery([7, 3, 7, 3, 3])  # query label 7: good at ranks 0 and 2
    m = retrieval_metrics(np.array([[1.0, 0.0]]), np.array([7]), feats, labels)
    # k=1: (1 + 1/1)/2 * 1/2 ; k=2: (1/2 + 2/3)/2 * 1/2
    assert m["ap"] == pytest.approx((0.5 + (1 / 2 + 2 / 3) / 4) * 100)
    assert m["recall@1"] == 100.0 and m["recall@5"] == 100.0


def test_recall_counts_queries_whose_first_match_is_within_k():
    feats, labels = _gallery([1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1])  # label 2 first at rank 8
    q = np.array([[1.0, 0.0], [1.0, 0.0]])
    m = retrieval_metrics(q, np.array([1, 2]), feats, labels)
    assert m["recall@1"] == 50.0 and m["recall@5"] == 50.0 and m["recall@10"] == 100.0
    # query 1: good at ranks 0-7 (precision 1 each), then 9, 10, 11
    ap1 = (8 + (8 / 9 + 9 / 10) / 2 + (9 / 10 + 10 / 11) / 2 + (10 / 11 + 11 / 12) / 2) / 11
    ap2 = (0 / 8 + 1 / 9) / 2  # query 2: one good item at rank 8
    assert m["ap"] == pytest.approx((ap1 + ap2) / 2 * 100)


def test_junk_items_are_removed_and_queries_without_match_count_as_misses():
    feats, labels = _gallery([-1, 5, 6])
    q = np.array([[1.0, 0.0], [1.0, 0.0]])
    m = retrieval_metrics(q, np.array([5, 9]), feats, labels)  # label 9 has no gallery item
    assert m["recall@1"] == 50.0 and m["ap"] == pytest.approx(50.0)


def test_recall_at_top1_percent_reads_the_cmc_at_index_round_of_one_percent():
    labels = [0] * 250
    labels[2] = 1  # good item at rank 2; round(0.01 * 250) = 2 (banker's rounding of 2.5)
    feats, labels = _gallery(labels)
    m = retrieval_metrics(np.array([[1.0, 0.0]]), np.array([1]), feats, labels)
    assert m["recall@top1%"] == 100.0 and m["recall@1"] == 0.0
    labels[2], labels[3] = 0, 1  # now at rank 3, past index 2
    m = retrieval_metrics(np.array([[1.0, 0.0]]), np.array([1]), feats, np.array(labels))
    assert m["recall@top1%"] == 0.0


def test_features_are_l2_normalised_before_ranking():
    g = np.array([[10.0, 1.0], [0.5, 0.0]])  # larger dot product, smaller cosine first
    m = retrieval_metrics(np.array([[1.0, 0.0]]), np.array([2]), g, np.array([1, 2]))
    assert m["recall@1"] == 100.0
