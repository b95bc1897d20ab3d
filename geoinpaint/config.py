"""Checks of a run's config that its JSON schema cannot express, made before any job runs.

The Snakefile validates the config against config/schema.yaml (types, unknown keys, defaults),
then calls `check_config`: every error names the key that is wrong and what was expected, so a
typo stops the run in its first second, not in hour two.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _check_methods(config: dict[str, Any]) -> None:
    from geoinpaint.experiments.options import family_of
    from geoinpaint.methods.registry import method_names, traits

    names = method_names()
    families = {family_of(traits(n)["cls"]) for n in names} - {""}
    known = {"*", *names, *families}
    for key in config.get("methods") or {}:
        if key not in known:
            raise ValueError(
                f"methods.{key}: no registered method or family of that name; known: "
                f"{', '.join(sorted(known))}"
            )


def _check_tasks(config: dict[str, Any]) -> None:
    from geoinpaint.tasks.spec import get_task

    for task, t in (config.get("tasks") or {}).items():
        arch = t.get("arch")
        if arch is None:
            continue
        registry = get_task(task).load("networks")
        if arch not in registry.names():
            raise ValueError(
                f"tasks.{task}.arch: {arch!r} is not registered; known: "
                f"{', '.join(registry.names())}"
            )
        if t.get("init") == "imagenet":
            _check_imagenet(task, arch)


def _check_imagenet(task: str, arch: str) -> None:
    """`init: imagenet` needs an architecture with an ImageNet file (an error) and the file
    (a warning: a dry run or a plan may come before `geoinpaint weights --download`)."""
    from geoinpaint.metrics.weights import checkpoints_dir, present
    from geoinpaint.tasks.pretrained import imagenet_file

    try:
        name = imagenet_file(arch)
    except ValueError as err:
        raise ValueError(f"tasks.{task}.{err}") from None
    if not present(name):
        log.warning(
            "tasks.%s.init: imagenet needs %s, which is not in %s: its train_task job will "
            "fail until `geoinpaint weights --download` (or --install-from) puts it there",
            task,
            name,
            checkpoints_dir(),
        )


def _check_datasets(config: dict[str, Any]) -> None:
    from geoinpaint.data.datasets import dataset_names, get_dataset

    for role, d in (config.get("datasets") or {}).items():
        source = d.get("source", "synthetic")
        if source not in dataset_names():
            raise ValueError(
                f"datasets.{role}.source: {source!r} is not a registered dataset; known: "
                f"{', '.join(dataset_names())}"
            )
        dataset = get_dataset(source)
        root = d.get("root", "")
        if dataset.real and not (root and Path(root).is_dir()):
            raise ValueError(
                f"datasets.{role}.root: {root or '(empty)'} is not a folder; {dataset.title} "
                f"must be there in its official layout (docs/datasets.md; {dataset.source})"
            )


def _check_masks(config: dict[str, Any]) -> None:
    for name, m in (config.get("masks") or {}).items():
        lo, hi = m.get("min_fraction"), m.get("max_fraction")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"masks.{name}: min_fraction {lo} is above max_fraction {hi}")
        if m["kind"] == "concentrated" and m.get("fraction") is None:
            raise ValueError(f"masks.{name}: a concentrated mask set needs `fraction`")


def check_config(config: dict[str, Any]) -> None:
    """Raise `ValueError` naming the first key that is wrong (see the module docstring);
    normalises `seeds` given on the command line (strings) to integers."""
    config["seeds"] = [int(s) for s in config.get("seeds", [config.get("seed", 0)])]
    if len(set(config["seeds"])) != len(config["seeds"]):
        raise ValueError(f"seeds: {config['seeds']} repeats a seed")
    from geoinpaint.methods.registry import load_plugins

    load_plugins(list(config.get("plugins") or []))
    _check_methods(config)
    _check_tasks(config)
    _check_datasets(config)
    _check_masks(config)


def load_config(path: str | Path = "config/config.yaml", **overrides: Any) -> dict[str, Any]:
    """A config file validated against config/schema.yaml with its defaults filled in, as the
    Snakefile loads it, with top-level `overrides` (for tools and tests)."""
    import yaml
    from snakemake.utils import validate

    config = {**(yaml.safe_load(Path(path).read_text()) or {}), **overrides}
    validate(config, str(Path(path).resolve().parent / "schema.yaml"))
    return config
