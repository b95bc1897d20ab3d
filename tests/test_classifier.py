import pytest
import torch

from geoinpaint.tasks.classification import CLASSIFIERS
from geoinpaint.tasks.frozen import FrozenClassifier
from geoinpaint.tasks.train_task import train_task
from geoinpaint.training.state import DivergenceError, load_checkpoint


def _train(scenes, tmp_path, epochs, tag="a"):
    return train_task(
        "classification",
        scenes / "train",
        tmp_path / f"{tag}.pt",
        tmp_path / f"{tag}_state.pt",
        tmp_path / f"{tag}.csv",
        "vgg-small",
        epochs,
        8,
        1e-3,
        seed=0,
        device="cpu",
        threads=1,
    )


def test_checkpoint_loads_with_weights_only_and_names_its_architecture(scenes, tmp_path):
    _train(scenes, tmp_path, 1)
    ckpt = load_checkpoint(tmp_path / "a.pt")
    assert ckpt["arch"] == "vgg-small" and ckpt["num_classes"] == 7
    assert (tmp_path / "a.csv").read_text().startswith("epoch,loss")


def test_interrupted_training_resumes_to_the_same_weights(scenes, tmp_path, monkeypatch):
    import geoinpaint.training.engine as engine

    full = _train(scenes, tmp_path, 2, tag="full")
    real_save = engine.atomic_save

    def save_then_die(obj, path):
        real_save(obj, path)
        if obj.get("epoch") == 1:
            raise KeyboardInterrupt  # the job is killed right after its first epoch

    monkeypatch.setattr(engine, "atomic_save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        _train(scenes, tmp_path, 2, tag="resumed")
    monkeypatch.setattr(engine, "atomic_save", real_save)
    assert not (tmp_path / "resumed.pt").exists()
    resumed = _train(scenes, tmp_path, 2, tag="resumed")
    for k, v in full["state_dict"].items():
        assert torch.equal(v, resumed["state_dict"][k]), k


def test_nan_loss_stops_with_a_clear_message(scenes, tmp_path, monkeypatch):
    import geoinpaint.tasks.train_task as tt

    monkeypatch.setattr(tt, "dihedral", lambda rng, x: [x * float("nan")])
    with pytest.raises(DivergenceError, match="non-finite loss .* at epoch 1, step 0"):
        _train(scenes, tmp_path, 1, tag="nan")
    assert not (tmp_path / "nan.pt").exists()


def test_frozen_classifier_passes_gradients_to_the_input_but_never_changes(scenes, tmp_path):
    _train(scenes, tmp_path, 1)
    frozen = FrozenClassifier(tmp_path / "a.pt", device="cpu")
    before = {k: v.clone() for k, v in frozen.net.state_dict().items()}
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    frozen.loss(x, torch.tensor([0, 1])).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is None for p in frozen.net.parameters())
    assert all(torch.equal(before[k], v) for k, v in frozen.net.state_dict().items())


@pytest.mark.parametrize(("arch", "params"), [("vgg-small", 1_109_927), ("vgg16", 134_289_223)])
def test_classifier_architectures_have_their_parameter_counts(arch, params):
    net = CLASSIFIERS.build(arch, num_classes=7)
    assert sum(p.numel() for p in net.parameters()) == params


def test_vgg16_is_torchvisions_vgg16_and_runs_at_paper_size():
    from torchvision.models import VGG

    net = CLASSIFIERS.build("vgg16", num_classes=7)
    assert isinstance(net.net, VGG)
    x = torch.rand(1, 3, 256, 256, requires_grad=True)
    net(x).sum().backward()
    assert x.grad is not None


@pytest.mark.parametrize(
    ("arch", "params"), [("hrnet-w18-small", 1_537_687), ("hrnet-w18", 9_637_597)]
)
def test_segmenters_are_hrnetv2_and_run_forward_backward(arch, params):
    from geoinpaint.tasks.segmentation import SEGMENTERS, to_targets

    net = SEGMENTERS.build(arch)
    assert sum(p.numel() for p in net.parameters()) == params
    size = 256 if arch == "hrnet-w18" else 64
    x = torch.rand(1, 3, size, size, requires_grad=True)
    labels = torch.randint(0, 8, (1, size, size))  # 0 = LoveDA no-data
    logits = net(x)
    assert logits.shape == (1, 7, size, size)
    torch.nn.functional.cross_entropy(logits, to_targets(labels), ignore_index=-1).backward()
    assert x.grad is not None


def test_square_rings_partition_the_feature_map():
    from geoinpaint.tasks.crossview import ring_pool

    fmap = torch.zeros(1, 1, 8, 8)
    fmap[..., 3:5, 3:5] = 1.0  # centre ring (2x2) is 1, everything else 0
    rings = ring_pool(fmap, 4)[0, 0]
    assert torch.allclose(rings, torch.tensor([1.0, 0.0, 0.0, 0.0]))
    fmap = torch.arange(64.0).view(1, 1, 8, 8)
    # Area-weighted ring means recover the global mean: rings tile the map exactly.
    areas = torch.tensor([4.0, 12.0, 20.0, 28.0])
    assert torch.isclose((ring_pool(fmap, 4)[0, 0] * areas).sum() / 64, fmap.mean())
    with pytest.raises(ValueError, match="too small for 4 square rings"):
        ring_pool(torch.zeros(1, 1, 4, 4), 4)


@pytest.mark.parametrize(("arch", "size"), [("lpn-small", 64), ("lpn", 256)])
def test_lpn_trains_per_part_and_retrieves_with_normalised_concatenated_features(arch, size):
    from geoinpaint.tasks.crossview import GEOLOCATORS

    net = GEOLOCATORS.build(arch, num_classes=5)
    assert isinstance(net.branches["ground"][4][0], torch.nn.Module)
    x = torch.rand(2, 3, size, size, requires_grad=True)
    net.loss(x, "ground", torch.tensor([0, 3])).backward()
    assert x.grad is not None
    net.eval()
    emb = net.embed(x.detach(), "aerial")
    assert emb.shape == (2, 512 * net.parts)
    assert torch.allclose(emb.norm(dim=1), torch.ones(2))
    # the paper's LPN has one branch per view; the CPU variant shares one (docs/fidelity.md)
    shared = net.branches["ground"] is net.branches["aerial"]
    assert shared == (arch == "lpn-small")
