"""Expand the papers' experiments files with a run's config into everything the workflow runs.

`plan(config)` returns a `Plan` (`experiments.entities`): the dataset roles and their splits,
the frozen mask sets and test sets, the task networks, the training runs (rows whose models are
identical share one), the inpainting/evaluation groups (one test set x one seed: one job each),
and every table and figure with the files it reads. The Snakefile builds its jobs from it;
nothing else in the workflow names a method, a table or a dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geoinpaint.experiments.entities import (
    MaskSet,
    Output,
    Plan,
    TablePlan,
    TableRow,
    TrainingRun,
)
from geoinpaint.experiments.options import method_options, run_key
from geoinpaint.experiments.papers import (
    RowSpec,
    TableSpec,
    display_map,
    load_paper,
    paper_files,
)
from geoinpaint.experiments.rows import (
    add_external_rows,
    check_run,
    cost_table,
    roles_of,
    row_label,
    table_roles,
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


def _mask_options(spec: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    keys = ("min_fraction", "max_fraction", "fraction", "source")
    return tuple((k, spec[k]) for k in keys if spec.get(k) not in (None, ""))


class _Builder:
    """Accumulates the plan's entities while tables are expanded."""

    def __init__(self, config: dict[str, Any]):
        from geoinpaint.tasks.spec import get_task

        self.config = config
        self.run = config["run_name"]
        self.seed = int(config.get("seed", 0))
        self.seeds = [int(s) for s in config.get("seeds", [self.seed])]
        self.resample = bool(config.get("resample_test", False))
        self.roles = roles_of(config)
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
        name), added to the plan once per role, seed and training masks - or once per role and
        training masks, on the first seed's, with `per_seed: false`; None without one."""
        from geoinpaint.experiments.options import family_of
        from geoinpaint.methods.registry import traits

        table = self.config.get("warm_start") or {}
        entry = table.get(method) or table.get(family_of(traits(method)["cls"]))
        if not entry:
            return None
        warm_method = entry["method"]
        if not entry.get("per_seed", True):
            seed = self.seeds[0]
        extra = {"epochs": entry["epochs"], **(entry.get("options") or {})}
        options, _ = method_options(warm_method, self.config, spec, {}, self.roles[role].size)
        options.update(extra)
        self._check(warm_method, options, role, spec)
        key = run_key(f"warmup-{warm_method}", extra)
        run = TrainingRun(role, seed, masks, key, warm_method, tuple(sorted(options.items())))
        return self.runs.setdefault((role, seed, masks, key), run)

    def _check(self, method: str, options: dict[str, Any], role: str, spec: TableSpec) -> None:
        where = f"table {spec.paper} {spec.id}, dataset {role}"
        check_run(method, options, self.roles[role].size, where)

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
            warm.seed if warm else seed,
        )
        run = self.runs.setdefault((role, seed, run.train_maskset, run.key), run)
        if run.overrides != options:
            raise ValueError(f"training runs {run.key} of {role} differ in their options")
        out = Output(role, maskset, seed, run_key(method, effective), "method", method, run)
        return group.setdefault(out.key, out)


def _table(b: _Builder, spec: TableSpec, display: dict[str, str], only: list[str] | None):
    from geoinpaint.methods.registry import method_names, traits

    if spec.kind == "cost":
        return cost_table(spec, only)
    roles = table_roles(spec, b.roles, b.config)
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
            label = row_label(row, row.method, display, size)
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
        entry = TableRow(row_label(row, method_label, display, size), row.method or "", row.source)
        for role, maskset in blocks:
            b.test_maskset(role, maskset)
            entry.outputs[(role, maskset)] = {
                k: b.output(row, spec, role, maskset, k) for k in b.seeds
            }
        plan.rows.append(entry)
    return plan


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
