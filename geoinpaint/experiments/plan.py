"""Expand the papers' experiments files with a run's config into everything the workflow runs.

`plan(config)` returns a `Plan` (`experiments.entities`): the dataset roles and their splits,
the frozen mask sets and test sets, the task networks, the training runs (rows whose models are
identical share one), the inpainting/evaluation groups (one test set x one seed: one job each),
and every table and figure with the files it reads. The Snakefile builds its jobs from it;
nothing else in the workflow names a method, a table or a dataset.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from geoinpaint.experiments.entities import (
    MaskSet,
    Output,
    Plan,
    Role,
    TablePlan,
    TableRow,
    TrainingRun,
)
from geoinpaint.experiments.options import method_options, run_key
from geoinpaint.experiments.papers import (
    LabelFormatter,
    PaperSpec,
    RowSpec,
    TableSpec,
    display_map,
    load_paper,
    paper_files,
)
from geoinpaint.runtime import derive_seed

DEFAULT_MASKS: dict[str, dict[str, Any]] = {
    "cloud": {"kind": "cloud", "min_fraction": 0.15, "max_fraction": 0.60, "fill": "cloud"},
    "irregular": {"kind": "irregular", "min_fraction": 0.10, "max_fraction": 0.20, "fill": "white"},
    "own": {"kind": "dataset", "fill": "white"},
    **{
        f"concentrated_{p}": {"kind": "concentrated", "fraction": p / 100, "fill": "white"}
        for p in (10, 25, 77)
    },
}
"""Mask sets every config has (config `masks:` overrides or adds)."""


def _roles(config: dict[str, Any]) -> dict[str, Role]:
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


def _mask_options(spec: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    keys = ("min_fraction", "max_fraction", "fraction", "source")
    return tuple((k, spec[k]) for k in keys if spec.get(k) not in (None, ""))


def _table_role(spec: TableSpec, roles: dict[str, Role], config: dict[str, Any]) -> list[str]:
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


class _Builder:
    """Accumulates the plan's entities while tables are expanded."""

    def __init__(self, config: dict[str, Any]):
        from geoinpaint.tasks.spec import get_task

        self.config = config
        self.run = config["run_name"]
        self.seed = int(config.get("seed", 0))
        self.seeds = [int(s) for s in config.get("seeds", [self.seed])]
        self.resample = bool(config.get("resample_test", False))
        self.roles = _roles(config)
        self.masks = {**DEFAULT_MASKS, **config.get("masks", {})}
        self.get_task = get_task
        self.masksets: dict[tuple[str, str], MaskSet] = {}
        self.runs: dict[tuple[str, int, str, str], TrainingRun] = {}
        self.groups: dict[tuple[str, str, int], dict[str, Output]] = {}

    def _maskset(self, role: str, name: str, kind_name: str, n: int, seed: int) -> None:
        if kind_name not in self.masks:
            raise ValueError(
                f"mask set {kind_name!r} is not defined; known: {', '.join(sorted(self.masks))}"
            )
        spec = self.masks[kind_name]
        r = self.roles[role]
        if spec["kind"] == "dataset":
            from geoinpaint.data.datasets import get_dataset

            if not get_dataset(r.source).own_masks:
                raise ValueError(
                    f"mask set {kind_name!r} is {role}'s own masks, but {r.source} has none "
                    "(a procedural stand-in never does: narrow the tables, "
                    "experiments.<paper>.tables)"
                )
        self.masksets.setdefault(
            (role, name),
            MaskSet(
                role,
                name,
                spec["kind"],
                _mask_options(spec),
                n,
                seed,
                r.size,
                spec.get("fill", "white"),
            ),
        )

    def test_maskset(self, role: str, maskset: str) -> None:
        r = self.roles[role]
        if self.resample:
            for k in self.seeds:
                self._maskset(
                    role,
                    f"{maskset}_seed{k}",
                    maskset,
                    r.n_test,
                    derive_seed(k, "masks", "test", maskset),
                )
        else:
            self._maskset(role, maskset, maskset, r.n_test, self.seed)

    def train_maskset(self, role: str, kind_name: str, seed: int) -> str:
        name = f"train_{kind_name}_seed{seed}"
        self._maskset(
            role, name, kind_name, self.roles[role].n_train, derive_seed(seed, "masks", "train")
        )
        return name

    def warm_up(
        self, method: str, spec: TableSpec, role: str, seed: int, masks: str
    ) -> TrainingRun | None:
        """The warm-up run a method's runs start from (config `warm_start:`, by family or
        name), added to the plan once per role, seed and training masks; None without one."""
        from geoinpaint.experiments.options import family_of
        from geoinpaint.methods.registry import traits

        table = self.config.get("warm_start") or {}
        entry = table.get(method) or table.get(family_of(traits(method)["cls"]))
        if not entry:
            return None
        warm_method = entry["method"]
        extra = {"epochs": entry["epochs"], **(entry.get("options") or {})}
        options, _ = method_options(warm_method, self.config, spec, {}, self.roles[role].size)
        options.update(extra)
        self._check(warm_method, options, role, spec)
        key = run_key(f"warmup-{warm_method}", extra)
        run = TrainingRun(role, seed, masks, key, warm_method, tuple(sorted(options.items())))
        return self.runs.setdefault((role, seed, masks, key), run)

    def _check(self, method: str, options: dict[str, Any], role: str, spec: TableSpec) -> None:
        where = f"table {spec.paper} {spec.id}, dataset {role}"
        _check_run(method, options, self.roles[role].size, where)

    def output(self, row: RowSpec, spec: TableSpec, role: str, maskset: str, seed: int) -> Output:
        group = self.groups.setdefault((role, maskset, seed), {})
        if row.source != "method":
            out = Output(role, maskset, seed, row.source, row.source)
            return group.setdefault(out.key, out)
        from geoinpaint.methods.registry import trained_as, traits

        method = row.method or ""
        if not traits(method)["trained"]:
            key = method if not row.options else run_key(method, row.overrides)
            out = Output(role, maskset, seed, key, "method", method, options=row.options)
            return group.setdefault(out.key, out)
        size = self.roles[role].size
        options, effective = method_options(method, self.config, spec, row.overrides, size)
        self._check(method, options, role, spec)
        train_kind = spec.train_maskset or self.get_task(self.roles[role].task).default_maskset
        self.train_maskset(role, train_kind, seed)
        warm = self.warm_up(trained_as(method), spec, role, seed, f"train_{train_kind}")
        run = TrainingRun(
            role,
            seed,
            f"train_{train_kind}",
            run_key(trained_as(method), effective),
            trained_as(method),
            tuple(sorted(options.items())),
            warm.key if warm else "",
        )
        run = self.runs.setdefault((role, seed, run.train_maskset, run.key), run)
        if run.overrides != options:
            raise ValueError(f"training runs {run.key} of {role} differ in their options")
        out = Output(role, maskset, seed, run_key(method, effective), "method", method, run)
        return group.setdefault(out.key, out)


def _check_run(method: str, options: dict[str, Any], size: int, where: str) -> None:
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


def _label(row: RowSpec, method_label: str, display: dict[str, str], size: int) -> str:
    template = row.label_template if row.label_template != row.method else method_label
    try:
        return LabelFormatter(display, size).format(template, **row.overrides)
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f"row label {template!r}: {err} (options {row.overrides})") from err


def _cost_table(spec: TableSpec, only: list[str] | None) -> TablePlan:
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


def _table(b: _Builder, spec: TableSpec, display: dict[str, str], only: list[str] | None):
    from geoinpaint.methods.registry import method_names, traits

    if spec.kind == "cost":
        return _cost_table(spec, only)
    roles = _table_role(spec, b.roles, b.config)
    masksets = list(spec.masksets) or [b.get_task(b.roles[roles[0]].task).default_maskset]
    blocks = [(r, m) for r in roles for m in masksets]
    known = set(method_names())
    plan = TablePlan(spec, blocks, [])
    for row in spec.rows:
        # a config's `methods:` narrowing never drops the `external:` rows it asked for itself
        kept = row.method == "external" or only is None or row.method in only
        if row.method is not None and not kept:
            plan.excluded.append(row.label_template)
            continue
        size = b.roles[roles[0]].size
        if row.method is not None and row.method not in known:
            label = _label(row, row.method, display, size)
            plan.rows.append(
                TableRow(
                    label,
                    row.method,
                    row.source,
                    missing=f"method {row.method!r} is not implemented yet",
                )
            )
            continue
        method_label = traits(row.method)["label"] if row.method else row.label_template
        entry = TableRow(_label(row, method_label, display, size), row.method or "", row.source)
        for role, maskset in blocks:
            b.test_maskset(role, maskset)
            entry.outputs[(role, maskset)] = {
                k: b.output(row, spec, role, maskset, k) for k in b.seeds
            }
        plan.rows.append(entry)
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


def plan(config: dict[str, Any], papers_dir: Path | str = "config/experiments") -> Plan:
    """The whole run (see the module docstring) of `config` over the papers in `papers_dir`."""
    b = _Builder(config)
    papers, tables = {}, {}
    wanted = config.get("experiments") or {}
    for name, path in paper_files(Path(papers_dir)).items():
        if wanted and name not in wanted:
            continue
        overrides = wanted.get(name) or {}
        paper = add_external_rows(load_paper(path, overrides), config.get("external") or [])
        papers[name] = paper
        display = display_map(path)
        only = overrides.get("methods")
        for tid, spec in paper.tables.items():
            tables[(name, tid)] = _table(b, spec, display, only)
    # every task network is scored on its clean and occluded test images (its sanity figure)
    for role, r in b.roles.items():
        if b.get_task(r.task).has_network:
            maskset = b.get_task(r.task).default_maskset
            b.test_maskset(role, maskset)
            for seed in b.seeds:
                group = b.groups.setdefault((role, maskset, seed), {})
                for source in ("clean", "occluded"):
                    group.setdefault(source, Output(role, maskset, seed, source, source))
    return Plan(b.run, b.seeds, b.roles, b.masksets, b.runs, b.groups, papers, tables, b.resample)
