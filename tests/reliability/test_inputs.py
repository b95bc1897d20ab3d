"""Bad inputs stop before any work with a message naming the key or the file: configs, real
dataset copies, task networks of another task, pretrained files."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from geoinpaint.config import check_config, load_config
from geoinpaint.data.real.rsscn7 import FOLDERS
from geoinpaint.experiments.plan import plan

from .helpers import fails_naming, no_temporaries, snapshot

REPO = Path(__file__).resolve().parents[2]
SMOKE = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())


def _config(tmp_path: Path, change=None, text: str | None = None) -> dict:
    shutil.copy(REPO / "config" / "schema.yaml", tmp_path)
    config = copy.deepcopy(SMOKE)
    if change:
        change(config)
    (tmp_path / "c.yaml").write_text(text if text is not None else yaml.safe_dump(config))
    loaded = load_config(tmp_path / "c.yaml")
    check_config(loaded)
    plan(loaded)
    return loaded


CONFIGS = {
    "typo": (lambda c: c.__setitem__("seeed", 1), "seeed"),
    "wrong type": (lambda c: c.__setitem__("seed", "one"), "['seed']"),
    "method typo": (lambda c: c["methods"].__setitem__("prposed", {}), "methods.prposed"),
    "option typo": (
        lambda c: c["methods"].__setitem__("proposed", {"lamda_task": 3}),
        "lamda_task",
    ),
    "fractions reversed": (
        lambda c: c["masks"]["cloud"].update(min_fraction=0.7),
        "masks.cloud: min_fraction 0.7",
    ),
    "size against a stride": (
        lambda c: c["datasets"]["rsscn7"].update(size=30),
        "30x30 images",
    ),
    "real root missing": (
        lambda c: c["datasets"]["rsscn7"].update(source="rsscn7", root="/no/such/folder"),
        "datasets.rsscn7.root: /no/such/folder",
    ),
    "run name with a shell command": (
        lambda c: c.__setitem__("run_name", "x;touch pwned"),
        "'x;touch pwned' does not match",
    ),
    "run name leaving its folder": (lambda c: c.__setitem__("run_name", ".."), "'..'"),
    "task on an undefined dataset": (
        lambda c: c["tasks"]["classification"].update(dataset="nope"),
        "tasks.classification.dataset",
    ),
}


@pytest.mark.parametrize("case", CONFIGS)
def test_a_bad_config_stops_at_load_naming_the_key(case, tmp_path):
    change, named = CONFIGS[case]
    with pytest.raises(Exception) as err:  # noqa: B017 - schema (WorkflowError) or ValueError
        _config(tmp_path, change)
    assert named in str(err.value)


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    with pytest.raises(yaml.YAMLError, match="line 2"):
        _config(tmp_path, text="run_name: smoke\nseed: [0\nthreads: 1\n")


def test_the_smoke_config_itself_loads(tmp_path):
    assert _config(tmp_path)["run_name"] == "smoke"


# -- real dataset copies --------------------------------------------------------------------------
def _rsscn7(root: Path) -> Path:
    for folder in FOLDERS:
        for i in range(1, 5):
            path = root / folder / f"{folder[0]}{i:03d}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            rng = np.random.default_rng(i)
            Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(path)
    return root


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:300])


BROKEN = {
    "missing class": (lambda r: shutil.rmtree(r / "bField"), "bField: folder not found"),
    "empty class": (
        lambda r: [p.unlink() for p in (r / "bField").iterdir()],
        "bField: no bNNN.jpg images",
    ),
    "zero-byte file": (lambda r: (r / "bField" / "b002.jpg").write_bytes(b""), "b002.jpg"),
    "truncated file": (lambda r: _truncate(r / "bField" / "b002.jpg"), "b002.jpg"),
    "wrong format": (
        lambda r: (r / "bField" / "b002.jpg").write_text("<html>404</html>"),
        "b002.jpg: unreadable image",
    ),
    "stray file name": (
        lambda r: shutil.copy(r / "bField" / "b002.jpg", r / "bField" / "b002 (copy).jpg"),
        "b002 (copy).jpg",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_dataset_copy_is_named_and_the_prepared_split_stays(case, tmp_path, caplog):
    from geoinpaint.cli import main

    root, out = _rsscn7(tmp_path / "rsscn7"), tmp_path / "scenes"
    argv = ["prepare", "--dataset", "rsscn7", "--task", "classification", "--root", root]
    argv += ["--size", "16", "--limit", "28", "--out", out]
    assert main([str(a) for a in argv]) == 0
    before = snapshot(out)
    breakit, named = BROKEN[case]
    breakit(root)
    fails_naming(caplog, argv, named)
    assert snapshot(out) == before
    no_temporaries(tmp_path)


def test_stray_system_files_beside_a_dataset_are_ignored(tmp_path):
    from geoinpaint.cli import main

    root, out = _rsscn7(tmp_path / "rsscn7"), tmp_path / "scenes"
    argv = ["prepare", "--dataset", "rsscn7", "--task", "classification", "--root", str(root)]
    argv += ["--size", "16", "--limit", "28", "--seed", "0"]
    assert main([*argv, "--out", str(out / "a")]) == 0
    (root / "bField" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "bField" / "notes.txt").write_text("downloaded 2024")
    assert main([*argv, "--out", str(out / "b")]) == 0
    assert {Path(p).relative_to(out / "a"): h for p, h in snapshot(out / "a").items()} == {
        Path(p).relative_to(out / "b"): h for p, h in snapshot(out / "b").items()
    }


# -- task networks and pretrained files -----------------------------------------------------------
def test_a_task_network_of_another_task_is_refused_by_evaluate(testset, tmp_path, caplog):
    net = tmp_path / "crossview_net.pt"
    torch.save({"task": "crossview", "arch": "lpn-small", "state_dict": {}}, net)
    argv = ["evaluate", "--task", "classification", "--testset", testset, "--task-net", net]
    argv += ["--images", testset / "occluded", "--out", tmp_path / "m.csv", "--device", "cpu"]
    fails_naming(caplog, argv, net, "crossview")
    assert not (tmp_path / "m.csv").exists()


def test_installing_weights_from_a_missing_folder_is_an_error_not_installed_0(
    torch_home, tmp_path, caplog
):
    nowhere = tmp_path / "nowhere"
    fails_naming(caplog, ["weights", "--install-from", nowhere], nowhere, "not found")


def test_installing_weights_from_a_folder_without_any_is_an_error(torch_home, tmp_path, caplog):
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "vgg16.pth").write_bytes(b"renamed")
    fails_naming(caplog, ["weights", "--install-from", tmp_path / "downloads"], "no pretrained")
    assert not torch_home.exists() or not any(torch_home.iterdir())


def test_installing_a_wrong_weights_file_is_refused_naming_it(torch_home, tmp_path, caplog):
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "alexnet-owt-7be5be79.pth").write_bytes(b"an html error page")
    argv = ["weights", "--install-from", tmp_path / "downloads"]
    fails_naming(caplog, argv, "alexnet-owt-7be5be79.pth", "refusing to install")
    assert not (torch_home / "alexnet-owt-7be5be79.pth").exists()
