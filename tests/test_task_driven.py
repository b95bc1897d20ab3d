"""The coarse-to-fine family: generator, discriminators, losses, training engine, methods."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torchvision.models import resnet34

from geoinpaint.data.scenes import write_split
from geoinpaint.io import to_uint8
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.methods.adapter import inpaint_batches
from geoinpaint.methods.options import make_options
from geoinpaint.methods.registry import load_method, needs_training
from geoinpaint.methods.train import load_train_set, train_method
from geoinpaint.metrics.full_reference import full_reference_batch
from geoinpaint.metrics.weights import WeightsUnavailable
from geoinpaint.models.task_driven import PRESETS
from geoinpaint.models.task_driven.generator import (
    CoarseToFine,
    EncoderDecoder,
    load_imagenet_stages,
)
from geoinpaint.models.task_driven.options import TaskDrivenOptions
from geoinpaint.nn.discriminators import DISCRIMINATORS, PatchGAN
from geoinpaint.tasks.train_task import train_task
from geoinpaint.training import losses
from geoinpaint.training.engine import Engine, EngineConfig
from geoinpaint.training.state import DivergenceError, load_checkpoint

TINY = {"encoder": "resnet-small", "ndf": 8, "batch_size": 4, "epochs": 1, "alpha1": 0.0}


def n_params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.fixture(scope="module")
def scenes64(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """64x64 scenes (3 train per class), their cloud seed masks and a trained tiny classifier."""
    root = tmp_path_factory.mktemp("c2f")
    write_split(root / "train", "train", 3, 64, seed=0)
    write_maskset(root / "masks", "cloud", 21, 64, seed=1)
    train_task(
        "classification",
        root / "train",
        root / "clf.pt",
        root / "clf_state.pt",
        root / "clf.csv",
        "vgg-small",
        2,
        8,
        1e-3,
        seed=0,
        device="cpu",
        threads=1,
    )
    return root


def test_encoder_decoder_has_six_skips_by_default_and_four_as_the_authors_code():
    six, four = EncoderDecoder("resnet-small", 6), EncoderDecoder("resnet-small", 4)
    assert len(six.encoder) == len(six.decoder) == 6
    assert len(four.encoder) == len(four.decoder) == 4
    x = torch.rand(2, 4, 64, 64)
    assert six(x).shape == four(x).shape == (2, 3, 64, 64)
    with pytest.raises(ValueError, match="multiple of 32 and at least 64"):
        six(torch.rand(1, 4, 32, 32))
    assert four(torch.rand(1, 4, 32, 32)).shape == (1, 3, 32, 32)


def test_refined_map_is_coarse_map_plus_residual():
    net = CoarseToFine("resnet-small").eval()
    for p in net.refine.head.parameters():  # a zero residual
        torch.nn.init.zeros_(p)
    image, mask = torch.rand(1, 3, 64, 64), (torch.rand(1, 1, 64, 64) < 0.3).float()
    coarse, refined = net(image, mask)
    assert torch.equal(coarse, refined)


def test_paper_generator_uses_resnet34_layers_and_runs_forward_backward():
    """At 64x64 to stay fast on a CPU; benchmarks/bench_inpainting.py runs it at 256 and 512."""
    net = CoarseToFine("resnet34", 6)
    ref = resnet34(weights=None)
    for i, name in enumerate(("layer1", "layer2", "layer3", "layer4")):
        assert n_params(net.coarse.encoder[i]) == n_params(getattr(ref, name))
    image, mask = torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)
    mask[..., 16:40, 16:40] = 1
    coarse, refined = net(image, mask)
    (coarse.mean() + refined.mean()).backward()
    assert refined.shape == (1, 3, 64, 64)
    assert net.coarse.stem[0].weight.grad is not None


@pytest.mark.parametrize(
    ("encoder", "skips", "count"),
    [("resnet34", 6, 157_387_654), ("resnet34", 4, 72_424_326), ("resnet-small", 6, 1_361_398)],
)
def test_generator_parameter_counts_are_pinned(encoder, skips, count):
    """Both encoder-decoders, InstanceNorm without affine parameters (docs/fidelity.md)."""
    assert n_params(CoarseToFine(encoder, skips)) == count


def test_imagenet_weights_go_into_layers_one_to_three_only():
    net = CoarseToFine("resnet34")
    ref = resnet34(weights=None).state_dict()
    before = {k: v.clone() for k, v in net.coarse.encoder[3].state_dict().items()}
    loaded = load_imagenet_stages(net, ref)
    assert any(k.startswith("layer3.") for k in loaded)
    assert not any(k.startswith("layer4.") for k in loaded)
    for enc in (net.coarse, net.refine):
        assert torch.equal(enc.encoder[0][0].conv1.weight, ref["layer1.0.conv1.weight"])
        assert torch.equal(enc.encoder[2][5].bn2.running_var, ref["layer3.5.bn2.running_var"])
    assert all(torch.equal(v, net.coarse.encoder[3].state_dict()[k]) for k, v in before.items())


@pytest.mark.parametrize(
    ("layers", "padding", "side"), [(3, "same", 32), (4, "same", 16), (3, "pix2pix", 30)]
)
def test_patchgan_output_sizes_match_the_paper_and_pix2pix(layers, padding, side):
    disc = PatchGAN(6, 8, layers, padding)
    assert disc(torch.rand(1, 6, 256, 256)).shape == (1, 1, side, side)


def test_dcgan_discriminator_has_five_convs_and_one_linear_layer_to_one_logit():
    disc = DISCRIMINATORS.build("dcgan", ndf=8, size=64)
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in disc.modules() if isinstance(m, torch.nn.Linear)]
    assert len(convs) == 5 and len(linears) == 1
    assert disc(torch.rand(3, 6, 64, 64)).shape == (3, 1)


def test_gan_losses_follow_eq5_bce_and_lsgan():
    logits = torch.tensor([0.0, 2.0])
    assert losses.adversarial(logits, True).item() == pytest.approx(
        float(-torch.log(torch.sigmoid(logits)).mean())
    )
    assert losses.adversarial(logits, False, "lsgan").item() == pytest.approx(2.0)
    assert losses.adversarial(logits, True, "hinge").item() == pytest.approx(
        float(torch.relu(1 - logits).mean())
    )
    assert losses.adversarial(logits, True, "hinge", False).item() == pytest.approx(
        float(-logits.mean())
    )
    with pytest.raises(ValueError, match="hinge"):
        losses.adversarial(logits, True, "wasserstein")  # type: ignore[arg-type]


def test_perceptual_loss_without_vgg16_names_the_missing_file(torch_home):
    with pytest.raises(WeightsUnavailable, match="vgg16-397923af.pth"):
        losses.PerceptualLoss()


def test_config_rejects_a_typo_naming_it_and_accepts_nested_maskmix():
    with pytest.raises(ValueError, match="lamda_task"):
        make_options(TaskDrivenOptions, {"lamda_task": 3})
    with pytest.raises(ValueError, match="max_rotat"):
        make_options(TaskDrivenOptions, {"maskmix": {"max_rotat": 10}})
    cfg = make_options(TaskDrivenOptions, {"maskmix": {"max_rotate": 10.0}, "lambda_task": 3})
    assert cfg.maskmix.max_rotate == 10.0 and cfg.lambda_task == 3
    plain = dataclasses.asdict(cfg)
    plain["augmix"]["ops"] = list(plain["augmix"]["ops"])
    assert make_options(TaskDrivenOptions, plain) == cfg


def test_options_name_a_wrong_choice_and_the_consistency_term_needs_augmix():
    with pytest.raises(ValueError, match="adv_input.*authors-code"):
        make_options(TaskDrivenOptions, {"adv_input": "code"})
    with pytest.raises(ValueError, match="needs augment: augmix"):
        make_options(TaskDrivenOptions, {"jsd_weight": 12.0, "augment": "maskmix"})
    assert make_options(TaskDrivenOptions, {"jsd_weight": 12.0, "augment": "augmix"}).jsd_weight


def test_augmix_consistency_term_is_the_jsd_of_the_task_networks_three_predictions(
    monkeypatch, torch_home
):
    from test_authors_code import batch, routine_for

    routine, _ = routine_for("proposed-augmix", monkeypatch, skips=4, jsd_weight=12.0)
    assert "Jensen-Shannon" in routine.method.provenance()["consistency"]
    out = routine.train_step(batch(views=True))
    assert out["jsd"] > 0
    expected = out["l1"] + out["gan"] + 5.0 * out["task"] + 12.0 * out["jsd"]
    assert out["total"].item() == pytest.approx(expected.item(), rel=1e-5)
    same = batch()
    same.views = torch.stack([same.images, same.images])  # three identical views agree
    assert routine.train_step(same)["jsd"].item() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="two AugMix views"):
        routine.train_step(batch())


def test_variants_differ_only_in_task_loss_and_augmentation():
    assert PRESETS["proposed_b"] == {"task_loss": False, "augment": "none"}
    assert PRESETS["proposed-"]["task_loss"] and PRESETS["proposed-"]["augment"] == "none"
    assert PRESETS["proposed"]["augment"] == "maskmix"
    assert PRESETS["proposed-augmix"]["augment"] == "augmix"
    assert all(needs_training(name) for name in PRESETS)


class Quadratic:
    """A minimal engine routine: fits w to a target, optionally failing at one step."""

    def __init__(self, fail_at: int | None = None, nan_at: int | None = None):
        self.w = torch.zeros(3, requires_grad=True)
        self.opt = torch.optim.SGD([self.w], lr=0.1)
        self.calls, self.fail_at, self.nan_at = 0, fail_at, nan_at

    def train_step(self, indices):
        self.calls += 1
        if self.calls == self.fail_at:
            raise KeyboardInterrupt  # the job is killed here
        loss = ((self.w - indices.float().mean()) ** 2).sum()
        if self.calls == self.nan_at:
            loss = loss * float("nan")
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
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


def _indices(indices, epoch):
    return indices


def _engine(tmp_path: Path, save_every_s: float = 600.0) -> Engine:
    return Engine(
        EngineConfig(
            epochs=3,
            batch_size=2,
            seed=5,
            state_path=tmp_path / "state.pt",
            log_csv=tmp_path / "log.csv",
            save_every_s=save_every_s,
        )
    )


def test_engine_killed_mid_epoch_resumes_to_the_same_result(tmp_path):
    reference = Quadratic()
    _engine(tmp_path / "a").run(reference, 8, _indices)
    killed = Quadratic(fail_at=6)  # inside epoch 2 (4 steps per epoch)
    with pytest.raises(KeyboardInterrupt):
        _engine(tmp_path / "b", save_every_s=0).run(killed, 8, _indices)
    assert load_checkpoint(tmp_path / "b" / "state.pt")["step"] == 1
    resumed = Quadratic()
    history = _engine(tmp_path / "b").run(resumed, 8, _indices)
    assert torch.equal(resumed.w, reference.w)
    assert len(history) == 3 and (tmp_path / "b" / "log.csv").read_text().count("\n") == 4


def test_engine_stops_on_nan_and_keeps_the_last_good_state(tmp_path):
    routine = Quadratic(nan_at=6)
    with pytest.raises(DivergenceError, match="last good state is kept"):
        _engine(tmp_path).run(routine, 8, _indices)
    state = load_checkpoint(tmp_path / "state.pt")
    assert state["epoch"] == 1 and torch.isfinite(state["routine"]["w"]).all()


def _train(name: str, root: Path, out: Path, **options) -> tuple:
    method = train_method(
        name,
        "classification",
        root / "train",
        root / "masks",
        root / "clf.pt",
        {**TINY, **options},
        out / "model.pt",
        out / "state.pt",
        out / "log.csv",
        out / "grid",
        seed=0,
        device="cpu",
        threads=1,
    )
    history = pd.read_csv(out / "log.csv").to_dict("records")
    return method, history, load_train_set("classification", root / "train", root / "masks")


def _inpaint(method, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    return np.concatenate([b for _, b in inpaint_batches(method, images, masks)])


def test_training_writes_log_samples_and_a_weights_only_checkpoint(scenes64, tmp_path):
    method, history, data = _train("proposed", scenes64, tmp_path, epochs=2)
    assert [row["epoch"] for row in history] == [1, 2]
    assert {"l1", "gan", "task", "d_c", "d_r", "lr", "images_per_s"} <= set(history[0])
    assert (tmp_path / "grid" / "epoch_002.png").is_file()
    ckpt = torch.load(tmp_path / "model.pt", weights_only=True)
    assert ckpt["method"] == "proposed" and ckpt["options"]["augment"] == "maskmix"
    assert "perceptual_loss" in ckpt["provenance"] and "task_network" in ckpt["provenance"]
    loaded = load_method(tmp_path / "model.pt", "cpu", expect="proposed")
    masks = data.masks[:3]
    occluded = np.where(masks[..., None] == 1, 0.5, data.images[:3]).astype(np.float32)
    assert np.array_equal(_inpaint(loaded, occluded, masks), _inpaint(method, occluded, masks))
    coarse = load_method(tmp_path / "model.pt", "cpu", expect="coarse-only")
    assert not np.array_equal(_inpaint(coarse, occluded, masks), _inpaint(method, occluded, masks))
    with pytest.raises(ValueError, match="holds a trained 'proposed' model"):
        load_method(tmp_path / "model.pt", "cpu", expect="proposed_b")


def test_task_loss_never_changes_the_frozen_task_network(scenes64, tmp_path):
    before = load_checkpoint(scenes64 / "clf.pt")["state_dict"]
    _train("proposed-", scenes64, tmp_path)
    after = load_checkpoint(scenes64 / "clf.pt")["state_dict"]
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_interrupted_gan_training_resumes_to_identical_weights(scenes64, tmp_path):
    full, _, _ = _train("proposed", scenes64, tmp_path / "full", epochs=2)
    _train("proposed", scenes64, tmp_path / "cut", epochs=1)
    resumed, history, _ = _train("proposed", scenes64, tmp_path / "cut", epochs=2)
    assert len(history) == 2
    for a, b in zip(full.nets.parameters(), resumed.nets.parameters(), strict=True):
        assert torch.equal(a, b)


def test_trained_model_beats_the_occluded_input(scenes64, tmp_path):
    method, _, data = _train("proposed_b", scenes64, tmp_path, epochs=4, batch_size=4, lr=1e-3)
    masks = data.masks
    occluded = np.where(masks[..., None] == 1, 1.0, data.images).astype(np.float32)
    out = _inpaint(method, occluded, masks)
    gt = to_uint8(data.images)
    ours = full_reference_batch(gt, to_uint8(out), masks)["psnr"].mean()
    before = full_reference_batch(gt, to_uint8(occluded), masks)["psnr"].mean()
    assert ours > before + 3


def test_augmix_is_refused_for_tasks_that_need_pixel_positions(scenes64, tmp_path):
    with pytest.raises(ValueError, match="AugMix"):
        train_method(
            "proposed-augmix",
            "segmentation",
            scenes64 / "train",
            scenes64 / "masks",
            None,
            TINY,
            tmp_path / "m.pt",
            tmp_path / "s.pt",
        )


def test_too_few_seed_masks_is_a_clear_error(scenes64, tmp_path):
    write_maskset(tmp_path / "few", "cloud", 5, 64, seed=0)
    with pytest.raises(ValueError, match="needs 21"):
        load_train_set("classification", scenes64 / "train", tmp_path / "few")


def test_a_lone_last_sample_is_not_a_batch_of_its_own():
    from geoinpaint.training.engine import steps

    assert steps(105, 4) == 26 and steps(106, 4) == 27 and steps(7, 1) == 7 and steps(8, 4) == 2
