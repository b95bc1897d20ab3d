"""Task networks: training through `train_task` (validation split, best epoch, early stop,
initialisation) and frozen use."""

import numpy as np
import pandas as pd
import pytest
import torch

from geoinpaint.data.scenes import write_split
from geoinpaint.tasks.frozen import FrozenClassifier, FrozenGeolocator, FrozenSegmenter
from geoinpaint.tasks.task_data import load_task_data, validation_rows
from geoinpaint.tasks.train_task import TaskTraining, build_network, train_task
from geoinpaint.tasks.validation import Validation
from geoinpaint.training.state import load_checkpoint


def _train(task, split, tmp_path, arch, epochs=1, **options):
    options = {"batch_size": 8, "lr": 1e-3, **options}
    return train_task(
        task,
        split,
        tmp_path / "net.pt",
        tmp_path / "state.pt",
        tmp_path / "log.csv",
        TaskTraining(arch, epochs, **options),
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


def test_geolocator_keeps_row_ids_and_its_task_loss_skips_the_validation_pairs(cv_split, tmp_path):
    ckpt = _train("crossview", cv_split, tmp_path, "lpn-small", val_fraction=0.5)
    held = ckpt["validation_rows"]
    assert ckpt["num_classes"] == 14 and len(held) == 7  # one id per pair of the whole split
    frozen = FrozenGeolocator(tmp_path / "net.pt", device="cpu")
    images = np.random.default_rng(0).random((3, 64, 64, 3)).astype(np.float32)
    emb = frozen.embed(images, "ground")
    assert emb.shape == (3, 8 * 256) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
    trained = [r for r in range(14) if r not in held]
    x = torch.rand(2, 3, 64, 64)
    only_trained = frozen.loss(x[:1], torch.tensor([trained[0]]))
    mixed = frozen.loss(x, torch.tensor([trained[0], held[0]]))
    assert torch.isclose(mixed, only_trained) and only_trained > 0
    assert frozen.loss(x, torch.tensor(held[:2])).item() == 0.0
    _assert_frozen_passes_gradients_only_to_the_input(frozen, x, torch.tensor(trained[:2]))


def test_validation_rows_are_stratified_fixed_and_disjoint_from_training(scenes):
    manifest = pd.read_csv(scenes / "train" / "manifest.csv")
    rows = validation_rows(manifest, 0.5)
    assert np.array_equal(rows, validation_rows(manifest, 0.5))  # no seed: the same every run
    per_class = manifest.iloc[rows]["label"].value_counts()
    assert sorted(per_class.index) == list(range(7)) and (per_class == 2).all()
    data = load_task_data("classification", scenes / "train", 0.5)
    assert not set(data.train_rows) & set(data.val_rows)
    assert len(data.train_rows) + len(data.val_rows) == len(manifest)
    assert len(validation_rows(manifest, 0.0)) == 0


def test_checkpoint_holds_the_best_validation_epoch_and_says_so(scenes, tmp_path):
    ckpt = _train("classification", scenes / "train", tmp_path, "vgg-small", epochs=4)
    log = pd.read_csv(tmp_path / "log.csv")
    keys = list(zip(log["val_accuracy"], -log["val_loss"], strict=True))
    best = 1 + max(range(len(keys)), key=lambda i: (keys[i], -i))  # first of the best
    assert ckpt["best_epoch"] == best == log["best_epoch"].iloc[-1] and ckpt["epochs"] == 4
    data = load_task_data("classification", scenes / "train", ckpt["training"]["val_fraction"])
    values, _ = Validation(data, torch.device("cpu"))(build_network(ckpt))
    assert values["val_accuracy"] == pytest.approx(log["val_accuracy"].iloc[best - 1])
    assert values["val_loss"] == pytest.approx(log["val_loss"].iloc[best - 1], rel=1e-5)
    assert ckpt["validation"]["val_accuracy"] == pytest.approx(values["val_accuracy"])
    frozen = FrozenClassifier(tmp_path / "net.pt", device="cpu")
    assert frozen.describe() == f"vgg-small, init random, epoch {best} of 4 (best on validation)"


def test_patience_stops_training_once_no_epoch_beats_the_best(scenes, tmp_path, monkeypatch):
    import geoinpaint.tasks.train_task as tt

    scores = iter([0.5, 0.7, 0.6, 0.7, 0.9, 0.9])  # epoch 2 best; 3 and 4 no better

    class Scripted(Validation):
        def __call__(self, model):
            value = next(scores)
            return {"val_accuracy": value}, (value,)

    monkeypatch.setattr(tt, "Validation", Scripted)
    ckpt = _train("classification", scenes / "train", tmp_path, "vgg-small", 6, patience=2)
    assert ckpt["best_epoch"] == 2 and ckpt["epochs"] == 4
    assert list(pd.read_csv(tmp_path / "log.csv")["best_epoch"]) == [1, 2, 2, 2]
    again = _train("classification", scenes / "train", tmp_path, "vgg-small", 6, patience=2)
    assert again["epochs"] == 4 and again["best_epoch"] == 2  # a finished run stays finished


def test_without_validation_the_last_epoch_is_kept(scenes, tmp_path):
    ckpt = _train("classification", scenes / "train", tmp_path, "vgg-small", 2, val_fraction=0.0)
    assert ckpt["best_epoch"] == 2 and ckpt["validation"] == {} and ckpt["validation_rows"] == []
    assert "val_accuracy" not in pd.read_csv(tmp_path / "log.csv")


def test_warmup_then_cosine_learning_rate_per_step():
    from geoinpaint.tasks.train_task import warmup_cosine

    f = warmup_cosine(4, 12)
    assert [f(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert f(8) == pytest.approx(0.5) and f(12) == pytest.approx(0.0)
    assert all(f(s) >= f(s + 1) for s in range(3, 12))


def test_a_wrapper_refuses_a_checkpoint_of_another_task(seg_split, tmp_path):
    _train("segmentation", seg_split, tmp_path, "hrnet-w18-small")
    with pytest.raises(ValueError, match="holds a segmentation network, expected classification"):
        FrozenClassifier(tmp_path / "net.pt")


def test_segmentation_training_on_a_classification_split_says_so(scenes, tmp_path):
    with pytest.raises(ValueError, match="no label_map column"):
        _train("segmentation", scenes / "train", tmp_path, "hrnet-w18-small")


def test_checkpoint_records_the_training_options(scenes, tmp_path):
    _train("classification", scenes / "train", tmp_path, "vgg-small", warmup=0)
    ckpt = load_checkpoint(tmp_path / "net.pt")
    assert ckpt["training"]["warmup"] == 0 and ckpt["init"] == "random"
    assert ckpt["init_weights"] == {}


def test_imagenet_init_without_the_file_is_an_error_naming_it(seg_split, torch_home, tmp_path):
    from geoinpaint.metrics.weights import WeightsUnavailable

    with pytest.raises(WeightsUnavailable, match=r"hrnet_w18_small_v1-f460c6bc\.pth: not in"):
        _train("segmentation", seg_split, tmp_path, "hrnet-w18-small", init="imagenet")
    assert not (tmp_path / "net.pt").exists()


def test_imagenet_init_of_an_architecture_without_imagenet_weights_says_which_have_them():
    from geoinpaint.tasks.classification import CLASSIFIERS
    from geoinpaint.tasks.pretrained import initialise

    with pytest.raises(ValueError, match="'vgg-small' has no ImageNet weights.*vgg16, lpn"):
        initialise(CLASSIFIERS.build("vgg-small", num_classes=7), "vgg-small", "imagenet")


def _standin(torch_home, monkeypatch, name):
    from standins import install_standins

    pins = install_standins(torch_home.parents[1], [name])
    monkeypatch.setenv("GEOINPAINT_WEIGHT_PINS", str(pins))
    return torch.load(torch_home / name, weights_only=True)


@pytest.mark.parametrize(
    ("task", "arch", "name", "prefix"),
    [
        ("segmentation", "hrnet-w18-small", "hrnet_w18_small_v1-f460c6bc.pth", "net.backbone."),
        pytest.param(
            "classification", "vgg16", "vgg16-397923af.pth", "net.", marks=pytest.mark.slow
        ),
        pytest.param(
            "crossview", "lpn", "vgg16_bn-6c64b313.pth", "branches.ground.", marks=pytest.mark.slow
        ),
    ],
)
def test_imagenet_init_loads_every_backbone_weight_of_the_verified_file_and_records_it(
    torch_home, monkeypatch, task, arch, name, prefix
):
    from geoinpaint.metrics.weights import sha256_of
    from geoinpaint.tasks.pretrained import initialise
    from geoinpaint.tasks.spec import get_task

    state = _standin(torch_home, monkeypatch, name)
    net = get_task(task).load("networks").build(arch, num_classes=7)
    how, files = initialise(net, arch, "imagenet")
    assert how == f"imagenet ({name})" and files == {name: sha256_of(torch_home / name)}
    own = net.state_dict()
    key = {"lpn": "features.", "vgg16": ""}.get(arch, "")
    loaded = [k for k in own if k.startswith(prefix)]
    assert loaded and all(
        torch.equal(own[k], state[key + k[len(prefix) :]])
        for k in loaded
        if "classifier.6" not in k
    )
    if arch == "lpn":  # both unshared branches start from the same ImageNet stack
        aerial = {k.replace("ground", "aerial", 1) for k in loaded}
        assert all(torch.equal(own[k], own[k.replace("ground", "aerial", 1)]) for k in loaded)
        assert aerial <= set(own)
    if arch == "vgg16":  # ImageNet's 1,000-class head is not loaded
        assert own["net.classifier.6.weight"].shape == (7, 4096)


def test_imagenet_file_that_does_not_fit_is_refused_with_the_path_and_keys(torch_home, monkeypatch):
    from geoinpaint.tasks.pretrained import initialise
    from geoinpaint.tasks.segmentation import SEGMENTERS

    name = "hrnet_w18_small_v1-f460c6bc.pth"
    state = _standin(torch_home, monkeypatch, name)
    state["conv1.weight"] = torch.zeros(1, 3, 3, 3)
    del state["bn1.bias"]
    torch.save(state, torch_home / name)
    pins = torch_home.parents[1] / "pins.json"
    from geoinpaint.metrics.weights import sha256_of

    pins.write_text(f'{{"{name}": "{sha256_of(torch_home / name)}"}}')
    with pytest.raises(ValueError, match=r"f460c6bc\.pth: does not fit .*lacks bn1\.bias.*conv1"):
        initialise(SEGMENTERS.build("hrnet-w18-small"), "hrnet-w18-small", "imagenet")


def test_a_stand_in_whose_sha256_is_not_pinned_is_refused(torch_home):
    from standins import write_standins

    from geoinpaint.metrics.weights import WeightsUnavailable, require

    write_standins(torch_home, ["hrnet_w18_small_v1-f460c6bc.pth"])
    with pytest.raises(WeightsUnavailable, match="expected one starting with f460c6bc"):
        require("hrnet_w18_small_v1-f460c6bc.pth")


def test_imagenet_files_are_the_packages_urls_named_by_their_sha256_prefix():
    import torchvision

    from geoinpaint.metrics.weights import BY_NAME
    from geoinpaint.tasks.pretrained import LOADERS

    tv = torchvision.models
    assert BY_NAME["vgg16_bn-6c64b313.pth"].url == tv.VGG16_BN_Weights.IMAGENET1K_V1.url
    assert BY_NAME["resnet50-0676ba61.pth"].url == tv.ResNet50_Weights.IMAGENET1K_V1.url
    for name, _ in LOADERS.values():
        w = BY_NAME[name]
        assert w.url.endswith("/" + name) and name.rsplit("-", 1)[1].split(".")[0] == w.sha256


def test_config_check_names_the_task_whose_architecture_has_no_imagenet_weights(torch_home, caplog):
    from geoinpaint.config import _check_tasks

    with pytest.raises(ValueError, match=r"tasks\.crossview\.init: imagenet: 'lpn-small' has no"):
        _check_tasks(
            {"tasks": {"crossview": {"dataset": "cvusa", "arch": "lpn-small", "init": "imagenet"}}}
        )
    _check_tasks({"tasks": {"crossview": {"dataset": "cvusa", "arch": "lpn", "init": "imagenet"}}})
    assert "vgg16_bn-6c64b313.pth, which is not in" in caplog.text  # a warning: plans still run
