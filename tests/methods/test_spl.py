"""SPL (`geoinpaint.baselines.spl`): the official architecture's size, region normalisation, the
task-network teacher of the semantic prior, the small CPU variant, a one-batch overfit and
`describe()`."""

import pytest
import torch
import torch.nn.functional as F

from geoinpaint.baselines.misf.discriminator import EdgePatchGAN
from geoinpaint.baselines.spl.network import SPLGenerator
from geoinpaint.baselines.spl.norms import region_instance_norm
from geoinpaint.baselines.spl.teacher import TaskTeacher
from geoinpaint.data.scenes import write_split
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.describe import count_parameters, describe_untrained
from geoinpaint.methods.registry import build_method, load_method
from geoinpaint.methods.train import train_method
from geoinpaint.tasks.classification import CLASSIFIERS
from geoinpaint.training.data import Batch

from .overfit import train_until_halved

OFFICIAL_GENERATOR = 45_597_223  # baselines.md, measured on WendongZh/SPL
OFFICIAL_DISCRIMINATOR = 2_763_776
SMALL = {"width": 0.125, "blocks": 4, "rdbs": 4, "prior_scale": 1}


@pytest.fixture(scope="module")
def classifier_checkpoint(tmp_path_factory: pytest.TempPathFactory):
    """An untrained `vgg-small` classifier saved like `geoinpaint train-task` saves one."""
    net = CLASSIFIERS.build("vgg-small", num_classes=7)
    path = tmp_path_factory.mktemp("task") / "classification.pt"
    names = [f"class{i}" for i in range(7)]
    state = {k: v for k, v in net.state_dict().items()}
    torch.save(
        {
            "task": "classification",
            "arch": "vgg-small",
            "num_classes": 7,
            "class_names": names,
            "state_dict": state,
        },
        path,
    )
    return path


def smooth_batch(n: int = 4, side: int = 32) -> Batch:
    """Smooth random images with a fixed square hole each."""
    gen = torch.Generator().manual_seed(0)
    low = torch.rand(n, 3, 4, 4, generator=gen)
    images = F.interpolate(low, size=side, mode="bilinear", align_corners=False)
    masks = torch.zeros(n, 1, side, side)
    masks[..., side // 4 : side * 5 // 8, side // 4 : side * 5 // 8] = 1
    return Batch(images, masks, torch.zeros(n, dtype=torch.long), torch.arange(n))


def test_spl_generator_is_the_official_size():
    with torch.device("meta"):
        generator, disc = SPLGenerator(), EdgePatchGAN()
    assert count_parameters(generator) == OFFICIAL_GENERATOR
    assert count_parameters(generator.image) == 25_759_439
    assert count_parameters(generator.prior) == 19_837_784
    assert count_parameters(generator.image.middle) == 23_607_296
    assert count_parameters(disc) == OFFICIAL_DISCRIMINATOR


def test_region_norm_equals_filling_the_rest_with_the_region_mean_then_instance_norm():
    """RN's formulation (Yu et al. 2020): the region kept, the rest set to the region's mean,
    instance norm over the whole map, times sqrt(area / HW); zero outside the region."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 8, 8)
    region = (torch.rand(2, 1, 8, 8) > 0.6).float()
    area = region.sum((2, 3), keepdim=True)
    mean = (x * region).sum((2, 3), keepdim=True) / area
    filled = x * region + (1 - region) * mean
    expected = F.instance_norm(filled) * (area / 64).sqrt()
    assert torch.allclose(region_instance_norm(x, region), expected * region, atol=1e-5)
    assert torch.allclose(region_instance_norm(x, region) * (1 - region), torch.zeros_like(x))


@pytest.mark.parametrize("scale", [1, 2])
def test_task_teacher_gives_features_on_the_prior_grid(classifier_checkpoint, scale):
    teacher = TaskTeacher(classifier_checkpoint, "classification", torch.device("cpu"), scale)
    features = teacher(torch.rand(2, 3, 32, 48))
    assert features.shape == (2, 128, 8, 12) and teacher.stride == 4 * scale
    assert not any(p.requires_grad for p in teacher.parameters())


def test_small_spl_fills_64px_inputs_without_reading_the_hole():
    torch.manual_seed(0)
    method = build_method("spl", SMALL)
    assert method.variant() == SMALL and method.multiple == 4
    batch = smooth_batch(2, 64)
    pred = method.inpaint(batch.images, batch.masks)
    assert pred.shape == batch.images.shape and 0 <= pred.min() and pred.max() <= 1
    other = method.inpaint(batch.images * (1 - batch.masks), batch.masks)
    assert torch.allclose(pred, other)


def test_spl_without_a_task_network_drops_the_prior_loss_with_a_note():
    method = build_method("spl", SMALL)
    routine = method.routine(TrainContext("classification", 32, 4, torch.device("cpu")))
    losses = routine.train_step(smooth_batch())
    assert "prior" not in losses and {"l1", "g_adv", "d", "total"} <= set(losses)
    assert any("prior teacher: none" in note for note in method.notes())


def test_spl_distils_the_task_network_through_an_adapter(classifier_checkpoint):
    method = build_method("spl", SMALL)
    ctx = TrainContext("classification", 32, 4, torch.device("cpu"), task_net=classifier_checkpoint)
    routine = method.routine(ctx)
    assert routine.adapter.out_channels == 128 and "teacher" in routine.state_dict()["nets"]
    assert float(routine.train_step(smooth_batch())["prior"]) > 0
    assert any("vgg-small, stride-4 features" in note for note in method.notes())


def test_spl_checkpoint_loads_with_weights_only(tmp_path):
    method = build_method("spl", SMALL)
    torch.save(method.state_dict(), tmp_path / "spl.pt")
    state = torch.load(tmp_path / "spl.pt", weights_only=True)
    build_method("spl", state["options"]).load_state_dict(state)


@pytest.mark.slow
def test_spl_overfits_one_batch(classifier_checkpoint):
    torch.manual_seed(0)
    method = build_method("spl", {**SMALL, "lr": 1e-3})
    ctx = TrainContext("classification", 32, 4, torch.device("cpu"), task_net=classifier_checkpoint)
    routine = method.routine(ctx)
    first, last, steps = train_until_halved(routine, smooth_batch())
    assert last["l1"] < 0.5 * first["l1"], (first, last, steps)
    assert last["prior"] < first["prior"], (first, last, steps)


@pytest.mark.slow
def test_spl_describe_matches_the_official_flops():
    _, info = describe_untrained("spl")  # on the meta device: shapes, no data
    assert info["params"] == OFFICIAL_GENERATOR
    assert info["gflops"] == pytest.approx(421.6, rel=0.01)  # baselines.md
    assert info["gmacs_thop"] > 0


@pytest.mark.slow
def test_small_spl_trains_through_the_runner_with_the_task_network_teacher(
    tmp_path, classifier_checkpoint
):
    write_split(tmp_path / "train", "train", 2, 64, seed=0)
    write_maskset(tmp_path / "masks", "cloud", 14, 64, seed=1)
    options = {**SMALL, "epochs": 1, "batch_size": 4}
    args = ("classification", tmp_path / "train", tmp_path / "masks", classifier_checkpoint)
    out = tmp_path / "run"
    method = train_method("spl", *args, options, out / "spl.pt", out / "state.pt", device="cpu")
    reloaded = load_method(out / "spl.pt")
    assert reloaded.notes() == method.notes()
    assert any("prior teacher: the frozen classification network" in n for n in method.notes())
