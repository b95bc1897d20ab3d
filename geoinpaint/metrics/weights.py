"""Pretrained files the suite can use (metrics, perceptual loss, encoder initialisation): where they
come from, where they live, whether they are good.

Files live in the torch hub cache, `torch.hub.get_dir()/checkpoints` (by default
`$TORCH_HOME/hub/checkpoints`), the folder the packages that use them (pytorch-fid, torchvision,
piq) read. Nothing here downloads unless asked (`download`); a metric whose file is missing or
fails verification is reported as unavailable with the file named (`require`), never computed
from something else.

Checksums: the packages publish what torch hub's convention puts into the file name, the first
8 hex digits of the file's sha256 (`alexnet-owt-7be5be79.pth`); `sha256` below is that prefix,
copied from the installed packages' source, and verification compares it with the start of the
file's sha256 exactly as `torch.hub.load_state_dict_from_url(check_hash=True)` does. piq publishes
no checksum for `brisque_svm_weights.pt`; that file is checked by what it must contain.

Longer than 300 lines: most of it is the registry itself, one entry per file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
PINS_ENV = "GEOINPAINT_WEIGHT_PINS"
_WARNED: set[str] = set()


class WeightsUnavailable(RuntimeError):
    """A metric's pretrained file is missing or failed verification; the message names it."""


@dataclass(frozen=True)
class WeightFile:
    """One pretrained file in the torch hub cache."""

    name: str  # file name in <hub>/checkpoints, as the consuming package looks it up
    url: str
    sha256: str  # full digest or the published prefix; "" = none published
    needed_by: tuple[str, ...]
    source: str  # which package defines the URL (and loads the file)


WEIGHT_FILES: tuple[WeightFile, ...] = (
    WeightFile(
        "pt_inception-2015-12-05-6726825d.pth",
        "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
        "pt_inception-2015-12-05-6726825d.pth",
        "6726825d",
        ("FID", "KID"),
        "pytorch-fid (inception.FID_WEIGHTS_URL)",
    ),
    WeightFile(
        "alexnet-owt-7be5be79.pth",
        "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
        "7be5be79",
        ("LPIPS (AlexNet)",),
        "torchvision (AlexNet_Weights.IMAGENET1K_V1), loaded by lpips",
    ),
    WeightFile(
        "vgg16-397923af.pth",
        "https://download.pytorch.org/models/vgg16-397923af.pth",
        "397923af",
        (
            "LPIPS (VGG) perceptual loss of the coarse-to-fine models",
            "VGG16 perceptual, style and consistency losses of several deep baselines",
            "ImageNet initialisation of the VGG16 scene classifier (tasks: init: imagenet)",
        ),
        "torchvision (VGG16_Weights.IMAGENET1K_V1), loaded by lpips",
    ),
    WeightFile(
        "vgg16_bn-6c64b313.pth",
        "https://download.pytorch.org/models/vgg16_bn-6c64b313.pth",
        "6c64b313",
        ("ImageNet initialisation of LPN's VGG16-bn branches (tasks: init: imagenet)",),
        "torchvision (VGG16_BN_Weights.IMAGENET1K_V1)",
    ),
    WeightFile(
        "resnet50-0676ba61.pth",
        "https://download.pytorch.org/models/resnet50-0676ba61.pth",
        "0676ba61",
        ("ImageNet initialisation of the lpn-resnet50 branches (tasks: init: imagenet)",),
        "torchvision (ResNet50_Weights.IMAGENET1K_V1, what `pretrained=True` loads)",
    ),
    WeightFile(
        "hrnetv2_w18-8cb57bb9.pth",
        "https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-hrnet/"
        "hrnetv2_w18-8cb57bb9.pth",
        "8cb57bb9",
        ("ImageNet initialisation of the HRNet-W18 segmenter's backbone (tasks: init: imagenet)",),
        "timm (hrnet_w18's pretrained url up to timm 0.8; later timm versions fetch "
        "timm/hrnet_w18.ms_aug_in1k from the Hugging Face hub, which has no hash in its name)",
    ),
    WeightFile(
        "hrnet_w18_small_v1-f460c6bc.pth",
        "https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-hrnet/"
        "hrnet_w18_small_v1-f460c6bc.pth",
        "f460c6bc",
        ("ImageNet initialisation of the hrnet-w18-small segmenter (tasks: init: imagenet)",),
        "timm (hrnet_w18_small's pretrained url up to timm 0.8)",
    ),
    WeightFile(
        "resnet34-b627a593.pth",
        "https://download.pytorch.org/models/resnet34-b627a593.pth",
        "b627a593",
        ("ImageNet initialisation of the coarse-to-fine generators' ResNet-34 encoders",),
        "torchvision (ResNet34_Weights.IMAGENET1K_V1)",
    ),
    WeightFile(
        "vgg19-dcbb9e9d.pth",
        "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
        "dcbb9e9d",
        ("VGG19 perceptual, style and feature losses of IGLL and several deep baselines",),
        "torchvision (VGG19_Weights.IMAGENET1K_V1)",
    ),
    WeightFile(
        "brisque_svm_weights.pt",
        "https://github.com/photosynthesis-team/piq/releases/download/v0.4.0/"
        "brisque_svm_weights.pt",
        "",
        ("BRISQUE (MATLAB-SVR)",),
        "piq (brisque._score_svr)",
    ),
    WeightFile(
        "table5_pidinet.pth",
        "https://github.com/hellozhuo/pidinet/raw/781924fe30469cdc64f63ce6666a3e1f5b4e576f/"
        "trained_models/table5_pidinet.pth",
        "",
        ("IGLL's structure prior (PiDiNet edges; without it IGLL falls back to Canny)",),
        "hellozhuo/pidinet trained_models/ (BSDS500 PiDiNet, 2,871,148 bytes; licence: MIT "
        "text preceded by 'just for research purpose', i.e. research use only)",
    ),
)
BY_NAME = {w.name: w for w in WEIGHT_FILES}  # the registry every function below reads
PERCEPTUAL_TRUNK = "vgg16-397923af.pth"
"""The LPIPS-VGG trunk: without it the coarse-to-fine models train without their perceptual
loss, so alpha1 has no effect (and the workflow shares their training runs)."""


@dataclass(frozen=True)
class BundledFile:
    """A model file shipped inside an installed PyPI package, pinned by its full sha256 so that
    a package update cannot change a metric silently."""

    package: str  # import name
    path: str  # inside the package folder
    sha256: str
    needed_by: tuple[str, ...]


BUNDLED_FILES: tuple[BundledFile, ...] = (
    BundledFile(
        "lpips",
        "weights/v0.1/alex.pth",
        "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0",
        ("LPIPS (AlexNet)",),
    ),
    BundledFile(
        "lpips",
        "weights/v0.1/vgg.pth",
        "a78928a0af1e5f0fcb1f3b9e8f8c3a2a5a3de244d830ad5c1feddc79b8432868",
        ("LPIPS (VGG) perceptual loss of the coarse-to-fine models",),
    ),
    BundledFile(
        "brisque",
        "models/svm.txt",
        "19526fb799c4c7992ccc109fcfecddb25976ba024b194cd3ee275d27e8909c8d",
        ("BRISQUE (LIVE-SVR)",),
    ),
    BundledFile(
        "brisque",
        "models/normalize.pickle",
        "a91753fe7088efe0b40e4d091315201fdb067966fc6785cf465e1eab060acda9",
        ("BRISQUE (LIVE-SVR)",),
    ),
)


def checkpoints_dir() -> Path:
    """`torch.hub.get_dir()/checkpoints`: honours `$TORCH_HOME` at call time.

    Found without importing torch (the Snakefile asks, and torch costs seconds to import) by
    torch's documented rule: `$TORCH_HOME/hub`, else `$XDG_CACHE_HOME/torch/hub`, else
    `~/.cache/torch/hub`; a test checks it against `torch.hub.get_dir()`.
    """
    torch_home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "torch"
    )
    return Path(os.path.expanduser(torch_home)) / "hub" / "checkpoints"


def present(name: str) -> bool:
    """Whether file `name` is in the hub cache, without verifying it (cheap, for planning jobs;
    every consumer still verifies it with `require`)."""
    return (checkpoints_dir() / BY_NAME[name].name).is_file()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_brisque_svm(path: Path) -> str:
    """piq's SVR file must hold (sv_coef, support vectors) over the 36 BRISQUE features."""
    import torch

    try:
        coef, sv = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable file is simply not the model
        return f"not a torch file holding (sv_coef, sv): {err}"
    if coef.ndim != 1 or sv.ndim != 2 or 36 not in sv.shape or coef.numel() not in sv.shape:
        return f"holds tensors of shapes {tuple(coef.shape)}, {tuple(sv.shape)}, not an SVR"
    return ""


def pin_overrides() -> dict[str, str]:
    """`$GEOINPAINT_WEIGHT_PINS`: a JSON file `{file name: sha256}` replacing the registry's
    pins, for tests that run tiny stand-in files in a temporary `$TORCH_HOME` (never set it for
    results: a table's `weights` column records the full sha256 of every file used)."""
    path = os.environ.get(PINS_ENV)
    if not path:
        return {}
    pins = json.loads(Path(path).read_text())
    unknown = sorted(set(pins) - set(BY_NAME))
    if unknown:
        raise ValueError(f"${PINS_ENV} ({path}) pins unregistered file(s) {unknown}")
    if path not in _WARNED:
        _WARNED.add(path)
        log.warning("$%s: sha256 pins of %s replaced from %s", PINS_ENV, ", ".join(pins), path)
    return pins


def problem(w: WeightFile, path: Path | None = None) -> str:
    """Why `path` (default: its place in the hub cache) is not a usable `w`; "" if it is."""
    path = checkpoints_dir() / w.name if path is None else Path(path)
    if not path.is_file():
        return f"not in {path.parent}"
    pin = pin_overrides().get(w.name, w.sha256)
    if pin:
        digest = sha256_of(path)
        if not digest.startswith(pin):
            return f"{path} has sha256 {digest}, expected one starting with {pin}"
    elif w.name == "brisque_svm_weights.pt":
        return _check_brisque_svm(path)
    return ""


def require(name: str) -> Path:
    """Path of a verified file in the hub cache, or `WeightsUnavailable` naming what is wrong."""
    w = BY_NAME[name]
    why = problem(w)
    if why:
        raise WeightsUnavailable(f"needs {w.name}: {why} (install it with `geoinpaint weights`)")
    return checkpoints_dir() / w.name


def bundled_path(b: BundledFile) -> Path | None:
    """Where an installed package keeps `b`; None if the package is not installed."""
    spec = importlib.util.find_spec(b.package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / b.path


def _bundled_problem(b: BundledFile) -> str:
    path = bundled_path(b)
    if path is None or not path.is_file():
        return f"{b.package}/{b.path} not found: is the `{b.package}` package installed?"
    digest = sha256_of(path)
    if digest != b.sha256:
        return f"{path} has sha256 {digest}, expected {b.sha256} (another package version?)"
    return ""


def require_bundled(package: str, path: str) -> Path:
    """Path of a verified package-bundled model file, or `WeightsUnavailable` naming it."""
    (b,) = (b for b in BUNDLED_FILES if (b.package, b.path) == (package, path))
    why = _bundled_problem(b)
    if why:
        raise WeightsUnavailable(f"needs {package}/{path}: {why}")
    return bundled_path(b)  # type: ignore[return-value]


def status() -> list[dict[str, str]]:
    """One record per file, hub-cache files first, then model files bundled in packages:
    file, needed_by, expected sha256, url, source, state (ok / missing / bad), problem, and the
    full sha256 of a present hub-cache file."""
    rows = []
    for w in BY_NAME.values():
        path = checkpoints_dir() / w.name
        why = problem(w)
        rows.append(
            {
                "file": w.name,
                "needed_by": ", ".join(w.needed_by),
                "sha256": w.sha256 or "(none published)",
                "url": w.url,
                "source": w.source,
                "state": "ok" if not why else ("missing" if not path.exists() else "bad"),
                "problem": why,
                "found_sha256": sha256_of(path) if path.is_file() else "",
            }
        )
    for b in BUNDLED_FILES:
        why = _bundled_problem(b)
        rows.append(
            {
                "file": f"{b.package}/{b.path}",
                "needed_by": ", ".join(b.needed_by),
                "sha256": b.sha256,
                "url": "",
                "source": f"bundled with the `{b.package}` PyPI package (installed by pip)",
                "state": "ok" if not why else "bad",
                "problem": why,
                "found_sha256": "",
            }
        )
    return rows


def install_from(folder: Path) -> list[str]:
    """Copy every registered file found in `folder` into the hub cache after verifying it.

    Raises:
        FileNotFoundError: `folder` is not a folder.
        ValueError: no registered file there, or one fails verification (nothing is copied).
    """
    from geoinpaint.atomic import atomic_path

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"--install-from {folder}: folder not found")
    found = [w for w in BY_NAME.values() if (folder / w.name).is_file()]
    if not found:
        names = ", ".join(BY_NAME)
        raise ValueError(f"--install-from {folder}: no pretrained file there; expected {names}")
    if bad := [why for w in found if (why := problem(w, folder / w.name))]:
        raise ValueError("refusing to install: " + "; ".join(bad))
    dest = checkpoints_dir()
    for w in found:
        with atomic_path(dest / w.name) as tmp:
            shutil.copyfile(folder / w.name, tmp)
        log.info("installed %s into %s", w.name, dest)
    return [w.name for w in found]


def download(names: list[str] | None = None) -> list[str]:
    """Download missing or bad files into the hub cache (needs internet), verifying each."""
    import torch

    dest = checkpoints_dir()
    dest.mkdir(parents=True, exist_ok=True)
    done = []
    for w in BY_NAME.values():
        if names and w.name not in names or not problem(w):
            continue
        tmp = dest / f".{w.name}.partial"
        torch.hub.download_url_to_file(w.url, str(tmp), hash_prefix=w.sha256 or None)
        why = problem(w, tmp)
        if why:
            tmp.unlink()
            raise ValueError(f"downloaded {w.url} but {why}")
        os.replace(tmp, dest / w.name)
        log.info("downloaded %s into %s", w.name, dest)
        done.append(w.name)
    return done
