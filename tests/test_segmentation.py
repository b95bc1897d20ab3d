"""mIoU as the official LoveDA evaluation: one int64 confusion matrix, no-data ignored, mean over
all classes; values worked out by hand."""

import numpy as np
import pytest

from geoinpaint.metrics.segmentation import ConfusionMatrix, miou


def test_miou_is_the_mean_iou_of_one_confusion_matrix_over_all_images():
    t1, p1 = np.array([[0, 0], [1, 1]]), np.array([[0, 1], [1, 1]])
    t2, p2 = np.array([[2, 2], [-1, 0]]), np.array([[2, 0], [1, 0]])  # -1: no-data, ignored
    # class 0: TP 2 (one per image), FP 1, FN 1 -> 2/4; class 1: TP 2, FP 1 -> 2/3;
    # class 2: TP 1, FN 1 -> 1/2
    assert miou([t1, t2], [p1, p2], num_classes=3) == pytest.approx((1 / 2 + 2 / 3 + 1 / 2) / 3)


def test_per_image_averaging_would_differ_so_counts_are_pooled():
    t = [np.zeros((10, 10), int), np.ones((1, 1), int)]
    p = [np.zeros((10, 10), int), np.zeros((1, 1), int)]
    # pooled: class 0 IoU 100/101, class 1 IoU 0
    assert miou(t, p, num_classes=2) == pytest.approx((100 / 101) / 2)


def test_counts_are_int64_and_a_class_with_an_empty_union_makes_miou_undefined():
    cm = ConfusionMatrix(num_classes=7)
    cm.update(np.zeros((4, 4), int), np.zeros((4, 4), int))
    assert cm.counts.dtype == np.int64
    assert np.isnan(cm.miou()) and cm.iou()[0] == 1.0


def test_labels_outside_the_classes_are_an_error():
    with pytest.raises(ValueError, match="labels must be in 0..6"):
        ConfusionMatrix().update(np.array([7]), np.array([0]))
