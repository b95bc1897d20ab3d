"""Interface tests every registered method gets for free."""

import numpy as np
import pytest

from geoinpaint.data.io import to_uint8
from geoinpaint.data.testset import load_testset
from geoinpaint.evaluation import composite
from geoinpaint.metrics.full_reference import psnr
from geoinpaint.registry import available_methods, build_method, needs_training

SMALL = {"encoder": "resnet-small", "ndf": 8}


@pytest.mark.parametrize("name", available_methods())
def test_method_fills_holes_without_reading_the_occluder(name, testset64):
    ts = load_testset(testset64)
    # Trained methods in their small CPU size: the interface is the same, the paper's size is
    # exercised in tests/test_task_driven.py.
    method = build_method(name, **(SMALL if needs_training(name) else {}))
    pred = method.inpaint(ts.occluded[:4], ts.masks[:4])
    assert pred.shape == ts.occluded[:4].shape and pred.dtype == np.float32
    assert 0 <= pred.min() and pred.max() <= 1
    # A different occluder inside the hole must not change the prediction.
    other = np.where(ts.masks[:4, ..., None] == 1, 0.0, ts.occluded[:4]).astype(np.float32)
    assert np.allclose(method.inpaint(other, ts.masks[:4]), pred, atol=1 / 255)


TRAINING_FREE = [n for n in available_methods() if not needs_training(n)]


@pytest.mark.parametrize("name", TRAINING_FREE)
def test_training_free_method_beats_the_occluded_input(name, testset):
    """Trained methods are checked after training, in tests/test_task_driven.py."""
    ts = load_testset(testset)
    out = composite(build_method(name).inpaint(ts.occluded, ts.masks), ts.occluded, ts.masks)
    gt = to_uint8(ts.gt)
    ours = np.mean([psnr(g, o) for g, o in zip(gt, to_uint8(out), strict=True)])
    occluded = np.mean([psnr(g, o) for g, o in zip(gt, to_uint8(ts.occluded), strict=True)])
    assert ours > occluded + 5


def test_unknown_method_lists_the_registered_ones():
    with pytest.raises(KeyError, match="telea"):
        build_method("no-such-method")
