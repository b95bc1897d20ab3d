"""Shared fixtures: tiny generated datasets, built in seconds on the CPU."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from geoinpaint.data.scenes import write_split
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.testsets import build_testset

REPO = Path(__file__).resolve().parents[1]

# Every workflow step is a process, and a session starts several hundred (the embedded default
# alone ~190). With PYTHONDONTWRITEBYTECODE set, as on some CI images, each would compile this
# package from source again (little: its modules compile fast), and the README test's
# `--no-compile` venv would compile torch in every command (that test took 235-240 s with the
# variable set, 182 s without). The session's child processes cache bytecode as Python does by
# default (__pycache__ is ignored).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Every test runs torch on one thread, as the workflow's jobs do (`threads: 1`), whatever
    an earlier test set: the session shares the CPU with its background workflow runs, and
    OpenMP threads that wait for a busy core spin instead of yielding (a 100-step overfit took
    514 s instead of 10 s)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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
    root = tmp_path_factory.mktemp("testset")
    write_maskset(root / "masks", "cloud", 14, 32, seed=0)
    build_testset(scenes / "test", root / "masks", root / "testset", seed=0, fill="cloud")
    return root / "testset"


@pytest.fixture(scope="session")
def testset64(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 64x64 frozen test set (1 image per class): the smallest size every method accepts."""
    root = tmp_path_factory.mktemp("testset64")
    write_split(root / "test", "test", 1, 64, seed=0)
    write_maskset(root / "masks", "cloud", 7, 64, seed=0)
    build_testset(root / "test", root / "masks", root / "testset", seed=0, fill="cloud")
    return root / "testset"


@pytest.fixture
def kill_after_first_epoch():
    """`run(train)`: call `train()` as a job killed right after its first epoch's state is saved
    (the engine's save patched for the call only)."""
    import geoinpaint.training.engine as engine

    real_save = engine.atomic_save

    def save_then_die(obj, path):
        real_save(obj, path)
        if obj.get("epoch") == 1:
            raise KeyboardInterrupt

    def run(train) -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine, "atomic_save", save_then_die)
            with pytest.raises(KeyboardInterrupt):
                train()

    return run


@pytest.fixture
def torch_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty torch hub cache: `$TORCH_HOME` points into `tmp_path`; returns its checkpoints/."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path / "torch" / "hub" / "checkpoints"


# End-to-end workflow runs (workflow copy in a temporary folder, Snakemake arguments), started
# in the background as soon as the session knows a selected test needs them.
def _paper_tiny(where: Path) -> tuple[tuple[str, ...], dict[str, str]]:
    """config/paper-tiny.yaml on generated fake RSSCN7/CVUSA/LoveDA trees, with stand-ins for
    the pretrained files in a torch hub cache inside the run (never the user's); one thread a
    job, as every job of the session (two jobs of each of three runs share two cores)."""
    from paper_tiny_data import fake_trees
    from standins import install_standins

    fake_trees(where / "paper-tiny-data")
    torch_home = where / ".torch-standins"  # inside the run: removed with it
    pins = install_standins(torch_home)
    env = {"TORCH_HOME": str(torch_home), "GEOINPAINT_WEIGHT_PINS": str(pins)}
    return ("--configfile", "config/paper-tiny.yaml", "--config", "threads=1"), env


BACKGROUND_RUNS = {  # started in this order
    "embedded_run": lambda where: ((), {}),
    "smoke_run": lambda where: (("--configfile", "config/smoke.yaml"), {}),
    "paper_tiny_run": _paper_tiny,
}
RUNS = pytest.StashKey[dict]()


def _start(name: str):
    from workflow_run import BackgroundRun, workflow_copy  # imports this module: not at the top

    where = workflow_copy(Path(tempfile.mkdtemp(prefix=f"geoinpaint-{name}-")))
    args, env = BACKGROUND_RUNS[name](where)
    return BackgroundRun(where, *args, env=env)


# paper-tiny needs ~9 GB of memory and ~11 GB of disk (the paper-size states): a smaller machine
# leaves it out with GEOINPAINT_PAPER_TINY=0 (README)
OPT_OUT = {"paper_tiny_run": "GEOINPAINT_PAPER_TINY"}


LAST = ("paper_tiny_run", "embedded_run")
"""The two long background runs: the tests that read them run at the end of the session, in
this order. Every other test runs first, beside them; then the two runs' last serial jobs
(inpainting, scoring, tables) overlap, instead of one core waiting on one run's tail."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        names = getattr(item, "fixturenames", ())
        return next((i + 1 for i, name in enumerate(LAST) if name in names), 0)

    items.sort(key=rank)  # stable: the collection order within each rank


def pytest_collection_finish(session: pytest.Session) -> None:
    wanted = {
        name
        for item in session.items
        for name in getattr(item, "fixturenames", ())
        if name in BACKGROUND_RUNS and (name not in OPT_OUT or os.environ.get(OPT_OUT[name]) != "0")
    }
    # the runs whose preparation takes a while (paper-tiny's stand-in weights) start last
    order = [name for name in BACKGROUND_RUNS if name in wanted]
    session.config.stash[RUNS] = {name: _start(name) for name in order}


def pytest_sessionfinish(session: pytest.Session) -> None:
    for run in session.config.stash.get(RUNS, {}).values():
        run.stop()
        shutil.rmtree(run.where, ignore_errors=True)


@pytest.fixture(scope="session")
def smoke_run(request: pytest.FixtureRequest) -> Path:
    """A local run of the smoke workflow (config/smoke.yaml), shared by the end-to-end tests.

    Tests may read it and run Snakemake in it again, but must not change its results.
    """
    return request.config.stash[RUNS]["smoke_run"].result()


@pytest.fixture(scope="session")
def embedded_run(request: pytest.FixtureRequest) -> Path:
    """A local run of the embedded default (config/config.yaml), as `snakemake --cores all`."""
    return request.config.stash[RUNS]["embedded_run"].result()


@pytest.fixture(scope="session")
def paper_tiny_run(request: pytest.FixtureRequest) -> Path:
    """A local run of config/paper-tiny.yaml on fake trees and stand-in weights (`_paper_tiny`),
    unless `GEOINPAINT_PAPER_TINY=0` (OPT_OUT)."""
    if "paper_tiny_run" not in request.config.stash[RUNS]:
        pytest.skip("GEOINPAINT_PAPER_TINY=0: paper-tiny (9 GB of memory, 11 GB of disk) left out")
    return request.config.stash[RUNS]["paper_tiny_run"].result()
