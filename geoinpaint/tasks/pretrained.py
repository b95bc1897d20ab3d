"""ImageNet initialisation of task networks (`tasks.<task>.init: imagenet`).

The papers fine-tune ImageNet models: the task-driven paper's VGG16 (its authors' code loads
torchvision's ImageNet VGG16), LPN's official VGG16-bn branches (CVUSA) and HRNet-W18. The files
come from the torch hub cache through `metrics.weights` (`geoinpaint weights`), verified like
every pretrained file; a missing file is an error naming it, never a silent random start
(`check`, before a training job does any work; the config check warns when the run starts).

What is loaded: every backbone weight the file has for the network; the classification head of
ImageNet (1,000 classes) is dropped and the task's head stays randomly initialised. LPN loads
the same ImageNet stack into both of its branches (the official model does: two copies of one
pretrained network). A file that lacks a weight the backbone needs, or holds one of another
shape, is refused with the names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from geoinpaint.metrics.weights import require, sha256_of

if TYPE_CHECKING:  # torch is imported where a network is loaded: config checks stay light
    import torch
    from torch import nn

Init = str  # "random" | "imagenet"
INITS = ("random", "imagenet")


def _vgg16(model: nn.Module, state: dict[str, torch.Tensor]) -> list[nn.Module]:
    head = {k for k in state if k.startswith("classifier.6.")}  # ImageNet's 1,000 classes
    _load(
        model.net, {k: v for k, v in state.items() if k not in head}, allow_missing="classifier.6."
    )
    return [model.net]


def _features(prefix: str) -> Callable[[nn.Module, dict[str, torch.Tensor]], list[nn.Module]]:
    """LPN: the file's `prefix`-ed weights into every distinct branch."""

    def load(model: nn.Module, state: dict[str, torch.Tensor]) -> list[nn.Module]:
        part = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        branches = list({id(b): b for b in model.branches.values()}.values())
        for branch in branches:
            _load(branch, part)
        return branches

    return load


RESNET_BODY = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4")


def _resnet_branches(model: nn.Module, state: dict[str, torch.Tensor]) -> list[nn.Module]:
    """LPN's ResNet-50 branches are `nn.Sequential` bodies: `conv1.w` is `0.w`, etc."""
    renamed = {}
    for k, v in state.items():
        head, _, rest = k.partition(".")
        if head in RESNET_BODY:
            renamed[f"features.{RESNET_BODY.index(head)}.{rest}"] = v
    return _features("features.")(model, renamed)


def _hrnet(model: nn.Module, state: dict[str, torch.Tensor]) -> list[nn.Module]:
    backbone = model.net.backbone
    _load(backbone, {k: v for k, v in state.items() if k in backbone.state_dict()})
    return [backbone]


LOADERS = {
    "vgg16": ("vgg16-397923af.pth", _vgg16),
    "lpn": ("vgg16_bn-6c64b313.pth", _features("features.")),
    "lpn-resnet50": ("resnet50-0676ba61.pth", _resnet_branches),
    "hrnet-w18": ("hrnetv2_w18-8cb57bb9.pth", _hrnet),
    "hrnet-w18-small": ("hrnet_w18_small_v1-f460c6bc.pth", _hrnet),
}
"""Architecture -> (ImageNet file in `metrics.weights`, loader into the built network)."""


def _load(target: nn.Module, state: dict[str, torch.Tensor], allow_missing: str = "") -> None:
    own = target.state_dict()
    skip = (allow_missing,) if allow_missing else ()
    missing = [k for k in own if k not in state and not k.startswith(skip)]
    shapes = [
        f"{k} is {tuple(state[k].shape)}, expected {tuple(v.shape)}"
        for k, v in own.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or shapes:
        what = ([f"lacks {', '.join(missing[:5])}"] if missing else []) + shapes[:5]
        raise ValueError(f"does not fit {type(target).__name__}: {'; '.join(what)}")
    target.load_state_dict({k: v for k, v in state.items() if k in own}, strict=False)


def imagenet_file(arch: str) -> str:
    """The ImageNet file of `arch`, or a `ValueError` naming the architectures that have one."""
    if arch not in LOADERS:
        raise ValueError(
            f"init: imagenet: {arch!r} has no ImageNet weights (it is built for this suite); "
            f"architectures with ImageNet weights: {', '.join(LOADERS)}"
        )
    return LOADERS[arch][0]


def check(arch: str, init: Init) -> None:
    """Fail before any work if `init` cannot be done for `arch` (see `initialise`)."""
    if init == "imagenet":
        require(imagenet_file(arch))
    elif init != "random":
        raise ValueError(f"unknown init {init!r}, expected one of {INITS}")


def initialise(model: nn.Module, arch: str, init: Init) -> tuple[str, dict[str, str]]:
    """Initialise `model` (built as `arch`) per `init`.

    Returns:
        What was done, for the checkpoint and the tables (`random`, or e.g.
        `imagenet (vgg16-397923af.pth)`), and the file used -> its full sha256.

    Raises:
        WeightsUnavailable: `imagenet` and the file is missing or fails verification (named).
        ValueError: `imagenet` for an architecture without ImageNet weights, or a file that does
            not fit the network.
    """
    if init == "random":
        return "random", {}
    if init != "imagenet":
        raise ValueError(f"unknown init {init!r}, expected one of {INITS}")
    name, load = imagenet_file(arch), LOADERS[arch][1]
    path = require(name)
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        load(model, state)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err
    return f"imagenet ({name})", {name: sha256_of(path)}
