"""The task-driven inpainting paper's experiments as data: its method variants, and the rows of
Tables I-VIII and Section H, expanded from the config's grids.

Torch-free on purpose: the Snakefile reads it to build the job graph.

A row names a registered method and the options it overrides over the task's base options
(config `inpainting.options`, plus the task's lambda). Two rows whose trained model would be
the same share one training run: the options equal to the base are dropped from a variant's key
(the lambda = 5 row of Table IV *is* Proposed), `coarse-only` is the Proposed model's coarse
output (Sec. H), and while the LPIPS-VGG trunk is missing alpha1 has no effect, so it is dropped
from the training key (the rows say so).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "proposed_b": {"task_loss": False, "augment": "none"},
    "proposed-": {"task_loss": True, "augment": "none"},
    "proposed": {"task_loss": True, "augment": "maskmix"},
    "proposed-augmix": {"task_loss": True, "augment": "augmix"},
    "coarse-only": {"task_loss": True, "augment": "maskmix"},
}
"""What each registered coarse-to-fine method fixes (paper Sec. IV-D, H, L); the rest is config."""
TRAINED_AS = {"coarse-only": "proposed"}
"""Methods that are another method's trained model, read at another output."""
LABELS = {
    "proposed_b": "Proposed_b",
    "proposed-": "Proposed-",
    "proposed": "Proposed",
    "proposed-augmix": "Proposed (AugMix)",
    "coarse-only": "Coarse-only",
}
TASK_OF_TABLE = {"I": "classification", "II": "crossview", "III": "segmentation"}
ABLATION_TABLES = ("IV", "V", "VI", "VII", "VIII", "H")
DISPLAY = {"patchgan": "PatchGAN", "dcgan": "DCGAN", "maskmix": "MaskMix", "augmix": "AugMix"}


@dataclass(frozen=True)
class Row:
    """One row of a paper table that an inpainting model produces.

    Attributes:
        table: "I".."VIII" or "H".
        label: the row's label in the table.
        method: registered method name.
        overrides: options over the task's base options, sorted `(key, value)` pairs.
        task: the geoscience task whose frozen network and test set the row uses.
    """

    table: str
    label: str
    method: str
    overrides: tuple[tuple[str, Any], ...]
    task: str


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def base_options(config: dict[str, Any], task: str) -> dict[str, Any]:
    """The options every coarse-to-fine model of `task` starts from: `inpainting.options`, the
    task's lambda, and the MaskMix / AugMix settings of `occlusion`."""
    inp = config["inpainting"]
    occlusion = config.get("occlusion", {})
    augment = {k: occlusion[k] for k in ("maskmix", "augmix") if k in occlusion}
    return {**inp["options"], **augment, "lambda_task": inp["lambda_task"][task]}


def effective(row: Row, config: dict[str, Any]) -> dict[str, Any]:
    """The row's overrides that differ from its task's base options."""
    base = base_options(config, row.task)
    return {k: v for k, v in row.overrides if base.get(k) != v}


def variant_key(row: Row, config: dict[str, Any]) -> str:
    """Folder name of the row's outputs: the method, then each effective override."""
    parts = [row.method] + [f"{k}-{_fmt(v)}" for k, v in sorted(effective(row, config).items())]
    return "_".join(parts)


def training_key(row: Row, config: dict[str, Any], perceptual_available: bool) -> str:
    """Folder name of the training run behind a row (shared by rows with the same model)."""
    opts = effective(row, config)
    if not perceptual_available:
        opts.pop("alpha1", None)
    method = TRAINED_AS.get(row.method, row.method)
    return "_".join([method] + [f"{k}-{_fmt(v)}" for k, v in sorted(opts.items())])


def training_options(
    row: Row, config: dict[str, Any], perceptual_available: bool = True
) -> dict[str, Any]:
    """Every option of the row's training run (base options with the row's overrides; without
    the LPIPS-VGG trunk alpha1 stays at its base value, as the run is shared)."""
    overrides = dict(row.overrides)
    if not perceptual_available:
        overrides.pop("alpha1", None)
    return {**base_options(config, row.task), **overrides}


def _row(table: str, label: str, method: str, task: str = "classification", **kw: Any) -> Row:
    return Row(table, label, method, tuple(sorted(kw.items())), task)


def _patch_sizes(d: int, size: int) -> str:
    side = size // 2**d
    return f"{side}x{side}"


def table_rows(config: dict[str, Any], table: str) -> list[Row]:
    """The inpainting-model rows of a paper table, in the paper's order."""
    if table in TASK_OF_TABLE:
        task = TASK_OF_TABLE[table]
        return [_row(table, LABELS[m], m, task) for m in config["inpainting"]["methods"]]
    grid = config["inpainting"]["ablations"]
    size = config["data"]["image_size"]
    if table == "IV":
        return [
            _row(table, f"lambda = {_fmt(v)}", "proposed", lambda_task=v) for v in grid["lambda"]
        ]
    if table == "V":
        return [
            _row(
                table, f"alpha1 = {_fmt(a1)}, alpha2 = {_fmt(a2)}", "proposed", alpha1=a1, alpha2=a2
            )
            for a1 in grid["alpha1"]
            for a2 in grid["alpha2"]
        ]
    if table == "VI":
        return [
            _row(
                table,
                f"d_c = {dc} ({_patch_sizes(dc, size)}), d_r = {dr} ({_patch_sizes(dr, size)})",
                "proposed",
                d_coarse=dc,
                d_refine=dr,
            )
            for dc, dr in grid["patchgan_layers"]
        ]
    if table == "VII":
        return [
            _row(table, f"{{{DISPLAY[c]}, {DISPLAY[r]}}}", "proposed", disc_coarse=c, disc_refine=r)
            for c, r in grid["discriminators"]
        ]
    if table == "VIII":
        methods = {"maskmix": "proposed", "augmix": "proposed-augmix"}
        return [_row(table, DISPLAY[a], methods[a]) for a in grid["augmentation"]]
    if table == "H":
        return [
            _row(table, "Coarse-only", "coarse-only"),
            _row(table, "Coarse-to-fine", "proposed"),
        ]
    raise ValueError(f"unknown table {table!r}")


def all_rows(config: dict[str, Any]) -> list[Row]:
    """Every model row of every table."""
    tables: Iterable[str] = (*TASK_OF_TABLE, *ABLATION_TABLES)
    return [row for table in tables for row in table_rows(config, table)]


def tables(config: dict[str, Any]) -> list[str]:
    """The model tables a config asks for: I-III (if it trains any method), then its ablations."""
    inp = config["inpainting"]
    main = list(TASK_OF_TABLE) if inp["methods"] else []
    return main + [t for t in ABLATION_TABLES if t in inp["ablations"]["tables"]]


@dataclass(frozen=True)
class Variant:
    """A trained model's outputs on a task's test set: one folder, one row of one or more tables.

    Attributes:
        task: the geoscience task.
        key: folder name (`variant_key`).
        method: registered method that inpaints (e.g. `coarse-only`).
        run: training run it reads (`training_key`).
    """

    task: str
    key: str
    method: str
    run: str


@dataclass(frozen=True)
class TrainingRun:
    """One training of a coarse-to-fine model.

    Attributes:
        task: whose training split, masks and frozen task network it uses.
        key: file name of its checkpoint (`training_key`).
        method: registered method that is trained.
        options: every option of the model (`training_options`).
    """

    task: str
    key: str
    method: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """Every table row that a trained model produces, with its outputs and training run."""

    rows: dict[str, list[tuple[Row, Variant]]]
    variants: dict[tuple[str, str], Variant]
    runs: dict[tuple[str, str], TrainingRun]

    def task_variants(self, task: str) -> list[Variant]:
        """A task's variants, in the order their tables first list them."""
        return [v for (t, _), v in self.variants.items() if t == task]


def plan(config: dict[str, Any], perceptual_available: bool) -> Plan:
    """The rows of every requested table, the output folders they read and the training runs
    behind them (rows with the same model share one run)."""
    rows: dict[str, list[tuple[Row, Variant]]] = {}
    variants: dict[tuple[str, str], Variant] = {}
    runs: dict[tuple[str, str], TrainingRun] = {}
    for table in tables(config):
        rows[table] = []
        for row in table_rows(config, table):
            run_key = training_key(row, config, perceptual_available)
            variant = Variant(row.task, variant_key(row, config), row.method, run_key)
            variants.setdefault((row.task, variant.key), variant)
            runs.setdefault(
                (row.task, run_key),
                TrainingRun(
                    row.task,
                    run_key,
                    TRAINED_AS.get(row.method, row.method),
                    training_options(row, config, perceptual_available),
                ),
            )
            rows[table].append((row, variant))
    return Plan(rows, variants, runs)
