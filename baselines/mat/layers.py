"""StyleGAN2 layers as MAT's generator and discriminator use them (Karras et al. 2020).

- Equalized learning rate: weights are drawn N(0, 1) (divided by the learning-rate multiplier)
  and scaled at run time by `lr_mult / sqrt(fan_in)`. The scale is applied to the convolution's
  *output* (exact, the convolution being linear) so that the weight lives in a plain
  `nn.Conv2d` / `nn.Linear`, which the suite's MAC counter (thop) recognises.
- Activations: leaky ReLU 0.2 times sqrt(2), or linear; the bias is added before.
- Resampling: the [1, 3, 3, 1] low-pass filter (normalised, gain 4 when upsampling): blur, then a
  stride-2 convolution to go down; a stride-2 transposed convolution, then blur to go up. Output
  sides are exactly half / double the input's.
- Modulated convolution: input channels scaled by a style (an affine map of the style code,
  bias initialised to 1), optionally demodulated per output channel. Done as scale -> shared
  convolution -> rescale, which is the fused grouped convolution's result.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F
from torch import nn

LRELU_GAIN = math.sqrt(2.0)
FILTER_1D = torch.tensor([1.0, 3.0, 3.0, 1.0])


def activate(
    x: torch.Tensor,
    bias: torch.Tensor | None,
    act: str,
    gain: float = 1.0,
    out_gain: float = 1.0,
    dim: int = 1,
) -> torch.Tensor:
    """`act(gain * x + bias) * out_gain` times the activation's gain (sqrt 2 for `lrelu`, 1 for
    `linear`); `gain` is the equalized-lr weight scale, `bias` runs along `dim`.

    Done in one add and an in-place leaky ReLU (lrelu is positively homogeneous:
    `lrelu(g x + b) * c = lrelu(c g x + c b)` for c > 0): these run on every feature map.
    """
    if act not in ("lrelu", "linear"):
        raise ValueError(f"unknown activation {act!r}, expected 'lrelu' or 'linear'")
    scale = out_gain * (LRELU_GAIN if act == "lrelu" else 1.0)
    if bias is None:
        x = x * (gain * scale)
    else:
        shape = [1] * x.ndim
        shape[dim] = -1
        bias = bias.to(x.dtype).view(shape)
        x = torch.add(bias * scale if scale != 1 else bias, x, alpha=gain * scale)
    return F.leaky_relu(x, 0.2, inplace=True) if act == "lrelu" else x


@functools.lru_cache(maxsize=64)
def _filter(channels: int, gain: float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    f = torch.outer(FILTER_1D, FILTER_1D) / FILTER_1D.sum() ** 2 * gain
    return f.expand(channels, 1, 4, 4).contiguous().to(device=device, dtype=dtype)


def blur(x: torch.Tensor, pad: int | tuple[int, int], gain: float = 1.0) -> torch.Tensor:
    """Depthwise [1, 3, 3, 1] x [1, 3, 3, 1] / 64 filter (times `gain`) after zero padding
    `pad` (before, after) on both axes: `(N, C, H, W)` -> `(N, C, H + sum(pad) - 3, ...)`."""
    c = x.shape[1]
    if isinstance(pad, int):
        return F.conv2d(x, _filter(c, gain, x.dtype, x.device), padding=pad, groups=c)
    x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    return F.conv2d(x, _filter(c, gain, x.dtype, x.device), groups=c)


def upsample(x: torch.Tensor) -> torch.Tensor:
    """x2 zero-insertion upsampling and the low-pass filter (ToRGB's skip): `H -> 2H`."""
    n, c, h, w = x.shape
    up = x.new_zeros(n, c, h, 2, w, 2)
    up[:, :, :, 0, :, 0] = x
    return blur(up.view(n, c, 2 * h, 2 * w), (2, 1), gain=4.0)


class FullyConnected(nn.Module):
    """Equalized-lr linear layer on the last dimension: `(..., c_in)` -> `(..., c_out)`."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        act: str = "linear",
        lr_mult: float = 1.0,
        bias_init: float = 0.0,
    ):
        super().__init__()
        self.linear = nn.Linear(c_in, c_out, bias=False)
        nn.init.normal_(self.linear.weight, 0.0, 1.0 / lr_mult)
        self.bias = nn.Parameter(torch.full((c_out,), float(bias_init)))
        self.act, self.lr_mult = act, lr_mult
        self.gain = lr_mult / math.sqrt(c_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.bias * self.lr_mult if self.lr_mult != 1 else self.bias
        return activate(self.linear(x), bias, self.act, self.gain, dim=-1)


def _resampling_conv(c_in: int, c_out: int, kernel: int, up: int, down: int) -> nn.Module:
    if up not in (1, 2) or down not in (1, 2) or (up == 2 and down == 2):
        raise ValueError(f"up={up}, down={down}: one of them may be 2, the other must be 1")
    if up == 2:
        if kernel != 3:
            raise ValueError(f"upsampling convolutions are 3x3 here, got {kernel}x{kernel}")
        conv = nn.ConvTranspose2d(c_in, c_out, kernel, stride=2, bias=False)
        nn.init.normal_(conv.weight)
        return conv
    padding = 0 if down == 2 else kernel // 2
    conv = nn.Conv2d(c_in, c_out, kernel, stride=down, padding=padding, bias=False)
    nn.init.normal_(conv.weight)
    return conv


def resample_conv(
    conv: nn.Module, x: torch.Tensor, kernel: int, up: int, down: int
) -> torch.Tensor:
    """Run `conv` (built by `_resampling_conv`) with StyleGAN2's padding and filtering."""
    if down == 2:
        return conv(blur(x, kernel // 2 + 1))
    if up == 2:
        return blur(conv(x), 1, gain=4.0)
    return conv(x)


class Conv2dLayer(nn.Module):
    """Equalized-lr convolution with bias, activation and optional x2 up/down resampling.

    `(N, c_in, H, W)` -> `(N, c_out, H * up / down, W * up / down)`; `forward(x, gain)`
    multiplies the activated output by `gain` (the discriminator's residual branches).
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        act: str = "linear",
        up: int = 1,
        down: int = 1,
        bias: bool = True,
    ):
        super().__init__()
        self.conv = _resampling_conv(c_in, c_out, kernel, up, down)
        self.bias = nn.Parameter(torch.zeros(c_out)) if bias else None
        self.kernel, self.up, self.down, self.act = kernel, up, down, act
        self.gain = 1.0 / math.sqrt(c_in * kernel * kernel)

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        x = resample_conv(self.conv, x, self.kernel, self.up, self.down)
        return activate(x, self.bias, self.act, self.gain, gain)


class ModulatedConv2d(nn.Module):
    """StyleGAN2 modulated convolution (no bias): `forward(x, style)`, style `(N, style_dim)`."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        style_dim: int,
        demodulate: bool = True,
        up: int = 1,
    ):
        super().__init__()
        self.conv = _resampling_conv(c_in, c_out, kernel, up, 1)
        self.affine = FullyConnected(style_dim, c_in, bias_init=1.0)
        self.kernel, self.up, self.demodulate = kernel, up, demodulate
        self.gain = 1.0 / math.sqrt(c_in * kernel * kernel)

    def _weight_sq(self) -> torch.Tensor:
        """`(c_out, c_in)` sums of squared (scaled) weights over the kernel."""
        w = self.conv.weight
        if isinstance(self.conv, nn.ConvTranspose2d):
            w = w.transpose(0, 1)
        return (w * self.gain).square().sum(dim=(2, 3))

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        s = self.affine(style)
        x = x * (s * self.gain).to(x.dtype)[:, :, None, None]
        x = resample_conv(self.conv, x, self.kernel, self.up, 1)
        if self.demodulate:
            d = (s.square() @ self._weight_sq().t().to(s.dtype) + 1e-8).rsqrt()
            x = x * d.to(x.dtype)[:, :, None, None]
        return x


class StyleConv(nn.Module):
    """Modulated 3x3 convolution (demodulated), optional per-pixel noise, bias and lrelu.

    With `noise`, a learned strength (initialised to 0) scales either fresh N(0, 1) noise or
    the layer's fixed `noise_const` map (`(resolution, resolution)`, drawn at construction).
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        style_dim: int,
        resolution: int,
        up: int = 1,
        noise: bool = True,
    ):
        super().__init__()
        self.conv = ModulatedConv2d(c_in, c_out, 3, style_dim, demodulate=True, up=up)
        self.noise = noise
        if noise:
            self.register_buffer("noise_const", torch.randn(resolution, resolution))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros(c_out))

    def forward(
        self,
        x: torch.Tensor,
        style: torch.Tensor,
        noise_mode: str = "random",
        rng: torch.Generator | None = None,
    ) -> torch.Tensor:
        x = self.conv(x, style)
        if self.noise:
            n, _, h, w = x.shape
            if noise_mode == "const" and self.noise_const.shape == (h, w):
                noise = self.noise_const.to(x.dtype)
            else:
                noise = torch.randn(n, 1, h, w, device=x.device, generator=rng).to(x.dtype)
            x = x + noise * self.noise_strength.to(x.dtype)
        return activate(x, self.bias, "lrelu")


class ToRGB(nn.Module):
    """1x1 modulated convolution (not demodulated) to RGB plus bias, linear, adding the
    upsampled RGB of the previous resolution (`skip`) when given."""

    def __init__(self, c_in: int, style_dim: int, c_out: int = 3):
        super().__init__()
        self.conv = ModulatedConv2d(c_in, c_out, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(c_out))

    def forward(
        self, x: torch.Tensor, style: torch.Tensor, skip: torch.Tensor | None = None
    ) -> torch.Tensor:
        out = activate(self.conv(x, style), self.bias, "linear")
        if skip is not None:
            out = out + (upsample(skip) if skip.shape != out.shape else skip)
        return out


class MappingNetwork(nn.Module):
    """z `(N, z_dim)` -> w `(N, num_ws, w_dim)`: 2nd-moment normalisation, `layers` lrelu FCs
    with learning-rate multiplier 0.01, broadcast to `num_ws` copies.

    In training mode it tracks the running mean `w_avg` of w (decay 0.995); `psi` < 1 pulls
    every w towards it (the truncation trick).
    """

    def __init__(self, z_dim: int, w_dim: int, num_ws: int, layers: int = 8):
        super().__init__()
        dims = [z_dim] + [w_dim] * layers
        self.fcs = nn.Sequential(
            *(FullyConnected(dims[i], w_dim, "lrelu", lr_mult=0.01) for i in range(layers))
        )
        self.num_ws, self.w_avg_beta = num_ws, 0.995
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: torch.Tensor, psi: float = 1.0, track: bool = True) -> torch.Tensor:
        x = z.float() * (z.float().square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
        w = self.fcs(x)
        if self.training and track:
            with torch.no_grad():
                self.w_avg.copy_(torch.lerp(w.float().mean(0), self.w_avg, self.w_avg_beta))
        ws = w.unsqueeze(1).repeat(1, self.num_ws, 1)
        if psi != 1.0:
            ws = torch.lerp(self.w_avg.to(ws.dtype), ws, psi)
        return ws
