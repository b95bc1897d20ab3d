"""The pieces of the plan that need no builder state: dataset roles from the config, a
table's roles, the run checks, row labels, cost tables and the config's external rows."""

from __future__ import annotations

import dataclasses
from typing import Any

from geoinpaint.experiments.entities import Role, TablePlan, TableRow
from geoinpaint.experiments.papers import LabelFormatter, PaperSpec, RowSpec, TableSpec
from geoinpaint.runtime import derive_seed


def roles_of(config: dict[str, Any]) -> dict[str, Role]:
    seed = int(config.get("seed", 0))
    tasks_of = {t["dataset"]: name for name, t in config.get("tasks", {}).items()}
    roles = {}
    for name, d in config.get("datasets", {}).items():
        from geoinpaint.data.datasets import get_dataset

        dataset = get_dataset(d.get("source", "synthetic"))
        task = tasks_of.get(name, "inpainting")
        if task not in dataset.tasks:
            raise ValueError(
                f"datasets.{name}: {dataset.name} provides {', '.join(dataset.tasks)} data, "
                f"but {name} serves the {task} task"
            )
        roles[name] = Role(
            name=name,
            source=dataset.name,
            task=task,
            size=int(d.get("size", 64)),
            root=str(d.get("root", "")),
            train_per_class=int(d.get("train_per_class", 60)),
            test_per_class=int(d.get("test_per_class", 30)),
            train_fraction=float(d.get("train_fraction", 0.5)),
            limit=int(d.get("limit", 0)),
            real=dataset.real,
            # each procedural stand-in is a draw of its own, so two roles never share scenes
            seed=seed if dataset.real else derive_seed(seed, "data", name),
        )
    for task, t in config.get("tasks", {}).items():
        if t["dataset"] not in roles:
            raise ValueError(
                f"tasks.{task}.dataset is {t['dataset']!r}, which `datasets:` does not define "
                f"(defined: {', '.join(sorted(roles)) or 'none'})"
            )
    return roles


def table_roles(spec: TableSpec, roles: dict[str, Role], config: dict[str, Any]) -> list[str]:
    if spec.datasets:
        missing = [d for d in spec.datasets if d not in roles]
        if missing:
            raise ValueError(
                f"table {spec.paper} {spec.id} uses dataset role(s) {missing}; the config's "
                f"`datasets:` defines {sorted(roles)}"
            )
        return list(spec.datasets)
    task = config.get("tasks", {}).get(spec.task)
    if task is None:
        raise ValueError(
            f"table {spec.paper} {spec.id} is on the {spec.task} task, which the config's "
            "`tasks:` does not define"
        )
    return [task["dataset"]]


def check_run(method: str, options: dict[str, Any], size: int, where: str) -> None:
    from geoinpaint.methods.options import make_options
    from geoinpaint.methods.registry import traits

    t = traits(method)
    try:
        built = make_options(t["cls"].Options, {**options, **t["preset"]})
    except (ValueError, TypeError) as err:
        raise ValueError(f"{where}: {err}") from err
    problem = t["cls"].size_problem(built, size)
    if problem:
        raise ValueError(f"{where}: {method} on {size}x{size} images: {problem}")


def row_label(row: RowSpec, method_label: str, display: dict[str, str], size: int) -> str:
    template = row.label_template if row.label_template != row.method else method_label
    try:
        return LabelFormatter(display, size).format(template, **row.overrides)
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f"row label {template!r}: {err} (options {row.overrides})") from err


def cost_table(spec: TableSpec, only: list[str] | None) -> TablePlan:
    """A row per registered trained method (`rows: all`), or the rows named; no data."""
    from geoinpaint.methods.registry import method_names, traits

    names = [r.method for r in spec.rows if r.method] or [
        n for n in method_names() if traits(n)["trained"]
    ]
    plan = TablePlan(spec, [], [])
    for name in names:
        if only is not None and name not in only:
            plan.excluded.append(name)
        else:
            plan.rows.append(TableRow(traits(name)["label"], name, "method"))
    return plan


def add_external_rows(paper: PaperSpec, external: list[dict[str, Any]]) -> PaperSpec:
    """Append the config's `external:` rows (another tool's outputs) to the tables they name
    (`table: <paper>/<id>`)."""
    tables = dict(paper.tables)
    for entry in external:
        name, _, tid = str(entry["table"]).partition("/")
        if name != paper.name:
            continue
        if tid not in tables:
            raise ValueError(
                f"external: {entry['label']!r} names table {entry['table']}, "
                f"which {paper.name} does not have ({', '.join(tables)})"
            )
        row = RowSpec(
            str(entry["label"]),
            "external",
            "method",
            (("folder", str(entry["folder"])),),
            str(entry["label"]),
        )
        tables[tid] = dataclasses.replace(tables[tid], rows=(*tables[tid].rows, row))
    return dataclasses.replace(paper, tables=tables)
