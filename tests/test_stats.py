"""geoinpaint.stats: intervals against scipy, paired tests that find a known difference and
nothing between identical rows, per-query and per-image statistics that reproduce the set
metrics, Holm's correction on a hand-computed case."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from geoinpaint.metrics.retrieval import rankings, retrieval_metrics
from geoinpaint.metrics.segmentation import ConfusionMatrix
from geoinpaint.stats.bootstrap import crossed_bootstrap, percentile_interval
from geoinpaint.stats.intervals import t_interval
from geoinpaint.stats.multiple import holm
from geoinpaint.stats.paired import compare, mcnemar
from geoinpaint.stats.statistics import (
    Sample,
    average_precision,
    recall_hits,
    top1_percent_k,
)

K, N = 5, 200


def _sample(values: np.ndarray, kind: str = "mean", scale: float = 1.0) -> Sample:
    return Sample(values, kind, scale, tuple(f"{i:04d}" for i in range(values.shape[1])))


def _rows(shift: float, seed: int = 0) -> tuple[Sample, Sample]:
    """Two rows of per-image PSNR-like values over K seeds: b, and a = b + shift + noise."""
    rng = np.random.default_rng(seed)
    image = rng.normal(25, 3, N)  # hard and easy images, shared by every seed
    b = image + rng.normal(0, 0.5, (K, 1)) + rng.normal(0, 1, (K, N))
    a = b + shift + rng.normal(0, 1, (K, N))
    return _sample(a), _sample(b)


def test_t_interval_matches_scipy_on_a_hand_computed_case():
    # 1..5: mean 3, s = sqrt(2.5), sem = sqrt(0.5); t(0.975, 4) = 2.776445 -> 1.963243
    interval = t_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert interval.mean == 3.0 and interval.n == 5
    assert interval.half_width == pytest.approx(1.963243, abs=1e-6)
    low, high = sps.t.interval(0.95, 4, loc=3.0, scale=math.sqrt(0.5))
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)


def test_t_interval_of_one_seed_has_a_mean_but_no_half_width_and_ignores_nan():
    one = t_interval([7.0, math.nan])
    assert one.mean == 7.0 and one.n == 1 and math.isnan(one.half_width)
    assert t_interval([]).n == 0


def test_bootstrap_finds_a_known_difference_in_per_image_values():
    a, b = _rows(1.0)
    c = compare(a, b, n_boot=1999, seed=1)
    assert c.effect == pytest.approx(1.0, abs=0.25)
    assert 0 < c.ci_low < c.effect < c.ci_high
    assert c.p_value < 0.01 and c.n_seeds == K and c.n_images == N


def test_identical_rows_differ_by_nothing():
    a, _ = _rows(1.0)
    c = compare(a, a, n_boot=999, seed=1)
    assert c.effect == 0 and c.ci_low == 0 and c.ci_high == 0 and c.p_value == 1.0
    binary = _sample((np.random.default_rng(0).random((K, N)) < 0.7).astype(float), "binary")
    assert compare(binary, binary, n_boot=999).p_value == 1.0


def test_a_difference_that_flips_between_seeds_is_not_significant():
    # each seed's models differ by a lot, in either direction; images agree within a seed
    rng = np.random.default_rng(3)
    b = rng.normal(25, 3, (1, N)) + np.zeros((K, 1))
    per_seed = np.array([[2.0], [-1.5], [1.8], [-1.2], [0.5]])
    a = b + per_seed + rng.normal(0, 0.05, (K, N))
    c = compare(_sample(a), _sample(b), n_boot=1999, seed=2)
    assert c.ci_low < 0 < c.ci_high and c.p_value > 0.05
    # the images alone (one seed) would call it: the seeds' spread is what widens the interval
    one = compare(_sample(a[:1]), _sample(b[:1]), n_boot=1999, seed=2)
    assert one.p_value < 0.01


def test_crossed_bootstrap_with_one_seed_agrees_with_scipy_paired_bootstrap():
    a, b = _rows(0.3, seed=5)
    a1, b1 = _sample(a.values[:1]), _sample(b.values[:1])
    ours = percentile_interval(crossed_bootstrap(a1, b1, 9999, seed=0))
    d = a.values[0] - b.values[0]
    theirs = sps.bootstrap(
        (d,), np.mean, n_resamples=9999, method="percentile", random_state=0
    ).confidence_interval
    width = theirs.high - theirs.low
    assert ours == pytest.approx((theirs.low, theirs.high), abs=0.05 * width)


def test_resampling_is_deterministic_per_seed():
    a, b = _rows(0.5)
    first = crossed_bootstrap(a, b, 600, seed=4)
    assert np.array_equal(first, crossed_bootstrap(a, b, 600, seed=4))
    assert not np.array_equal(first, crossed_bootstrap(a, b, 600, seed=5))


def test_mcnemar_finds_a_known_accuracy_difference_and_equals_the_exact_test_for_one_seed():
    rng = np.random.default_rng(0)
    u = rng.random((K, N))
    better, worse = (u < 0.9).astype(float), (u < 0.75).astype(float)  # paired: nested wins
    assert mcnemar(better, worse) < 1e-6 and mcnemar(worse, better) < 1e-6
    c = compare(_sample(better, "binary", 100), _sample(worse, "binary", 100), n_boot=999)
    assert c.effect == pytest.approx(15, abs=3) and c.ci_low > 0
    one_a, one_b = better[:1], (rng.random((1, N)) < 0.85).astype(float)
    wins = int(((one_a > 0) & (one_b == 0)).sum())
    n = wins + int(((one_a == 0) & (one_b > 0)).sum())
    assert mcnemar(one_a, one_b) == pytest.approx(sps.binomtest(wins, n, 0.5).pvalue)


def test_equivalence_holds_within_the_margin_and_fails_beyond_it():
    a, b = _rows(0.1)
    assert compare(a, b, n_boot=1999, margin=2.0).p_equivalence < 0.01
    far_a, far_b = _rows(5.0)
    assert compare(far_a, far_b, n_boot=1999, margin=2.0).p_equivalence > 0.5


def test_holm_on_a_hand_computed_case():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max
    adjusted = holm([0.01, 0.04, 0.03, math.nan, 0.005])
    expected = [0.03, 0.06, 0.06, math.nan, 0.02]
    assert np.allclose(adjusted, expected, equal_nan=True)
    assert holm([0.6, 0.9]).tolist() == [1.0, 1.0]


def test_per_query_values_reproduce_the_retrieval_metrics():
    rng = np.random.default_rng(0)
    gallery = rng.normal(size=(150, 16))
    query = gallery + rng.normal(0, 1.2, gallery.shape)
    pairs = np.arange(len(gallery))
    rank = 1 + np.argmax(rankings(query, gallery) == pairs[:, None], axis=1)
    expected = retrieval_metrics(query, pairs, gallery, pairs)
    ones = np.ones((1, len(rank)))
    per_query = {
        "recall@1": recall_hits(rank, 1),
        "recall@5": recall_hits(rank, 5),
        "recall@10": recall_hits(rank, 10),
        "recall@top1%": recall_hits(rank, top1_percent_k(len(gallery))),
        "ap": average_precision(rank),
    }
    assert 0 < expected["recall@1"] < expected["recall@10"] < 100
    for key, values in per_query.items():
        got = _sample(values[None], scale=100).statistic(ones, 0)[0]
        assert got == pytest.approx(expected[key], abs=1e-9), key


def _segmentation(rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-image counts `(N, 3, 7)` of predictions that flip a share `noise` of the pixels."""
    target = rng.integers(0, 7, (60, 16, 16))
    flip = rng.random(target.shape) < noise
    pred = np.where(flip, rng.integers(0, 7, target.shape), target)
    counts = []
    for t, p in zip(target, pred, strict=True):
        cm = ConfusionMatrix(7)
        cm.update(t, p)
        c = cm.counts
        counts.append([np.diag(c), c.sum(1), c.sum(0)])
    return np.asarray(counts, np.float64), (target, pred)


def test_per_image_class_counts_reproduce_the_set_miou_and_find_a_known_difference():
    rng = np.random.default_rng(1)
    good, (target, pred) = _segmentation(rng, 0.2)
    cm = ConfusionMatrix(7)
    cm.update(target, pred)
    sample = _sample(good[None], "miou")
    assert sample.per_seed()[0] == pytest.approx(cm.miou(), abs=1e-12)
    bad, _ = _segmentation(rng, 0.5)
    c = compare(sample, _sample(bad[None], "miou"), n_boot=999)
    assert c.ci_low > 0 and c.p_value < 0.01
    assert compare(sample, sample, n_boot=499).p_value == 1.0
