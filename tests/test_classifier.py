import pytest
import torch

from geoinpaint.tasks.classification import CLASSIFIERS
from geoinpaint.tasks.frozen import FrozenClassifier
from geoinpaint.tasks.train_task import TaskTraining, train_task
from geoinpaint.training.state import DivergenceError, load_checkpoint


def _train(scenes, tmp_path, epochs, tag="a", **options):
    return train_task(
        "classification",
        scenes / "train",
        tmp_path / f"{tag}.pt",
        tmp_path / f"{tag}_state.pt",
        tmp_path / f"{tag}.csv",
        TaskTraining("vgg-small", epochs, batch_size=8, lr=1e-3, **options),
        seed=0,
        device="cpu",
        threads=1,
    )


def test_checkpoint_loads_with_weights_only_and_names_its_architecture(scenes, tmp_path):
    _train(scenes, tmp_path, 1)
    ckpt = load_checkpoint(tmp_path / "a.pt")
    assert ckpt["arch"] == "vgg-small" and ckpt["num_classes"] == 7
    assert (tmp_path / "a.csv").read_text().startswith("epoch,loss")


def test_interrupted_training_resumes_to_the_same_weights(scenes, tmp_path, kill_after_first_epoch):
    full = _train(scenes, tmp_path, 2, tag="full")
    kill_after_first_epoch(lambda: _train(scenes, tmp_path, 2, tag="resumed"))
    assert not (tmp_path / "resumed.pt").exists()
    resumed = _train(scenes, tmp_path, 2, tag="resumed")
    for k, v in full["state_dict"].items():
        assert torch.equal(v, resumed["state_dict"][k]), k


def test_nan_loss_stops_with_a_clear_message(scenes, tmp_path, monkeypatch):
    import geoinpaint.tasks.task_data as td

    monkeypatch.setattr(td, "dihedral", lambda rng, x: [x * float("nan")])
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
    with torch.device("meta"):
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


def test_square_rings_average_over_the_whole_crop_outermost_first_as_lpn():
    from geoinpaint.tasks.crossview import square_rings

    # An all-ones 8x8 map is resized to 16x16 (8 rings of one cell); ring i of the centre
    # (crop side 2i) holds 8i - 4 ones averaged over (2i)^2 cells, the centre ring last.
    rings = square_rings(torch.ones(1, 1, 8, 8), 8)[0, 0]
    expected = torch.tensor([(8 * i - 4) / (4 * i * i) for i in range(8, 0, -1)])
    assert torch.allclose(rings, expected)
    assert rings[0].item() == pytest.approx(0.234375) and rings[-1].item() == 1.0
    fmap = torch.zeros(1, 1, 16, 16)
    fmap[..., 7:9, 7:9] = 1.0  # only the central 2x2
    assert torch.equal(square_rings(fmap, 8)[0, 0], torch.tensor([0.0] * 7 + [1.0]))


def test_ground_rows_are_horizontal_bands_top_first():
    from geoinpaint.tasks.crossview import horizontal_rows

    fmap = torch.arange(8.0).view(1, 1, 8, 1).expand(1, 1, 8, 5)
    assert torch.equal(horizontal_rows(fmap, 8)[0, 0], torch.arange(8.0))
    assert torch.equal(horizontal_rows(fmap, 4)[0, 0], torch.tensor([0.5, 2.5, 4.5, 6.5]))


@pytest.mark.parametrize(("arch", "fixed"), [("lpn", 31_555_712), ("lpn-resnet50", 55_416_960)])
@pytest.mark.parametrize("classes", [7, 35_532])
def test_lpn_parameters_are_the_official_models(arch, fixed, classes):
    """wtyhub/LPN, CVUSA: 31,555,712 parameters at test (the part classifiers dropped) plus
    8 x 513 = 4,104 per location id; 177,379,040 for CVUSA's 35,532 training locations."""
    from geoinpaint.tasks.crossview import GEOLOCATORS

    with torch.device("meta"):  # shapes only: no memory, no initialisation work
        net = GEOLOCATORS.build(arch, num_classes=classes)
    total = sum(p.numel() for p in net.parameters())
    heads = sum(p.numel() for h in net.heads for p in h.classify.parameters())
    assert total - heads == fixed and total == fixed + 4_104 * classes
    if arch == "lpn" and classes == 35_532:
        assert total == 177_379_040


@pytest.mark.parametrize(
    ("arch", "size", "dim"),
    [("lpn-small", 64, 256), pytest.param("lpn", 256, 512, marks=pytest.mark.slow)],
)
def test_lpn_output_shapes_unshared_branches_and_flip_tta_descriptor(arch, size, dim):
    from geoinpaint.tasks.crossview import GEOLOCATORS

    torch.manual_seed(0)
    net = GEOLOCATORS.build(arch, num_classes=5)
    assert net.parts == 8 and net.branches["ground"] is not net.branches["aerial"]
    ground = torch.rand(2, 3, size, size, requires_grad=True)
    parts = net.part_outputs(ground, "ground")
    assert len(parts) == 8 and all(f.shape == (2, dim) and y.shape == (2, 5) for f, y in parts)
    net.loss(ground, "ground", torch.tensor([0, 3])).backward()
    assert ground.grad is not None
    net.eval()
    aerial = torch.rand(2, 3, size, size)
    emb = net.embed(aerial, "aerial")
    assert emb.shape == (2, 8 * dim) and torch.allclose(emb.norm(dim=1), torch.ones(2))
    per_part = emb.view(2, 8, dim).norm(dim=2)  # each part unit norm / sqrt(8)
    assert torch.allclose(per_part, torch.full((2, 8), 8**-0.5))
    # flip test-time augmentation: an image and its mirror have one descriptor
    assert torch.allclose(emb, net.embed(torch.flip(aerial, dims=(-1,)), "aerial"), atol=1e-5)
