"""Every trained method resumes: one epoch, then a second run of two epochs that continues from
the saved state, gives exactly the weights of two epochs in one go (the engine's state covers
every network, optimiser, scheduler and stage counter of the method's routine)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from geoinpaint.data.scenes import write_split
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.methods.registry import method_names, traits
from geoinpaint.methods.train import train_method

TRAINED = sorted(
    {traits(n)["reads"] or n for n in method_names() if traits(n)["trained"]}
    - {"proposed-", "proposed-augmix"}  # the Proposed family: proposed and proposed_b cover it
)
NEEDS_TASK_NET = {"proposed", "proposed-authors-code", "spl"}


@pytest.fixture(scope="module")
def split64(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven 64x64 training scenes, their seed masks and a tiny frozen classifier."""
    from geoinpaint.tasks.train_task import TaskTraining, train_task

    root = tmp_path_factory.mktemp("resume")
    write_split(root / "train", "train", 1, 64, seed=0)
    write_maskset(root / "masks", "concentrated", 7, 64, seed=1, fraction=0.25)
    train_task(
        "classification",
        root / "train",
        root / "clf.pt",
        root / "clf_state.pt",
        root / "clf.csv",
        TaskTraining("vgg-small", 1, batch_size=4, lr=1e-3),
        seed=0,
        device="cpu",
        threads=1,
    )
    return root


def _train(name: str, root: Path, out: Path, epochs: int):
    options = {**traits(name)["cls"].SMALL, "epochs": epochs, "batch_size": 4}
    for key, value in (("prior_epochs", 1), ("pretrain_epochs", 1)):  # multi-stage methods
        if key in {f.name for f in traits(name)["cls"].Options.__dataclass_fields__.values()}:
            options[key] = value
    return train_method(
        name,
        "classification",
        root / "train",
        root / "masks",
        root / "clf.pt" if name in NEEDS_TASK_NET else None,
        options,
        out / "model.pt",
        out / "state.pt",
        seed=0,
        device="cpu",
        threads=1,
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", TRAINED)
def test_a_method_killed_after_an_epoch_resumes_to_identical_weights(
    name, split64, tmp_path, kill_after_first_epoch
):
    full = _train(name, split64, tmp_path / "full", epochs=2)
    kill_after_first_epoch(lambda: _train(name, split64, tmp_path / "cut", epochs=2))
    assert not (tmp_path / "cut" / "model.pt").exists()
    resumed = _train(name, split64, tmp_path / "cut", epochs=2)
    a, b = full.nets.state_dict(), resumed.nets.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), f"{name}: {key} differs after resuming"
