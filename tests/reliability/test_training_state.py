"""Training jobs are idempotent and resume only their own state: a finished run writes its
outputs again, changed settings start afresh (the old state kept aside), a state is saved only
when finite, and a failed save leaves the previous state as it was."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import geoinpaint.training.engine as engine_module
import geoinpaint.training.state as state_module
from geoinpaint.cli import main
from geoinpaint.data.scenes import write_split
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.training.engine import Engine, EngineConfig
from geoinpaint.training.state import DivergenceError, load_checkpoint

from .helpers import fails_naming, no_temporaries, snapshot


class Line:
    """Fits w to the mean sample index; optionally poisons its weights or loss at one step."""

    def __init__(self, nan_weights_at: int | None = None, nan_loss_at: int | None = None):
        self.w = torch.zeros(3, requires_grad=True)
        self.opt = torch.optim.SGD([self.w], lr=0.1)
        self.calls, self.nan_weights_at, self.nan_loss_at = 0, nan_weights_at, nan_loss_at

    def train_step(self, indices):
        self.calls += 1
        loss = ((self.w - indices.float().mean()) ** 2).sum()
        if self.calls == self.nan_loss_at:
            loss = loss * float("nan")
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        if self.calls == self.nan_weights_at:
            with torch.no_grad():
                self.w[1] = float("inf")  # a step that overflows, though its loss was finite
        return {"loss": loss.detach()}

    def end_epoch(self, epoch):
        return {}

    def samples(self):
        return None

    def state_dict(self):
        return {"w": self.w.detach().clone(), "opt": self.opt.state_dict()}

    def load_state_dict(self, state):
        with torch.no_grad():
            self.w.copy_(state["w"])
        self.opt.load_state_dict(state["opt"])


def engine(root: Path, identity: dict | None = None, **kw) -> Engine:
    cfg = dict(
        epochs=3, batch_size=2, seed=5, state_path=root / "state.pt", log_csv=root / "log.csv"
    )
    keyed = {"identity": identity} if identity is not None else {}
    return Engine(EngineConfig(**cfg, **keyed, **kw))


def run(root: Path, routine: Line | None = None, identity: dict | None = None, **kw) -> Line:
    routine = routine or Line()
    # 8 samples in batches of 2: 4 steps an epoch, 12 in all (no lone last sample to drop)
    engine(root, identity, **kw).run(routine, 8, lambda indices, epoch: indices)
    return routine


def test_a_finished_run_rerun_writes_its_log_again_without_training(tmp_path):
    first = run(tmp_path)
    log = (tmp_path / "log.csv").read_bytes()
    (tmp_path / "log.csv").unlink()  # Snakemake removes a job's outputs before rerunning it
    again = run(tmp_path)
    assert again.calls == 0 and torch.equal(again.w, first.w)
    assert (tmp_path / "log.csv").read_bytes() == log


def test_changed_settings_start_fresh_keep_the_old_state_aside_and_resume_when_back(tmp_path):
    from geoinpaint.training.state import aside_path, state_key

    a = run(tmp_path, identity={"lr": 0.1})
    state_a = (tmp_path / "state.pt").read_bytes()
    b = run(tmp_path, identity={"lr": 0.2})
    assert b.calls == a.calls > 0, "a changed setting must not resume the other run's state"
    kept = aside_path(tmp_path / "state.pt", state_key({"lr": 0.1}))
    assert kept.read_bytes() == state_a
    back = run(tmp_path, identity={"lr": 0.1})
    assert back.calls == 0 and torch.equal(back.w, a.w)
    assert aside_path(tmp_path / "state.pt", state_key({"lr": 0.2})).is_file()


def _recording_saves(monkeypatch) -> list[bytes]:
    saved: list[bytes] = []
    real = engine_module.atomic_save

    def save(obj, path):
        real(obj, path)
        saved.append(Path(path).read_bytes())

    monkeypatch.setattr(engine_module, "atomic_save", save)
    return saved


@pytest.mark.parametrize("step", np.random.default_rng(18).choice(np.arange(2, 12), 3, False))
def test_a_nan_loss_at_any_step_stops_and_keeps_the_last_good_state(tmp_path, monkeypatch, step):
    saved = _recording_saves(monkeypatch)
    with pytest.raises(DivergenceError, match=f"kept at {tmp_path / 'state.pt'}"):
        run(tmp_path, Line(nan_loss_at=int(step)), save_every_s=0)
    assert (tmp_path / "state.pt").read_bytes() == saved[-1]
    no_temporaries(tmp_path)


def test_non_finite_weights_are_never_saved_as_the_last_good_state(tmp_path, monkeypatch):
    saved = _recording_saves(monkeypatch)
    with pytest.raises(DivergenceError, match="non-finite weights in w") as err:
        run(tmp_path, Line(nan_weights_at=8))  # the last step of epoch 2: only epoch 1 is saved
    assert str(tmp_path / "state.pt") in str(err.value)
    state = load_checkpoint(tmp_path / "state.pt")
    assert state["epoch"] == 1 and torch.isfinite(state["routine"]["w"]).all()
    assert (tmp_path / "state.pt").read_bytes() == saved[-1]


def test_a_full_disk_during_a_state_save_leaves_the_previous_state(tmp_path, monkeypatch):
    saved = _recording_saves(monkeypatch)
    real = torch.save

    def save_until_full(obj, f):
        if saved:  # the first save succeeds, the next finds the disk full halfway
            half = b"PK\x03\x04 half a checkpoint"
            f.write(half) if hasattr(f, "write") else Path(f).write_bytes(half)
            raise OSError(errno.ENOSPC, "No space left on device")
        real(obj, f)

    monkeypatch.setattr(state_module.torch, "save", save_until_full)
    with pytest.raises(OSError, match="No space left") as err:
        run(tmp_path)
    assert str(tmp_path / "state.pt") in str(err.value)
    assert (tmp_path / "state.pt").read_bytes() == saved[0]
    no_temporaries(tmp_path)


# -- the verbs -----------------------------------------------------------------------------------
TINY = {"encoder": "resnet-small", "skips": 4, "ndf": 8, "batch_size": 4, "epochs": 1}


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("split")
    write_split(root / "train", "train", 1, 32, seed=0)
    write_maskset(root / "masks", "cloud", 7, 32, seed=1)
    return root


def train(split: Path, out: Path, **options) -> list[str]:
    return [
        *("train", "--method", "proposed_b", "--train", str(split / "train")),
        *("--masks", str(split / "masks"), "--options", json.dumps({**TINY, **options})),
        *("--out", str(out / "model.pt"), "--state", str(out / "state" / "model.pt")),
        *("--log-csv", str(out / "log.csv"), "--device", "cpu", "--threads", "1"),
    ]


def test_a_rerun_of_a_finished_training_writes_its_model_and_log_again(split, tmp_path):
    assert main(train(split, tmp_path)) == 0
    outputs = snapshot(tmp_path / "model.pt", tmp_path / "log.csv")
    for f in ("model.pt", "log.csv"):  # what Snakemake deletes before `--forcerun`
        (tmp_path / f).unlink()
    assert main(train(split, tmp_path)) == 0
    assert snapshot(tmp_path / "model.pt", tmp_path / "log.csv") == outputs


def test_a_changed_option_trains_afresh_and_matches_a_clean_run(split, tmp_path):
    assert main(train(split, tmp_path / "run")) == 0
    assert main(train(split, tmp_path / "run", lr=1e-2)) == 0
    assert main(train(split, tmp_path / "clean", lr=1e-2)) == 0
    got = load_checkpoint(tmp_path / "run" / "model.pt")["networks"]["generator"]
    want = load_checkpoint(tmp_path / "clean" / "model.pt")["networks"]["generator"]
    assert all(torch.equal(got[k], want[k]) for k in want)
    assert len(list((tmp_path / "run" / "state").glob("model.*.pt"))) == 1  # the old one, aside


def test_a_task_network_with_a_new_learning_rate_does_not_resume_the_old_one(
    split, tmp_path, caplog
):
    def task(lr: str, out: Path) -> list[str]:
        return [
            *("train-task", "--train", str(split / "train"), "--out", str(out / "net.pt")),
            *("--state", str(tmp_path / "state.pt"), "--log-csv", str(out / "log.csv")),
            *("--epochs", "1", "--batch-size", "4", "--lr", lr, "--threads", "1"),
        ]

    assert main(task("1e-3", tmp_path / "a")) == 0
    assert main(task("5e-3", tmp_path / "b")) == 0
    assert "starts fresh" in caplog.text and "resuming" not in caplog.text
    a = load_checkpoint(tmp_path / "a" / "net.pt")["state_dict"]
    b = load_checkpoint(tmp_path / "b" / "net.pt")["state_dict"]
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_a_bad_state_file_is_named(split, tmp_path, caplog):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "model.pt").write_bytes(b"not a checkpoint")
    fails_naming(caplog, train(split, tmp_path), tmp_path / "state" / "model.pt")


def test_after_a_divergence_a_rerun_at_a_sane_setting_trains_from_scratch(tmp_path):
    with pytest.raises(DivergenceError):
        run(tmp_path, Line(nan_weights_at=8), identity={"lr": 10.0})
    sane = run(tmp_path, identity={"lr": 0.1})
    assert sane.calls == 12 and torch.isfinite(sane.w).all()
    assert torch.equal(sane.w, run(tmp_path / "clean", identity={"lr": 0.1}).w)
