"""MAT: Mask-Aware Transformer for Large Hole Image Inpainting (Li et al., CVPR 2022), registered
as `mat`, a trained baseline of the task-driven paper.

"MAT" here is the released two-stage generator (`two_stage: true`, default): the official code
(fenglinglwb/MAT), its pretrained models and its training script all build and train stage 1
(the paper's MAT) followed by a convolutional refinement stage, with one discriminator head per
stage; a comparison method "trained until convergence" with the authors' code is that model.
`two_stage: false` keeps stage 1 alone (no refinement, one discriminator). Parameters at the
official settings: 59,779,834 built at 256x256, 61,562,518 at 512x512 (stage 1 alone
10,895,842 / 12,063,865), as the official code. docs/fidelity/mat.md lists every choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from geoinpaint.baselines.mat.network import DEPTHS, Generator
from geoinpaint.methods.base import TrainableMethod, TrainContext
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method


@dataclass(frozen=True)
class MATOptions(TrainOptions):
    """MAT's settings; defaults = the official code and README training command.

    Attributes:
        size: image side the networks are built for (a power of two; the official code fixes
            it at construction: 512 for Places, 256 for the CelebA-HQ-256 model). Inputs must
            be `size` or a multiple of it, as in the official test script.
        dim, tokens, depths, heads: stage 1: token width 180, token map 64x64 at `size`,
            2-3-4-3-2 blocks, 6 heads.
        w_dim, mapping_layers: z = w = 512, 8 mapping layers.
        refine_width: stage-2 channel multiplier (1.0 = official widths 64..512).
        two_stage: the released generator (stage 1 + refinement) or stage 1 alone.
        d_width: discriminator channel multiplier (1.0 = official).
        mbstd_group: minibatch-std group (cfg places512 asks for 8, capped by 4 images per GPU).
        epochs: 28 = the official 50,000 kimg on the 1.8 M Places365-Standard images.
        batch_size: 32 (8 GPUs x 4).
        lr, betas: Adam 1e-3, (0, 0.99), both networks; the lazy-regularisation intervals
            scale them as StyleGAN2 does (lr x k/(k+1), betas ** (k/(k+1))).
        g_reg_interval: 4 (path-length regularisation is off; only the scaling remains).
        r1_gamma, r1_interval: R1 penalty gamma 10, applied every 16 D steps, weighted x16.
        pcp_weight: perceptual loss ratio (`--pr 0.1`).
        truncation, style_mixing: training-time truncation psi 0.5 and style mixing 0.5.
        ema_kimg, ema_rampup: generator EMA half-life in thousands of images (10) and
            StyleGAN2's ramp-up (0 = none, the official Places run; 0.05 suits short runs).
        hflip: random horizontal flips of image and mask (`--mirror True`).
        test_seed, test_psi, noise_mode: inference draws z, the noise-mixing maps and any
            random noise from a generator seeded with `test_seed` (240, the official test
            script's seed) on every call, so outputs are repeatable; psi 1 and `const`
            per-pixel noise as the test script at 512 (`random`: drawn from that generator).
    """

    size: int = 256
    dim: int = 180
    tokens: int = 64
    depths: tuple[int, ...] = DEPTHS
    heads: int = 6
    w_dim: int = 512
    mapping_layers: int = 8
    refine_width: float = 1.0
    two_stage: bool = True
    d_width: float = 1.0
    mbstd_group: int = 4
    epochs: int = 28
    batch_size: int = 32
    lr: float = 1e-3
    betas: tuple[float, float] = (0.0, 0.99)
    g_reg_interval: int = 4
    r1_gamma: float = 10.0
    r1_interval: int = 16
    pcp_weight: float = 0.1
    truncation: float = 0.5
    style_mixing: float = 0.5
    ema_kimg: float = 10.0
    ema_rampup: float = 0.0
    hflip: bool = True
    test_seed: int = 240
    test_psi: float = 1.0
    noise_mode: Literal["const", "random"] = "const"


@register_method("mat", label="MAT")
class MAT(TrainableMethod):
    """MAT with its official generator; `nets["generator"]` holds the EMA weights after
    training (what the official code evaluates)."""

    Options = MATOptions
    ARCHITECTURE = (
        "dim",
        "tokens",
        "depths",
        "heads",
        "w_dim",
        "mapping_layers",
        "refine_width",
        "two_stage",
        "d_width",
    )
    # The class's value fits the official token windows; a built method holds its `size` option:
    # it infers sides that are multiples of it and trains on that side alone (`size_problem`).
    multiple = 64
    SIZE_OPTION = "size"
    SMALL = {
        "size": 64,
        "dim": 16,
        "tokens": 16,
        "depths": (1, 1, 1, 1, 1),
        "heads": 2,
        "w_dim": 32,
        "mapping_layers": 2,
        "refine_width": 1 / 64,
        "d_width": 1 / 64,
        # a CPU run sees a few hundred images: without StyleGAN2's EMA ramp-up the saved
        # (EMA) generator would stay at its initialisation
        "ema_rampup": 0.05,
    }

    @classmethod
    def size_problem(cls, options: MATOptions, size: int) -> str:
        if size != options.size:
            return (
                f"MAT's networks are built for one side (option size {options.size}); "
                f"set the mat option size: {size}"
            )
        return ""

    def build(self) -> dict[str, nn.Module]:
        o = self.options
        if o.noise_mode not in ("const", "random"):
            raise ValueError(f"MAT noise_mode must be 'const' or 'random', got {o.noise_mode!r}")
        self.multiple = o.size
        net = Generator(
            o.size,
            o.dim,
            o.tokens,
            tuple(o.depths),
            o.heads,
            o.w_dim,
            o.mapping_layers,
            o.refine_width,
            o.two_stage,
        )
        return {"generator": net}

    def predict(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W)` in [0, 1] and hole masks `(N, 1, H, W)` -> `(N, 3, H, W)` (about
        [0, 1]); H and W multiples of the `size` option. Deterministic in eval mode."""
        size = self.multiple
        if images.shape[-1] % size or images.shape[-2] % size:
            raise ValueError(
                f"MAT was built for {size}x{size} images (option size); got "
                f"{images.shape[-2]}x{images.shape[-1]}, which is not a multiple of it"
            )
        net = self.nets["generator"]
        valid = 1 - masks
        x = (images * 2 - 1) * valid
        if net.training:
            z = torch.randn(len(images), net.z_dim, device=images.device)
            out, _ = net(x, valid, z)
        else:
            rng = torch.Generator(device=images.device).manual_seed(self.options.test_seed)
            z = torch.randn(len(images), net.z_dim, device=images.device, generator=rng)
            o = self.options
            out, _ = net(x, valid, z, psi=o.test_psi, noise_mode=o.noise_mode, rng=rng)
        return (out + 1) / 2

    def routine(self, ctx: TrainContext):
        from geoinpaint.baselines.mat.routine import MATRoutine

        return MATRoutine(self, ctx)
