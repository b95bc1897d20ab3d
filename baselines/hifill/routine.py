"""HiFill's training (the code's `build_graph_with_losses` and `HiTrainer`): WGAN-GP.

Images in [-1, 1] at the working resolution (training images larger than `cra_size` are
box-averaged down to it: the code trains the generator at IMG_SHAPE only; CRA is inference).
Per iteration, as the code does: `d_steps` (3) discriminator updates on

    mean D(fake) - mean D(real) + 10 * gradient penalty (random interpolates, target norm 1),

where fake is the refined output composited into the known pixels, then one generator update
on (x1 = coarse, x2 = refined, means over all pixels and channels)

    0.001 * -mean D(fake)
    + 1.2 * [1.2 * mean |gt - x1| M + mean |gt - x2| M]                      (hole L1)
    + 1.2 * [1.2 * mean |gt - x1| (1-M) + mean |gt - x2| (1-M)] / mean(1-M)  (valid L1).

The code draws a new batch for each of those updates; here they share the iteration's batch and
the discriminator steps reuse the one generator forward pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from geoinpaint.baselines.hifill import scaled, working_resolution
from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.training.data import Batch

if TYPE_CHECKING:
    from geoinpaint.baselines.hifill import HiFill


class HiFillDiscriminator(nn.Module):
    """Six 5x5 stride-2 convolutions with LeakyReLU(0.2) (widths nd, 2nd, 4nd, 4nd, 4nd, 4nd)
    and a linear layer: `(N, 3, S, S)` -> `(N, 1)` critic values. At nd = 64 and S = 512:
    5,961,601 parameters (baselines.md)."""

    def __init__(self, nd: int = 64, size: int = 512):
        super().__init__()
        widths = (nd, 2 * nd, 4 * nd, 4 * nd, 4 * nd, 4 * nd)
        layers: list[nn.Module] = []
        for c_in, c_out in zip((3, *widths[:-1]), widths, strict=True):
            layers += [nn.Conv2d(c_in, c_out, 5, 2, 2), nn.LeakyReLU(0.2)]
            size = (size + 1) // 2
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(widths[-1] * size * size, 1)
        for module in self.features:
            if isinstance(module, nn.Conv2d):
                nn.init.trunc_normal_(module.weight, std=0.05, a=-0.1, b=0.1)
                nn.init.zeros_(module.bias)
        nn.init.xavier_uniform_(self.fc.weight)  # TensorFlow's dense-layer default
        nn.init.zeros_(self.fc.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).flatten(1))


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: mean (||grad critic(interpolate)||_2 - 1)^2 at random interpolates."""
    eps = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    mixed = (real + eps * (fake - real)).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).float().sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def masked_l1(gt: torch.Tensor, out: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """mean |gt - out| * weight over all pixels and channels (not normalised by the weight)."""
    return ((gt - out.float()).abs() * weight).mean()


class HiFillRoutine(GanRoutine):
    """Generator and critic with their Adam optimisers (no learning-rate schedule)."""

    def __init__(self, method: HiFill, ctx: TrainContext):
        super().__init__(method, ctx)
        o = method.options
        side = min(ctx.size, o.cra_size)
        self.add_network("d", HiFillDiscriminator(scaled(64, o.d_width), side))
        self.add_optimizer("g", method.parameters_of(), lr=o.lr, betas=o.betas)
        self.add_optimizer("d", self.nets["d"].parameters(), lr=o.lr, betas=o.betas)

    def step(self, batch: Batch) -> dict[str, torch.Tensor]:
        o = self.method.options
        gt, m = working_resolution(batch.images * 2 - 1, batch.masks, o.cra_size)
        x = gt * (1 - m)
        with self.autocast():
            out = self.method.generate(x, m)
        fake = out.refined * m + x * (1 - m)

        d = self.nets["d"]
        for _ in range(o.d_steps):
            with self.autocast():
                # one critic pass over real and fake together, as the code (no normalisation)
                real_score, fake_score = d(torch.cat([gt, fake.detach()])).float().chunk(2)
                wgan = fake_score.mean() - real_score.mean()
                gp = gradient_penalty(d, gt, fake.detach())
            self.update("d", wgan + o.gp_weight * gp)

        self.requires_grad(False, "d")
        with self.autocast():
            g_adv = -d(fake).float().mean()
        self.requires_grad(True, "d")
        valid = 1 - m
        hole_l1 = o.coarse_weight * masked_l1(gt, out.coarse, m) + masked_l1(gt, out.refined, m)
        valid_l1 = o.coarse_weight * masked_l1(gt, out.coarse, valid) + masked_l1(
            gt, out.refined, valid
        )
        valid_l1 = valid_l1 / valid.mean().clamp_min(1e-6)
        g_loss = o.gan_weight * g_adv + o.hole_weight * hole_l1 + o.valid_weight * valid_l1
        self.update("g", g_loss)
        return {"l1": hole_l1, "ae": valid_l1, "g_adv": g_adv, "d": wgan, "gp": gp, "total": g_loss}
