"""`geoinpaint weights` and the hub-cache lookup: what is listed, what is rejected, what is used."""

import dataclasses
import hashlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import torchvision

from geoinpaint.metrics import weights
from geoinpaint.metrics.weights import (
    BY_NAME,
    WeightsUnavailable,
    install_from,
    problem,
    require,
    status,
)


def test_registry_urls_and_hash_prefixes_are_those_of_the_installed_packages():
    import importlib

    import pytorch_fid.inception

    piq_brisque = importlib.import_module("piq.brisque")

    fid = BY_NAME["pt_inception-2015-12-05-6726825d.pth"]
    assert fid.url == pytorch_fid.inception.FID_WEIGHTS_URL
    alex = BY_NAME["alexnet-owt-7be5be79.pth"]
    assert alex.url == torchvision.models.AlexNet_Weights.IMAGENET1K_V1.url
    vgg = BY_NAME["vgg16-397923af.pth"]
    assert vgg.url == torchvision.models.VGG16_Weights.IMAGENET1K_V1.url
    src = inspect.getsource(piq_brisque._score_svr).replace("' \\\n          '", "")
    assert BY_NAME["brisque_svm_weights.pt"].url in src
    for w in (fid, alex, vgg):  # torch hub convention: name-<sha256 prefix>.ext
        assert w.name.rsplit("-", 1)[1].split(".")[0] == w.sha256


def test_offline_every_hub_file_is_missing_and_named(torch_home):
    rows = status()
    hub = [r for r in rows if r["url"]]
    assert {r["file"] for r in hub} == set(BY_NAME)
    assert all(r["state"] == "missing" and str(torch_home) in r["problem"] for r in hub)
    with pytest.raises(WeightsUnavailable, match="pt_inception-2015-12-05-6726825d.pth"):
        require("pt_inception-2015-12-05-6726825d.pth")


def test_bundled_model_files_match_their_pinned_sha256():
    bundled = [r for r in status() if not r["url"]]
    assert {r["file"] for r in bundled} >= {"brisque/models/svm.txt", "lpips/weights/v0.1/alex.pth"}
    assert all(r["state"] == "ok" for r in bundled), bundled


def test_install_refuses_a_file_whose_sha256_does_not_match(torch_home, tmp_path):
    src = tmp_path / "fetched"
    src.mkdir()
    (src / "alexnet-owt-7be5be79.pth").write_bytes(b"not the real alexnet")
    with pytest.raises(ValueError, match="expected one starting with 7be5be79"):
        install_from(src)
    assert not (torch_home / "alexnet-owt-7be5be79.pth").exists()


def test_install_copies_a_matching_file_and_require_then_finds_it(
    torch_home, tmp_path, monkeypatch
):
    content = b"stand-in weights"
    name = "alexnet-owt-7be5be79.pth"
    digest = hashlib.sha256(content).hexdigest()
    monkeypatch.setitem(BY_NAME, name, dataclasses.replace(BY_NAME[name], sha256=digest[:8]))
    src = tmp_path / "fetched"
    src.mkdir()
    (src / name).write_bytes(content)
    assert install_from(src) == [name]
    assert require(name) == torch_home / name and problem(BY_NAME[name]) == ""
    (torch_home / name).write_bytes(b"corrupted")
    with pytest.raises(WeightsUnavailable, match=f"expected one starting with {digest[:8]}"):
        require(name)


def test_weights_verb_lists_every_file_with_its_state_and_check_fails_offline(tmp_path):
    env = {"TORCH_HOME": str(tmp_path / "torch"), "PATH": ""}
    cmd = [sys.executable, "-m", "geoinpaint.cli", "weights"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for name in BY_NAME:
        assert f"missing {name}" in proc.stdout
    assert "https://github.com/mseitzer/pytorch-fid/releases" in proc.stdout
    proc = subprocess.run([*cmd, "--check"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and "missing or bad" in proc.stderr


def test_brisque_svm_file_without_published_checksum_is_checked_by_content(torch_home):
    torch_home.mkdir(parents=True)
    (torch_home / "brisque_svm_weights.pt").write_bytes(b"garbage")
    assert "not a torch file" in problem(weights.BY_NAME["brisque_svm_weights.pt"])


@pytest.mark.parametrize(
    "env",
    [{}, {"TORCH_HOME": "/opt/torch"}, {"XDG_CACHE_HOME": "/xdg"}, {"TORCH_HOME": "~/th"}],
)
def test_hub_cache_found_without_torch_is_torchs_own(env, monkeypatch, tmp_path):
    import torch

    for key in ("TORCH_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert weights.checkpoints_dir() == Path(torch.hub.get_dir()) / "checkpoints"


def test_present_only_looks_for_the_file(torch_home):
    assert not weights.present(weights.PERCEPTUAL_TRUNK)
    torch_home.mkdir(parents=True)
    (torch_home / weights.PERCEPTUAL_TRUNK).write_bytes(b"not verified here")
    assert weights.present(weights.PERCEPTUAL_TRUNK)
    assert problem(BY_NAME[weights.PERCEPTUAL_TRUNK]), "require() still verifies it"
