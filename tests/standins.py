"""Tiny stand-ins for the pretrained files: the real files' names, keys and shapes, a few KB each.

Every tensor of two or more dimensions is one random row repeated along its first dimension
(saved as a zero-stride view, so the file holds only that row); loading copies it into a network
of the real size. Tests install them in a temporary `$TORCH_HOME` and pin them through
`$GEOINPAINT_WEIGHT_PINS` (`metrics.weights.pin_overrides`), never in the user's cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn


def _torchvision(name: str, **kwargs) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        import torchvision

        return getattr(torchvision.models, name)(weights=None, **kwargs)

    return build


def _timm(name: str) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        import timm

        return timm.create_model(name, pretrained=False)

    return build


MODELS: dict[str, Callable[[], nn.Module]] = {
    "vgg16-397923af.pth": _torchvision("vgg16"),
    "vgg16_bn-6c64b313.pth": _torchvision("vgg16_bn"),
    "vgg19-dcbb9e9d.pth": _torchvision("vgg19"),
    "resnet34-b627a593.pth": _torchvision("resnet34"),
    "resnet50-0676ba61.pth": _torchvision("resnet50"),
    "alexnet-owt-7be5be79.pth": _torchvision("alexnet"),
    "pt_inception-2015-12-05-6726825d.pth": _torchvision(
        "inception_v3", num_classes=1008, aux_logits=False, init_weights=False
    ),
    "hrnetv2_w18-8cb57bb9.pth": _timm("hrnet_w18"),
    "hrnet_w18_small_v1-f460c6bc.pth": _timm("hrnet_w18_small"),
}
"""Stand-in file name -> the network whose state dict the real file holds."""


def standin_state(shapes: dict[str, torch.Tensor], seed: int = 0) -> dict[str, torch.Tensor]:
    """A state dict with the keys, shapes and dtypes of `shapes` (tensors, e.g. on the meta
    device), small random values, and storage of one row per tensor."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key, ref in shapes.items():
        if not ref.is_floating_point():
            out[key] = torch.zeros(ref.shape, dtype=ref.dtype)
        elif key.endswith("running_var"):
            out[key] = torch.ones(ref.shape)
        elif ref.dim() < 2:
            out[key] = 0.01 * torch.randn(ref.shape, generator=g)
        else:
            row = 0.01 * torch.randn(ref.shape[1:], generator=g)
            out[key] = row.expand(ref.shape)
    return out


def write_standins(folder: Path, names: list[str] | None = None) -> dict[str, str]:
    """Write stand-ins for `names` (default: all) into `folder`; returns name -> sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    pins = {}
    for name in names or list(MODELS):
        with torch.device("meta"):
            shapes = MODELS[name]().state_dict()
        path = folder / name
        torch.save(standin_state(shapes), path)
        pins[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return pins


def install_standins(torch_home: Path, names: list[str] | None = None) -> Path:
    """Stand-ins in `torch_home/hub/checkpoints` and a pins file beside them; returns the pins
    file, for `$GEOINPAINT_WEIGHT_PINS`."""
    pins = write_standins(torch_home / "hub" / "checkpoints", names)
    path = torch_home / "pins.json"
    path.write_text(json.dumps(pins, indent=1))
    return path
