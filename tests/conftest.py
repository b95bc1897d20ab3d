"""Shared fixtures: tiny generated datasets, built in seconds on the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoinpaint.data.scenes import write_split
from geoinpaint.data.testset import build_testset

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 32x32 scene dataset: 4 train and 2 test images per class."""
    root = tmp_path_factory.mktemp("scenes")
    write_split(root / "train", "train", 4, 32, seed=0)
    write_split(root / "test", "test", 2, 32, seed=0)
    return root


@pytest.fixture(scope="session")
def testset(scenes: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frozen test set built from the `scenes` test split."""
    out = tmp_path_factory.mktemp("testset") / "testset"
    build_testset(scenes / "test", out, seed=0, min_fraction=0.15, max_fraction=0.6, fill="cloud")
    return out
