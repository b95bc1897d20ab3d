"""A method's cost: parameters, FLOPs and MACs per image (IGLL's Table 3).

Two conventions, both reported:
- `gflops`: `torch.utils.flop_counter.FlopCounterMode` on one image, FLOPs = 2 x multiply-adds
  of every convolution, transposed convolution, linear layer and matrix product (attention
  included);
- `gmacs_thop`: the `thop` package's `profile` (0.1.1), multiply-adds of convolutions,
  normalisation and a few other layer types, attention matrix products left out: the convention
  of IGLL's Table 3 (it reproduces that table's HAN row, 114.737 G at 256x256).
Parameters count every `nn.Parameter` of the inference networks (frozen ones too, buffers not).
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from geoinpaint.methods.base import TrainableMethod

log = logging.getLogger(__name__)


class _Forward(nn.Module):
    """The method's inference networks behind one `forward(images, masks)` (what thop hooks)."""

    def __init__(self, method: TrainableMethod):
        super().__init__()
        self.method = method
        self.nets = method.nets

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return self.method.predict(images, masks)


def example_inputs(size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """One image with a centred square hole covering a quarter of it (IGLL's 25 % setting)."""
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(1, 3, size, size, generator=gen)
    masks = torch.zeros(1, 1, size, size)
    masks[..., size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1
    return images.to(device), masks.to(device)


def count_parameters(module: nn.Module) -> int:
    """Every parameter element (frozen ones included; buffers are not parameters)."""
    return sum(p.numel() for p in module.parameters())


def torch_flops(method: TrainableMethod, size: int) -> int:
    """FLOPs of one `predict` call on a `size` x `size` image (torch's flop counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    images, masks = example_inputs(size, method.device)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        method.predict(images, masks)
    return int(counter.get_total_flops())


def thop_macs(method: TrainableMethod, size: int, device: torch.device | None = None) -> float:
    """Multiply-adds of one `predict` call as `thop.profile` counts them (inputs on `device`,
    default the method's)."""
    from thop import profile

    images, masks = example_inputs(size, device or method.device)
    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
        macs, _ = profile(_Forward(method), inputs=(images, masks), verbose=False)
    # thop leaves `total_ops`/`total_params` buffers on every module it hooked
    for module in method.nets.modules():
        for key in ("total_ops", "total_params"):
            if key in module._buffers:
                del module._buffers[key]
    return float(macs)


def describe(
    method: TrainableMethod, size: int = 256, device: torch.device | None = None
) -> dict[str, Any]:
    """Parameters (and per inference network), GFLOPs and thop GMACs at `size` x `size`.

    Both counters watch the same forward pass (thop's hooks inside torch's flop counter), so a
    paper-size network runs once (`torch_flops`, `thop_macs` give each alone)."""
    from torch.utils.flop_counter import FlopCounterMode

    method.nets.eval()
    counter = FlopCounterMode(display=False)
    with counter:
        macs = thop_macs(method, size, device)
    return {
        "params": count_parameters(method.nets),
        "params_by_network": {k: count_parameters(v) for k, v in method.nets.items()},
        "gflops": int(counter.get_total_flops()) / 1e9,
        "gmacs_thop": macs / 1e9,
        "size": size,
    }


@contextlib.contextmanager
def _fillers_skipped() -> Iterator[None]:
    """`torch.nn.init`'s fillers (`kaiming_uniform_`, `normal_`, ...) leave their tensor as it is
    while this is open: layers built inside keep uninitialised memory. Only for networks whose
    values are never read. Table 3's paper-size networks hold about 1.2 G parameters, and filling
    them with random numbers took ~30 s of its job before they moved to the meta device."""
    fillers = {
        name: getattr(nn.init, name)
        for name in dir(nn.init)
        if name.endswith("_") and not name.startswith("_") and callable(getattr(nn.init, name))
    }
    try:
        for name in fillers:
            setattr(nn.init, name, lambda tensor, *args, **kwargs: tensor)
        yield
    finally:
        for name, filler in fillers.items():
            setattr(nn.init, name, filler)


def describe_untrained(name: str, size: int = 256, device: str | torch.device = "cpu") -> tuple:
    """`describe` of method `name` built untrained at its registered (paper) settings.
    Returns `(method, description)`.

    The networks are built on `device` without their random initialisation
    (`_fillers_skipped`), then moved to the meta device and run on meta inputs: shapes without
    data, so the counts are the same (tests/methods/test_describe.py) and a 400-GFLOP network
    costs nothing to run. A method whose forward needs data (an `.item()`, a copy to the CPU, a
    tensor made on its own device, an op without a meta kernel) is built again, initialised with
    seed 0, and measured on `device`. Nothing is built under a global meta device: a module
    imported there would keep its module-level tensors on meta.
    """
    from geoinpaint.methods.registry import build_method

    with _fillers_skipped():  # values never read: the networks go to meta
        method = build_method(name, device=torch.device(device))
    try:
        method.nets.to("meta")
        return method, describe(method, size, torch.device("meta"))
    except (RuntimeError, NotImplementedError) as err:
        log.debug("%s: not measurable on the meta device (%s); measuring on %s", name, err, device)
    torch.manual_seed(0)
    method = build_method(name, device=torch.device(device))
    return method, describe(method, size)
