"""The dataset registry: every dataset a table can use, and how its split layout is written.

A dataset provides the train/ and test/ splits of one or more tasks' layouts (`data.scenes`):
`synthetic` writes procedural scenes for every task; the real datasets import a user's copy in
its official layout (`data.real` verifies it, `data.prepare` resizes and splits it). The
workflow calls `prepare` through `geoinpaint prepare`,
into a temporary folder that replaces the output only when complete: a bad root never touches
an existing split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from geoinpaint.registry import Registry

TASK_LAYOUTS = ("classification", "crossview", "segmentation", "inpainting")
"""Split layouts: images with class labels (also used by inpainting-only tables), aerial/ground
pairs, images with label maps."""


@dataclass(frozen=True)
class PrepareArgs:
    """What a dataset's `prepare` receives.

    Attributes:
        out: folder to fill with `train/` and `test/`.
        task: the layout to write (one of the dataset's `tasks`).
        size: image side after resizing.
        seed: seeds the split (real datasets) or the scenes (synthetic).
        root: the user's copy of a real dataset (unused by `synthetic`).
        train_per_class, test_per_class: procedural scenes per class (`synthetic` only).
        train_fraction: share of each class's images used for training (RSSCN7 protocol: 0.5).
        limit: keep this many samples per split, evenly spaced (0 = all), for tiny runs.
    """

    out: Path
    task: str
    size: int
    seed: int
    root: Path | None = None
    train_per_class: int = 60
    test_per_class: int = 30
    train_fraction: float = 0.5
    limit: int = 0


@dataclass(frozen=True)
class Dataset:
    """A registered dataset.

    Attributes:
        name: config name (`tasks.<task>.dataset`, `datasets.<role>.source`).
        title: how tables and figures name it.
        tasks: the layouts it can write.
        source: where to get it (printed in every error about a missing copy).
        prepare: writes `args.out/{train,test}`.
        scan: verifies a copy at a root and lists its samples (`geoinpaint check-data`).
        real: False for procedural data (tables then say "procedural stand-in").
        max_images: an upper bound of the images in either split (sizes frozen mask sets).
    """

    name: str
    title: str
    tasks: tuple[str, ...]
    source: str
    prepare: Callable[[PrepareArgs], None]
    scan: Callable[[Path], object] | None = None
    real: bool = True
    max_images: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    own_masks: bool = False  # writes each test image's own hole (mask kind `dataset`)


DATASETS: Registry[Dataset] = Registry("dataset")


def register_dataset(dataset: Dataset) -> Dataset:
    """Register `dataset` under its name."""
    DATASETS.register(dataset.name)(lambda: dataset)
    return dataset


def get_dataset(name: str) -> Dataset:
    """The registered dataset `name` (a `KeyError` lists the registered ones)."""
    return DATASETS.build(name)


def dataset_names() -> list[str]:
    return DATASETS.names()


def _synthetic(a: PrepareArgs) -> None:
    from geoinpaint.data.scenes import write_split

    layout = "classification" if a.task == "inpainting" else a.task
    for split, n in (("train", a.train_per_class), ("test", a.test_per_class)):
        write_split(a.out / split, split, n, a.size, a.seed, layout)


def _need_root(a: PrepareArgs, name: str) -> Path:
    if a.root is None or not str(a.root):
        raise ValueError(
            f"dataset {name!r} needs its root folder: set datasets.<role>.root in the config "
            "(see docs/datasets.md for the layout and download page)"
        )
    return Path(a.root)


def _classification(name: str, scanner: Callable) -> Callable[[PrepareArgs], None]:
    def prepare(a: PrepareArgs) -> None:
        from geoinpaint.data.prepare import prepare_classification

        # a full import checks the official counts; a tiny one (limit) reads what is there
        scan = scanner if not a.limit else (lambda root: scanner(root, strict=False))
        prepare_classification(
            scan, _need_root(a, name), a.out, a.size, a.seed, a.train_fraction, a.limit
        )

    return prepare


def _cvusa(a: PrepareArgs) -> None:
    from geoinpaint.data.prepare import prepare_crossview
    from geoinpaint.data.real.cvusa import scan_cvusa

    prepare_crossview(scan_cvusa, _need_root(a, "cvusa"), a.out, a.size, a.limit)


def _loveda(a: PrepareArgs) -> None:
    from geoinpaint.data.prepare import prepare_segmentation
    from geoinpaint.data.real.loveda import scan_loveda

    prepare_segmentation(scan_loveda, _need_root(a, "loveda"), a.out, a.size, a.limit)


def _rice(a: PrepareArgs) -> None:
    from geoinpaint.data.prepare import prepare_images
    from geoinpaint.data.real.rice import scan_rice

    frame = scan_rice(_need_root(a, "rice"), "RICE2")
    prepare_images(frame, "label", a.out, a.size, a.seed, a.train_fraction, a.limit, "mask")


def _clearview(a: PrepareArgs) -> None:
    from geoinpaint.data.prepare import prepare_images
    from geoinpaint.data.real.clearview import scan_clearview

    frame = scan_clearview(_need_root(a, "clear-view"))
    prepare_images(frame, "label", a.out, a.size, a.seed, a.train_fraction, a.limit, "mask")


def _scanner(module: str, function: str) -> Callable[..., object]:
    def scan(root: Path, **kwargs: object) -> object:
        import importlib

        found = getattr(importlib.import_module(f"geoinpaint.data.real.{module}"), function)
        if "strict" in kwargs and module != "rsscn7":
            kwargs.pop("strict")  # only RSSCN7's scan checks the official per-class counts
        return found(root, **kwargs)

    return scan


register_dataset(
    Dataset(
        "synthetic",
        "procedural scenes",
        TASK_LAYOUTS,
        "generated by geoinpaint (geoinpaint.data.synthetic)",
        _synthetic,
        real=False,
    )
)
register_dataset(
    Dataset(
        "rsscn7",
        "RSSCN7",
        ("classification", "inpainting"),
        "https://github.com/palewithout/RSSCN7 (Zou et al. 2015)",
        _classification("rsscn7", _scanner("rsscn7", "scan_rsscn7")),
        _scanner("rsscn7", "scan_rsscn7"),
        max_images=2800,
    )
)
register_dataset(
    Dataset(
        "aid",
        "AID",
        ("classification", "inpainting"),
        "https://captain-whu.github.io/AID/ (Xia et al. 2017)",
        _classification("aid", _scanner("aid", "scan_aid")),
        _scanner("aid", "scan_aid"),
        max_images=10000,
    )
)
register_dataset(
    Dataset(
        "cvusa",
        "CVUSA",
        ("crossview",),
        "https://mvrl.cse.wustl.edu/datasets/cvusa/ (request access from the authors)",
        _cvusa,
        _scanner("cvusa", "scan_cvusa"),
        max_images=35532,
    )
)
register_dataset(
    Dataset(
        "loveda",
        "LoveDA",
        ("segmentation",),
        "https://github.com/Junjue-Wang/LoveDA (Zenodo record 5706578)",
        _loveda,
        _scanner("loveda", "scan_loveda"),
        max_images=4191,
    )
)
register_dataset(
    Dataset(
        "rice",
        "RICE",
        ("inpainting",),
        "https://github.com/BUPTLdy/RICE_DATASET (Lin et al. 2019)",
        _rice,
        _scanner("rice", "scan_rice"),
        max_images=736,
        own_masks=True,
    )
)
register_dataset(
    Dataset(
        "clear-view",
        "Clear-View",
        ("inpainting",),
        "https://sites.google.com/view/clearviewdataset (Bhattacharya & Baweja 2021)",
        _clearview,
        _scanner("clearview", "scan_clearview"),
        max_images=21080,
        own_masks=True,
    )
)
