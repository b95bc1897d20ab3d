"""Interface tests every registered method gets for free."""

import numpy as np
import pytest
import torch

from geoinpaint.evaluation import composite
from geoinpaint.io import to_uint8
from geoinpaint.methods.adapter import inpaint_batches
from geoinpaint.methods.registry import build_method, method_names, needs_training, traits
from geoinpaint.metrics.full_reference import psnr
from geoinpaint.testsets import load_testset


def small_options(name: str) -> dict:
    """A trained method's small CPU variant: the interface is the same at every size."""
    return dict(getattr(traits(name)["cls"], "SMALL", {}))


# every method that inpaints from the images alone (`external` reads another tool's files)
INPAINTING = [n for n in method_names() if not traits(n)["cls"].by_id]


@pytest.mark.parametrize("name", INPAINTING)
def test_method_fills_holes_without_reading_the_occluder(name, testset64):
    ts = load_testset(testset64)
    method = build_method(name, options=small_options(name))
    if needs_training(name):
        torch.manual_seed(0)
    x = torch.from_numpy(ts.occluded[:4]).permute(0, 3, 1, 2)
    m = torch.from_numpy(ts.masks[:4])[:, None]
    pred = method.inpaint(x, m)
    assert pred.shape == x.shape and pred.dtype == torch.float32
    assert 0 <= pred.min() and pred.max() <= 1
    # A different occluder inside the hole must not change the prediction.
    other = torch.where(m == 1, torch.zeros_like(x), x)
    assert torch.allclose(method.inpaint(other, m), pred, atol=1 / 255)


TRAINING_FREE = [n for n in INPAINTING if not needs_training(n)]


@pytest.mark.parametrize("name", TRAINING_FREE)
def test_training_free_method_beats_the_occluded_input(name, testset):
    """Trained methods are checked after training, in tests/test_task_driven.py."""
    ts = load_testset(testset)
    out = np.concatenate([b for _, b in inpaint_batches(build_method(name), ts.occluded, ts.masks)])
    gt = to_uint8(ts.gt)
    ours = np.mean([psnr(g, o) for g, o in zip(gt, to_uint8(out), strict=True)])
    occluded = np.mean([psnr(g, o) for g, o in zip(gt, to_uint8(ts.occluded), strict=True)])
    assert ours > occluded + 5


def test_unknown_method_lists_the_registered_ones():
    with pytest.raises(KeyError, match="telea"):
        build_method("no-such-method")


def test_composite_keeps_known_pixels():
    pred, images = np.ones((1, 2, 2, 3)), np.zeros((1, 2, 2, 3))
    masks = np.array([[[1.0, 0.0], [0.0, 0.0]]])
    assert composite(pred, images, masks)[0, :, :, 0].tolist() == [[1, 0], [0, 0]]


def test_a_shorter_run_compresses_the_papers_stages_in_proportion():
    rfr = build_method("rfr", options={"epochs": 24, "width": 0.125})
    assert rfr.options.finetune_epochs == 8  # the paper's 80 of 240 epochs
    kept = build_method("rfr", options={"epochs": 24, "finetune_epochs": 3, "width": 0.125})
    assert kept.options.finetune_epochs == 3
    assert build_method("rfr", options={"width": 0.125}).options.finetune_epochs == 80
