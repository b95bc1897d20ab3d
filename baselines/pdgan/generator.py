"""PD-GAN's generator (the authors' `SPDNormGenerator`): noise, progressively upsampled, with
every feature map modulated by the prior image through SPDNorm.

    z (256) -> fc -> (16 nf, H/64, W/64) -> 6 units -> LeakyReLU(0.2) -> conv 3x3 (nf -> 3) -> tanh

A unit is an SPDNorm residual block then a ConvTranspose 4x4 s2 (no norm, no activation):

    unit   0     1     2     3     4     5
    in     16nf  16nf  16nf  8nf   4nf   2nf
    out    16nf  16nf  8nf   4nf   2nf   nf
    N      2     3     4     5     6     7      (hard-map dilations)
    k      3     3     3     3     5     5      (hard-map dilation kernel)

SPDNorm(x; D) = PN(x) * (1 + gamma(P) D) + beta(P) D, with PN the positional norm (across
channels at each pixel) and gamma, beta convs of the prior image P (nearest-resized). The block:

    out = conv_s(SPD_s(x; D_soft)) + conv_1(lrelu(SPD_1(conv_0(lrelu(SPD_0(x; D_hard))); D_hard)))

with spectral norm on conv_0, conv_1, conv_s. D_hard is 1 on known pixels, e^-k on the k-th
ring grown into the hole by N dilations of the known region with a k x k kernel, e^-N beyond;
D_soft = sigmoid(conv([f(P), x])) in the hole, 1 outside (a learned probability that the
prior can be trusted). `levels` < 6 drops the first (lowest-resolution) units; `width` scales
nf (64) and the 128 hidden channels of the modulation convs.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

# (in, out) as multiples of nf, hard-map dilations N and kernel k, per unit (authors' code).
UNITS = ((16, 16, 2, 3), (16, 16, 3, 3), (16, 8, 4, 3), (8, 4, 5, 3), (4, 2, 6, 5), (2, 1, 7, 5))


def positional_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Normalise `(N, C, H, W)` across channels at every pixel (unbiased variance, as the code);
    in float32 (statistics over up to 1024 channels), like autocast's own norm layers."""
    x = x.float()
    mean = x.mean(1, keepdim=True)
    return (x - mean) / (x.var(1, keepdim=True) + eps).sqrt()


def hard_map(valid: torch.Tensor, dilations: int, kernel: int) -> torch.Tensor:
    """`(N, 1, H, W)` known-region mask -> the hard probability map: 1 where known, e^-k on the
    k-th ring grown by dilating the known region with a `kernel` x `kernel` window, e^-N in the
    rest of the hole."""
    out, prev = valid, valid
    for k in range(1, dilations + 1):
        grown = F.max_pool2d(prev, kernel, 1, kernel // 2)
        out = out + (grown - prev) * math.exp(-k)
        prev = grown
    return out + (1 - prev) * math.exp(-dilations)


class SPDNorm(nn.Module):
    """`(x, prior, weight) -> PN(x) * (1 + gamma weight) + beta weight`; gamma, beta from the
    prior image (already at x's size) through conv 3x3 (3 -> hidden) + ReLU and two conv heads."""

    def __init__(self, channels: int, hidden: int):
        super().__init__()
        self.shared = nn.Sequential(nn.Conv2d(3, hidden, 3, padding=1), nn.ReLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, prior: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        actv = self.shared(prior)
        return positional_norm(x) * (1 + self.gamma(actv) * weight) + self.beta(actv) * weight


class SPDNormResBlock(nn.Module):
    """The SPDNorm residual block: `(x, prior, valid)` at x's size -> `(N, fout, h, w)`."""

    def __init__(self, fin: int, fout: int, dilations: int, kernel: int, hidden: int):
        super().__init__()
        fmid = min(fin, fout)
        self.dilations, self.kernel = dilations, kernel
        self.conv_0 = spectral_norm(nn.Conv2d(fin, fmid, 3, padding=1))
        self.conv_1 = spectral_norm(nn.Conv2d(fmid, fout, 3, padding=1))
        self.conv_s = spectral_norm(nn.Conv2d(fin, fout, 1, bias=False))
        self.norm_0 = SPDNorm(fin, hidden)
        self.norm_1 = SPDNorm(fmid, hidden)
        self.norm_s = SPDNorm(fin, hidden)
        self.prior_features = nn.Sequential(
            nn.Conv2d(3, hidden, 3, padding=1),
            nn.InstanceNorm2d(hidden),
            nn.ReLU(),
            nn.Conv2d(hidden, fin, 3, padding=1),
        )
        self.soft = nn.Sequential(nn.Conv2d(2 * fin, fin, 3, padding=1), nn.Sigmoid())

    def forward(self, x: torch.Tensor, prior: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        prior = F.interpolate(prior, size=x.shape[-2:], mode="nearest")
        valid = F.interpolate(valid, size=x.shape[-2:], mode="nearest")
        soft = self.soft(torch.cat([self.prior_features(prior), x], 1))
        soft = (1 - valid) * soft + valid
        with torch.no_grad():
            hard = hard_map(valid, self.dilations, self.kernel)
        out_s = self.conv_s(self.norm_s(x, prior, soft))
        h = self.conv_0(F.leaky_relu(self.norm_0(x, prior, hard), 0.2))
        h = self.conv_1(F.leaky_relu(self.norm_1(h, prior, hard), 0.2))
        return out_s + h


class SPDNormGenerator(nn.Module):
    """`forward(z, prior, valid) -> (N, 3, S, S)` in [-1, 1], S = `size`.

    Args (forward):
        z: `(N, z_dim)` noise.
        prior: `(N, 3, S, S)` prior image in [-1, 1].
        valid: `(N, 1, S, S)` in {0, 1}, 1 = known.
    """

    def __init__(self, width: float = 1.0, levels: int = 6, size: int = 256, z_dim: int = 256):
        super().__init__()
        if not 1 <= levels <= len(UNITS) or size % 2**levels:
            raise ValueError(
                f"PD-GAN generator: levels={levels} must be in 1..{len(UNITS)} and size={size} "
                f"a multiple of 2^levels"
            )
        nf, hidden = max(1, round(64 * width)), max(1, round(128 * width))
        units = UNITS[len(UNITS) - levels :]
        self.latent = (units[0][0] * nf, size // 2**levels)
        self.fc = nn.Linear(z_dim, self.latent[0] * self.latent[1] ** 2)
        self.blocks = nn.ModuleList(
            SPDNormResBlock(a * nf, b * nf, n, k, hidden) for a, b, n, k in units
        )
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(b * nf, b * nf, 4, 2, 1) for _, b, _, _ in units
        )
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)

    def forward(self, z: torch.Tensor, prior: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        channels, side = self.latent
        x = self.fc(z).view(-1, channels, side, side)
        for block, up in zip(self.blocks, self.ups, strict=True):
            x = up(block(x, prior, valid))
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))
