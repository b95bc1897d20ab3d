"""Segmentation and cross-view task networks: training through `train_task` and frozen use."""

import numpy as np
import pytest
import torch

from geoinpaint.data.scenes import write_split
from geoinpaint.tasks.frozen import FrozenClassifier, FrozenGeolocator, FrozenSegmenter
from geoinpaint.tasks.train_task import train_task


def _train(task, split, tmp_path, arch):
    return train_task(
        task,
        split,
        tmp_path / "net.pt",
        tmp_path / "state.pt",
        tmp_path / "log.csv",
        arch,
        1,
        8,
        1e-3,
        seed=0,
        device="cpu",
        threads=1,
    )


@pytest.fixture(scope="module")
def seg_split(tmp_path_factory):
    root = tmp_path_factory.mktemp("seg")
    write_split(root, "train", 2, 32, seed=0, task="segmentation")
    return root


@pytest.fixture(scope="module")
def cv_split(tmp_path_factory):
    root = tmp_path_factory.mktemp("cv")
    write_split(root, "train", 2, 64, seed=0, task="crossview")
    return root


def _assert_frozen_passes_gradients_only_to_the_input(frozen, x, targets):
    before = {k: v.clone() for k, v in frozen.net.state_dict().items()}
    x = x.clone().requires_grad_(True)
    frozen.loss(x, targets).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is None for p in frozen.net.parameters())
    assert all(torch.equal(before[k], v) for k, v in frozen.net.state_dict().items())


def test_segmenter_trains_and_freezes(seg_split, tmp_path):
    ckpt = _train("segmentation", seg_split, tmp_path, "hrnet-w18-small")
    assert ckpt["task"] == "segmentation" and ckpt["num_classes"] == 7
    frozen = FrozenSegmenter(tmp_path / "net.pt", device="cpu")
    images = np.random.default_rng(0).random((2, 32, 32, 3)).astype(np.float32)
    pred = frozen.predict(images)
    assert pred.shape == (2, 32, 32) and pred.min() >= 1 and pred.max() <= 7
    labels = torch.randint(0, 8, (2, 32, 32))
    _assert_frozen_passes_gradients_only_to_the_input(frozen, torch.rand(2, 3, 32, 32), labels)


def test_geolocator_trains_one_id_per_pair_and_freezes(cv_split, tmp_path):
    ckpt = _train("crossview", cv_split, tmp_path, "lpn-small")
    assert ckpt["num_classes"] == 14  # one location id per training pair
    frozen = FrozenGeolocator(tmp_path / "net.pt", device="cpu")
    images = np.random.default_rng(0).random((3, 64, 64, 3)).astype(np.float32)
    emb = frozen.embed(images, "ground")
    assert emb.shape == (3, 1024) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
    assert 0.0 <= frozen.evaluate(images, images) <= 1.0
    _assert_frozen_passes_gradients_only_to_the_input(
        frozen, torch.rand(2, 3, 64, 64), torch.tensor([0, 5])
    )


def test_a_wrapper_refuses_a_checkpoint_of_another_task(seg_split, tmp_path):
    _train("segmentation", seg_split, tmp_path, "hrnet-w18-small")
    with pytest.raises(ValueError, match="holds a segmentation network, expected classification"):
        FrozenClassifier(tmp_path / "net.pt")


def test_segmentation_training_on_a_classification_split_says_so(scenes, tmp_path):
    with pytest.raises(ValueError, match="no label_map column"):
        _train("segmentation", scenes / "train", tmp_path, "hrnet-w18-small")
