"""Task-driven coarse-to-fine inpainting: the paper's method family, trained and applied.

Registered methods (paper Sec. IV-D, H, L):
- `proposed_b`: the coarse-to-fine GAN alone (no task network, no MaskMix);
- `proposed-`: with the frozen task network's loss (Eq. 6, lambda), no MaskMix;
- `proposed`: task loss and MaskMix on the training masks (Eq. 7);
- `proposed-augmix`: task loss and AugMix on the training images instead of MaskMix (Table VIII);
- `coarse-only`: trained exactly as `proposed`, but outputs R_coarse instead of R_refined
  (Sec. H compares the two outputs of the Proposed model).

Training (paper Sec. III-B, IV-D; authors' code for what the paper leaves open): per iteration
the coarse discriminator, then the refinement discriminator, then the generator are updated
(Adam, lr 2e-4, betas (0.5, 0.999), StepLR 30 epochs x 0.8). Generator loss (Eq. 6):
`L1(R_coarse) + L1(R_refined) + a1 LPIPS-VGG(R_refined) + a2 [GAN_c + GAN_r] + lambda T`, where
the discriminators see `R * M + I * (1 - M)` (Eq. 2) beside the occluded input, and T is the
frozen task network's loss on the composited refined image (what the task network receives at
test time). docs/fidelity.md lists the paper-vs-code choices and their options.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from geoinpaint.experiments import PRESETS
from geoinpaint.masks.augmix import AugMixConfig, augmix
from geoinpaint.masks.maskmix import MaskMixConfig, maskmix
from geoinpaint.metrics.weights import WeightsUnavailable, require, sha256_of
from geoinpaint.models.coarse_to_fine import (
    CoarseToFine,
    Encoder,
    init_normal,
    load_imagenet_stages,
)
from geoinpaint.nn.discriminators import DISCRIMINATORS
from geoinpaint.registry import register_method
from geoinpaint.runtime import DeviceChoice, resolve_device
from geoinpaint.training import losses
from geoinpaint.training.data import InpaintingTrainSet
from geoinpaint.training.engine import Amp, Engine, EngineConfig, TrainRun, sample_rng
from geoinpaint.training.state import atomic_save, load_checkpoint

log = logging.getLogger(__name__)

RESNET34_IMAGENET = "resnet34-b627a593.pth"
Augment = Literal["none", "maskmix", "augmix"]
Output = Literal["refined", "coarse"]


@dataclass(frozen=True)
class TaskDrivenConfig:
    """Everything that defines one trained coarse-to-fine model (config `inpainting.*`).

    Attributes:
        encoder: `resnet34` (paper) or `resnet-small` (CPU variant).
        skips: encoder-decoder skip connections, 6 (paper) or 4 (authors' code).
        refine_conv: the authors' extra 3x3 conv after R_coarse + E_residual.
        init: `imagenet` = ResNet-34 layer1..layer3 from ImageNet, the rest PyTorch's default
            (paper); `normal` = every conv N(0, 0.02), as the authors' code (which thereby
            overwrites the ImageNet weights).
        hole_fill: value of the hole pixels in the network input (authors' code: 1.0, white).
        task_loss: use the frozen task network's loss.
        lambda_task: its weight lambda (paper: 5; 1.2 for cross-view).
        alpha1: weight of the LPIPS-VGG perceptual loss.
        alpha2: weight of the adversarial losses.
        gan_loss: `bce` (Eq. 5) or `lsgan` (authors' code).
        disc_coarse, disc_refine: registered discriminators (`patchgan`, `dcgan`).
        d_coarse, d_refine: PatchGAN downsampling layers (Table VI).
        disc_padding: `same` (output H / 2^d, the paper's sizes) or `pix2pix` (authors' code).
        ndf: discriminator base width.
        augment: training-time augmentation, `none`, `maskmix` or `augmix`.
        task_input: the task loss sees the `composite` (default) or the `raw` refined output
            (authors' code).
        maskmix, augmix: their hyper-parameters.
        epochs, batch_size, lr, beta1, beta2, lr_step, lr_gamma: optimisation (paper/code:
            101 epochs, batch 4, Adam 2e-4 (0.5, 0.999), StepLR 30 x 0.8).
        amp: mixed precision on CUDA.
    """

    encoder: Encoder = "resnet34"
    skips: int = 6
    refine_conv: bool = False
    init: Literal["imagenet", "normal"] = "imagenet"
    hole_fill: float = 1.0
    task_loss: bool = True
    lambda_task: float = 5.0
    alpha1: float = 1.0
    alpha2: float = 1.0
    gan_loss: losses.GanLoss = "bce"
    disc_coarse: str = "patchgan"
    disc_refine: str = "patchgan"
    d_coarse: int = 3
    d_refine: int = 3
    disc_padding: Literal["same", "pix2pix"] = "same"
    ndf: int = 64
    augment: Augment = "none"
    task_input: Literal["composite", "raw"] = "composite"
    maskmix: MaskMixConfig = field(default_factory=MaskMixConfig)
    augmix: AugMixConfig = field(default_factory=AugMixConfig)
    epochs: int = 101
    batch_size: int = 4
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    lr_step: int = 30
    lr_gamma: float = 0.8
    amp: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain types only (checkpoints load with `weights_only=True`)."""
        out = dataclasses.asdict(self)
        out["augmix"]["ops"] = list(out["augmix"]["ops"])
        return out


NESTED = {"maskmix": MaskMixConfig, "augmix": AugMixConfig}


def make_config(options: dict[str, Any], base: TaskDrivenConfig | None = None) -> TaskDrivenConfig:
    """A config from `options` (e.g. parsed JSON) over `base`; an unknown key is an error."""
    base = base or TaskDrivenConfig()
    known = {f.name for f in dataclasses.fields(TaskDrivenConfig)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown inpainting option(s) {unknown}; known: {sorted(known)}")
    values = dict(options)
    for key, cls in NESTED.items():
        if key in values and isinstance(values[key], dict):
            sub = {f.name for f in dataclasses.fields(cls)}
            bad = sorted(set(values[key]) - sub)
            if bad:
                raise ValueError(f"unknown {key} option(s) {bad}; known: {sorted(sub)}")
            inner = dict(values[key])
            if "ops" in inner:
                inner["ops"] = tuple(inner["ops"])
            values[key] = dataclasses.replace(getattr(base, key), **inner)
    return dataclasses.replace(base, **values)


OUTPUTS: dict[str, Output] = {"coarse-only": "coarse"}


def _frozen_task_net(task: str, checkpoint: Path, device: str):
    from geoinpaint.tasks.frozen import FrozenClassifier, FrozenGeolocator, FrozenSegmenter

    classes = {c.task: c for c in (FrozenClassifier, FrozenSegmenter, FrozenGeolocator)}
    return classes[task](checkpoint, device)


def _discriminator(name: str, cfg: TaskDrivenConfig, layers: int, size: int) -> nn.Module:
    disc = DISCRIMINATORS.build(
        name, ndf=cfg.ndf, layers=layers, padding=cfg.disc_padding, size=size
    )
    init_normal(disc)  # pix2pix's and the authors' N(0, 0.02) initialisation
    return disc


class TaskDrivenRoutine:
    """One training iteration of the coarse-to-fine GAN (engine `Routine`)."""

    def __init__(
        self,
        cfg: TaskDrivenConfig,
        generator: CoarseToFine,
        data: InpaintingTrainSet,
        device: torch.device,
        seed: int,
        task_net: Any | None,
        perceptual: nn.Module | None,
    ):
        self.cfg, self.data, self.device, self.seed = cfg, data, device, seed
        size = data.images.shape[1]
        self.g = generator.to(device)
        self.dc = _discriminator(cfg.disc_coarse, cfg, cfg.d_coarse, size).to(device)
        self.dr = _discriminator(cfg.disc_refine, cfg, cfg.d_refine, size).to(device)
        self.task_net, self.perceptual = task_net, perceptual
        if perceptual is not None:
            perceptual.to(device)
        betas = (cfg.beta1, cfg.beta2)
        self.opts = {
            name: torch.optim.Adam(net.parameters(), lr=cfg.lr, betas=betas)
            for name, net in (("g", self.g), ("dc", self.dc), ("dr", self.dr))
        }
        self.scheds = {
            name: torch.optim.lr_scheduler.StepLR(opt, cfg.lr_step, cfg.lr_gamma)
            for name, opt in self.opts.items()
        }
        self.amp = Amp(device, cfg.amp)

    def batch(self, indices: torch.Tensor, epoch: int) -> tuple[torch.Tensor, ...]:
        """Images `(B, 3, H, W)`, masks `(B, 1, H, W)` (augmented) and targets, on the device."""
        images, masks = [], []
        for i in indices.tolist():
            image, mask = self.data.images[i], self.data.masks[i]
            rng = sample_rng(self.seed, epoch, i, self.cfg.augment)
            if self.cfg.augment == "maskmix":
                mask = maskmix(mask, rng, self.cfg.maskmix)
            elif self.cfg.augment == "augmix":
                image, mask = augmix(image, mask, rng, self.cfg.augmix)
            images.append(image)
            masks.append(mask)
        x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).to(self.device)
        m = torch.from_numpy(np.stack(masks))[:, None].to(self.device)
        return x, m, self.data.target_batch(indices).to(self.device)

    def _forward(self, gt: torch.Tensor, m: torch.Tensor):
        x_in = gt * (1 - m) + self.cfg.hole_fill * m
        coarse, refined = self.g(x_in, m)
        return x_in, coarse, refined, coarse * m + gt * (1 - m), refined * m + gt * (1 - m)

    def train_step(self, indices: torch.Tensor, epoch: int) -> dict[str, torch.Tensor]:
        cfg, amp = self.cfg, self.amp
        gt, m, targets = self.batch(indices, epoch)
        self.g.train()
        with amp.autocast():
            x_in, coarse, refined, comp_c, comp_r = self._forward(gt, m)
        # Discriminators first (D_c, then D_r), on detached reconstructions.
        d_losses = {}
        for name, disc, comp in (("dc", self.dc, comp_c), ("dr", self.dr, comp_r)):
            disc.requires_grad_(True)
            with amp.autocast():
                real = disc(torch.cat([x_in, gt], 1))
                fake = disc(torch.cat([x_in, comp.detach()], 1))
                loss = 0.5 * (
                    losses.adversarial(real, True, cfg.gan_loss)
                    + losses.adversarial(fake, False, cfg.gan_loss)
                )
            self.opts[name].zero_grad(set_to_none=True)
            amp.backward(loss)
            amp.step(self.opts[name])
            d_losses[f"d_{name[1]}"] = loss.detach()
        # Then the generator, against the updated discriminators.
        for disc in (self.dc, self.dr):
            disc.requires_grad_(False)
        with amp.autocast():
            rec = losses.l1(coarse, gt) + losses.l1(refined, gt)
            adv = losses.adversarial(
                self.dc(torch.cat([x_in, comp_c], 1)), True, cfg.gan_loss
            ) + losses.adversarial(self.dr(torch.cat([x_in, comp_r], 1)), True, cfg.gan_loss)
            total = rec + cfg.alpha2 * adv
            out = {"l1": rec.detach(), "gan": adv.detach()}
            if self.perceptual is not None and cfg.alpha1:
                lp = self.perceptual(refined.float(), gt)
                total = total + cfg.alpha1 * lp
                out["lpips"] = lp.detach()
        if self.task_net is not None and cfg.lambda_task:
            seen = comp_r if cfg.task_input == "composite" else refined
            task = self.task_net.loss(seen.float(), targets)
            total = total + cfg.lambda_task * task
            out["task"] = task.detach()
        self.opts["g"].zero_grad(set_to_none=True)
        amp.backward(total)
        amp.step(self.opts["g"])
        amp.update()
        return {**out, **d_losses, "total": total.detach()}

    def end_epoch(self, epoch: int) -> dict[str, float]:
        for sched in self.scheds.values():
            sched.step()
        return {"lr": self.opts["g"].param_groups[0]["lr"]}

    @torch.no_grad()
    def samples(self) -> torch.Tensor:
        """Rows of (input, R_coarse, R_refined, ground truth) for the first 4 training images."""
        idx = torch.arange(min(4, len(self.data)))
        gt = torch.from_numpy(self.data.images[idx.numpy()]).permute(0, 3, 1, 2).to(self.device)
        m = torch.from_numpy(self.data.masks[idx.numpy()])[:, None].to(self.device)
        self.g.eval()
        x_in, coarse, refined, _, _ = self._forward(gt, m)
        return torch.stack([x_in, coarse, refined, gt], 1).flatten(0, 1).cpu()

    def state_dict(self) -> dict[str, Any]:
        nets = {"g": self.g, "dc": self.dc, "dr": self.dr}
        return {
            "nets": {k: v.state_dict() for k, v in nets.items()},
            "opts": {k: v.state_dict() for k, v in self.opts.items()},
            "scheds": {k: v.state_dict() for k, v in self.scheds.items()},
            "amp": self.amp.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, net in (("g", self.g), ("dc", self.dc), ("dr", self.dr)):
            net.load_state_dict(state["nets"][name])
        for name in self.opts:
            self.opts[name].load_state_dict(state["opts"][name])
            self.scheds[name].load_state_dict(state["scheds"][name])
        self.amp.load_state_dict(state["amp"])


class TaskDrivenInpainter:
    """A coarse-to-fine model: trained with `fit`, saved with `save`, applied with `inpaint`."""

    def __init__(
        self,
        name: str,
        cfg: TaskDrivenConfig,
        checkpoint: Path | None = None,
        device: DeviceChoice = "auto",
    ):
        self.name, self.cfg = name, cfg
        self.output: Output = OUTPUTS.get(name, "refined")
        self.device = resolve_device(device)
        self.provenance: dict[str, str] = {}
        ckpt = None
        if checkpoint is not None:
            ckpt = load_checkpoint(checkpoint)
            if ckpt.get("family") != "task-driven":
                raise ValueError(f"{checkpoint} is not a task-driven coarse-to-fine checkpoint")
            self.cfg = make_config(ckpt["config"])
            digest = sha256_of(Path(checkpoint))[:12]
            self.provenance = {
                **ckpt["provenance"],
                "checkpoint": f"{Path(checkpoint).name} (sha256 {digest})",
            }
        self.generator = CoarseToFine(self.cfg.encoder, self.cfg.skips, self.cfg.refine_conv)
        if ckpt is not None:
            self.generator.load_state_dict(ckpt["generator"])
        self.generator.to(self.device).eval()

    def _initialise(self) -> None:
        cfg = self.cfg
        if cfg.init == "normal":
            init_normal(self.generator)
            self.provenance["init"] = "every conv N(0, 0.02) (authors' code)"
        elif cfg.encoder != "resnet34":
            self.provenance["init"] = f"random ({cfg.encoder} has no ImageNet weights)"
        else:
            try:
                path = require(RESNET34_IMAGENET)
            except WeightsUnavailable as err:
                self.provenance["init"] = f"random: ImageNet ResNet-34 unavailable ({err})"
                log.warning("%s", self.provenance["init"])
                return
            state = torch.load(path, map_location="cpu", weights_only=True)
            load_imagenet_stages(self.generator, state)
            self.provenance["init"] = (
                f"layer1-3 from {RESNET34_IMAGENET} (sha256 {sha256_of(path)[:12]}), rest random"
            )

    def _perceptual(self) -> nn.Module | None:
        if not self.cfg.alpha1:
            self.provenance["perceptual_loss"] = "off (alpha1 = 0)"
            return None
        try:
            loss = losses.PerceptualLoss()
        except WeightsUnavailable as err:
            self.provenance["perceptual_loss"] = f"not used, alpha1 has no effect: {err}"
            log.warning("LPIPS-VGG perceptual loss %s", self.provenance["perceptual_loss"])
            return None
        self.provenance["perceptual_loss"] = "LPIPS-VGG v0.1"
        return loss

    def fit(self, data: InpaintingTrainSet, task_net: Path | None, run: TrainRun) -> list[dict]:
        """Train on `data` (task loss from the frozen network at `task_net` if the config uses
        one); resumes from `run.state`. Returns the per-epoch history."""
        cfg = self.cfg
        if cfg.augment == "augmix" and data.task != "classification":
            raise ValueError(
                "AugMix moves image content, so it applies only to scene classification "
                "(paper Sec. L); use maskmix or none for segmentation and cross-view"
            )
        self.device = resolve_device(run.device)
        # Networks start from the run's seed: the generator is drawn anew here, then the
        # discriminators in the routine, from one seeded stream.
        torch.manual_seed(run.seed)
        self.generator = CoarseToFine(cfg.encoder, cfg.skips, cfg.refine_conv)
        self._initialise()
        frozen = None
        if cfg.task_loss and cfg.lambda_task:
            if task_net is None:
                raise ValueError(f"{self.name} uses a task loss: give the frozen task network")
            frozen = _frozen_task_net(data.task, task_net, run.device)
            self.provenance["task_network"] = f"{frozen.arch} ({Path(task_net).name})"
        else:
            self.provenance["task_network"] = "none"
        routine = TaskDrivenRoutine(
            cfg, self.generator, data, self.device, run.seed, frozen, self._perceptual()
        )
        engine = Engine(
            EngineConfig(
                epochs=cfg.epochs,
                batch_size=cfg.batch_size,
                seed=run.seed,
                state_path=run.state,
                log_csv=run.log_csv,
                samples_dir=run.samples_dir,
                save_every_s=run.save_every_s,
                desc=f"{self.name} {data.task}",
            )
        )
        history = engine.run(routine, len(data))
        self.generator.eval()
        return history

    def notes(self) -> list[str]:
        """What a results table must say about this model (sizes and missing weights)."""
        out = []
        if self.cfg.encoder != "resnet34":
            out.append(f"generator encoders are {self.cfg.encoder} (CPU variant), not ResNet-34")
        for key in ("init", "perceptual_loss"):
            value = self.provenance.get(key, "")
            if value.startswith(("random: ", "not used")):
                out.append(f"{key.replace('_', ' ')}: {value}")
        return out

    def save(self, path: Path, meta: dict[str, Any] | None = None) -> None:
        """Write the generator and its config (loads with `weights_only=True`)."""
        atomic_save(
            {
                "family": "task-driven",
                "method": self.name,
                "config": self.cfg.to_dict(),
                "generator": {k: v.cpu() for k, v in self.generator.state_dict().items()},
                "provenance": self.provenance,
                **(meta or {}),
            },
            path,
        )

    @torch.no_grad()
    def inpaint(self, images: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """`(N, H, W, 3)` occluded inputs in [0, 1] and `(N, H, W)` masks -> raw predictions
        (R_refined, or R_coarse for coarse-only) clipped to [0, 1]; hole pixels are never read."""
        x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).to(self.device)
        m = torch.from_numpy(np.ascontiguousarray(masks))[:, None].to(self.device)
        x_in = x * (1 - m) + self.cfg.hole_fill * m
        coarse, refined = self.generator(x_in.float(), m.float())
        out = refined if self.output == "refined" else coarse
        return out.clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy().astype(np.float32)


def build(
    name: str,
    checkpoint: Path | None = None,
    device: DeviceChoice = "auto",
    **options: Any,
) -> TaskDrivenInpainter:
    """A registered method: its preset over `options` (config `inpainting.*`), or a checkpoint."""
    cfg = make_config({**options, **PRESETS[name]})
    return TaskDrivenInpainter(name, cfg, checkpoint, device)


for _name in PRESETS:
    register_method(_name, trained=True)(partial(build, _name))
