"""PD-GAN as a trained method of the suite: options (defaults = the authors' settings) and the
registered method. Its two-stage routine is in `routine.py`.

The authors train the PConv prior first, as its own model, and PD-GAN then loads it frozen
(`models/PDGAN.py` refuses to start without the checkpoint; its output is detached). The suite
runs both stages in one training run: the first `prior_epochs` epochs train the prior alone,
the remaining ones PD-GAN with the prior frozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
from torch import nn

from geoinpaint.baselines.pdgan.generator import SPDNormGenerator
from geoinpaint.baselines.pdgan.prior import PConvUNet
from geoinpaint.baselines.rfr.losses import PConvLossWeights
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method

if TYPE_CHECKING:
    from geoinpaint.baselines.pdgan.routine import PDGANRoutine


@dataclass(frozen=True)
class PDGANOptions(TrainOptions):
    """PD-GAN's options; architecture: `width`, `levels`, `size`, `z_dim`.

    Attributes:
        width: channel multiplier of the generator (nf 64, modulation convs 128), the prior
            (64) and the discriminator (ndf 64); 1.0 = official.
        levels: x2 stages of the generator and of the prior's U-Net (6: a 4x4 latent grid at
            256). Fewer drop the generator's lowest-resolution units; the prior's innermost
            level must stay at least 2x2 (5 at 64x64).
        size: the image side the generator is built for (its fc layer produces the
            `size / 2^levels` latent grid); inputs must be `size` x `size`.
        z_dim: noise dimension.
        sample_seed: seed of the one noise vector every inpainted image uses (PD-GAN's first
            sample; inference is repeatable and independent of the batch).
        epochs: all epochs, both stages.
        prior_epochs: the first epochs, which train the PConv prior alone.
        niter, niter_decay: per stage, epochs at the initial rate, then epochs of linear decay
            to zero (the code's `niter` 20, `niter_decay` 100 for both models).
        batch_size: images per iteration (the code's 8).
        lr: the prior's Adam rate; PD-GAN's generator uses lr / 2 and its discriminator 2 lr
            (TTUR), with betas (beta1, 0.9); the prior (beta1, 0.999).
        lambda_feat, lambda_perceptual, lambda_tv, lambda_diversity: PD-GAN's loss weights.
        prior_loss: the PConv prior's loss weights.
        num_d, layers_d: discriminator scales and layers per scale.
    """

    width: float = 1.0
    levels: int = 6
    size: int = 256
    z_dim: int = 256
    sample_seed: int = 0
    epochs: int = 240
    prior_epochs: int = 120
    niter: int = 20
    niter_decay: int = 100
    batch_size: int = 8
    lr: float = 1e-3
    beta1: float = 0.0
    lambda_feat: float = 10.0
    lambda_perceptual: float = 10.0
    lambda_tv: float = 0.1
    lambda_diversity: float = 1.0
    prior_loss: PConvLossWeights = field(default_factory=PConvLossWeights)
    num_d: int = 2
    layers_d: int = 4


def init_normal(net: nn.Module, std: float = 0.02) -> nn.Module:
    """The code's `init_type=normal`: conv and linear weights N(0, std), biases 0 (through a
    spectral-norm parametrisation to the original weight)."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            params = getattr(m, "parametrizations", None)
            weight = params.weight.original if params is not None else m.weight
            nn.init.normal_(weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return net


def _levels_problem(o: PDGANOptions) -> str:
    """Why `size` and `levels` do not fit together ("" if they do): the innermost level's
    instance norms need at least 2x2 pixels."""
    if o.size % 2**o.levels or o.size // 2**o.levels < 2:
        return (
            f"size {o.size} must be a multiple of 2^levels = {2**o.levels} with at least 2x2 "
            f"pixels at the innermost level (levels={o.levels})"
        )
    return ""


@register_method("pdgan", label="PD-GAN")
class PDGAN(TrainableMethod):
    """PD-GAN: a frozen PConv prior and the SPDNorm generator; reports the `sample_seed` sample."""

    Options = PDGANOptions
    ARCHITECTURE = ("width", "levels", "size", "z_dim")
    PAPER_LABEL = "PD-GAN"
    multiple = 64  # 2^levels: the paper's nets; `build` sets a variant's own
    SIZE_OPTION = "size"
    EPOCH_OPTIONS = ("prior_epochs",)
    SMALL = {"width": 0.0625, "levels": 5, "size": 64}
    options: PDGANOptions

    @classmethod
    def size_problem(cls, options: PDGANOptions, size: int) -> str:
        if size != options.size:
            return f"the generator is built for {options.size}x{options.size} (option `size`)"
        return _levels_problem(options)

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        if not 0 <= o.prior_epochs <= o.epochs:
            raise ValueError(
                f"pdgan: prior_epochs={o.prior_epochs} must lie in [0, epochs={o.epochs}]"
            )
        if _levels_problem(o):
            raise ValueError(f"pdgan: {_levels_problem(o)}")
        self.multiple = 2**o.levels
        return {
            "prior": init_normal(PConvUNet(o.width, o.levels)),
            "generator": init_normal(SPDNormGenerator(o.width, o.levels, o.size, o.z_dim)),
        }

    def prior_image(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """The prior network's `(N, 3, H, W)` output in [-1, 1] (its input: known pixels only)."""
        valid = 1 - masks
        return self.nets["prior"]((images * 2 - 1) * valid, valid)

    def noise(self, n: int) -> torch.Tensor:
        """`(n, z_dim)`: the one `sample_seed` noise vector, repeated (not the global RNG)."""
        gen = torch.Generator().manual_seed(self.options.sample_seed)
        z = torch.randn(1, self.options.z_dim, generator=gen)
        return z.to(self.device).expand(n, -1)

    def generate(self, z: torch.Tensor, prior: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """The generator's `(N, 3, H, W)` output in [-1, 1] for noise, prior image and holes."""
        side = self.options.size
        if prior.shape[-2:] != (side, side):
            raise ValueError(
                f"pdgan was built for {side}x{side} images (option `size`), got "
                f"{prior.shape[-1]}x{prior.shape[-2]}"
            )
        return self.nets["generator"](z, prior, 1 - masks)

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        prior = self.prior_image(images, masks)
        return (self.generate(self.noise(len(images)), prior, masks) + 1) / 2

    def routine(self, ctx: TrainContext) -> PDGANRoutine:
        # The routine module imports this one (for `init_normal`): import it when needed.
        from geoinpaint.baselines.pdgan.routine import PDGANRoutine

        return PDGANRoutine(self, ctx)
