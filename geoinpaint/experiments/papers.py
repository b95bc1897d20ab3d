"""Read a paper's experiments file (`config/experiments/<paper>.yaml`): its tables and figures.

A table lists its columns and rows; a row names a registered method (or `source: clean` /
`occluded`, the test set's own images), its label, option overrides, and optionally `expand`,
which turns one row into one per value of the paper's grids (`grids:`): `{lambda_task: lambda}`
gives a row per value of grid `lambda`; a key `"d_coarse,d_refine"` unpacks pairs; several keys
give their product. Labels are Python format strings over the row's options; `{x:patch}` prints
the output side of a PatchGAN with `x` downsampling layers at the table's image size, and
values found in the paper's `display:` map print as given there.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINDS = ("metrics", "runtime", "cost")
ALL_METHODS = "all"
"""`rows: all` (a cost table): a row per registered trained method."""


@dataclass(frozen=True)
class RowSpec:
    """One table row before planning: a method with options, or the test set's own images."""

    label: str
    method: str | None
    source: str = "method"  # "method", "clean" or "occluded"
    options: tuple[tuple[str, Any], ...] = ()
    label_template: str = ""

    @property
    def overrides(self) -> dict[str, Any]:
        return dict(self.options)


@dataclass(frozen=True)
class TableSpec:
    """A paper table as its experiments file gives it."""

    paper: str
    id: str
    title: str
    task: str
    kind: str = "metrics"
    columns: tuple[str, ...] = ()
    extended: bool = False
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: tuple[RowSpec, ...] = ()
    datasets: tuple[str, ...] = ()
    masksets: tuple[str, ...] = ()
    train_maskset: str = ""
    caption: str = ""
    size: int = 256
    paper_values: dict[str, dict[str, float]] = field(default_factory=dict)
    all_methods: bool = False


@dataclass(frozen=True)
class FigureSpec:
    """A paper figure: `kind`, the table it draws from, and which of its blocks / rows."""

    paper: str
    id: str
    kind: str
    caption: str
    table: str = ""
    task: str = ""
    option: str = ""
    block: int = 0
    rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class PaperSpec:
    name: str
    title: str
    tables: dict[str, TableSpec]
    figures: dict[str, FigureSpec]
    claims: tuple[dict[str, Any], ...] = ()


class LabelFormatter(string.Formatter):
    """`str.format` with the paper's display names and the `patch` format spec."""

    def __init__(self, display: dict[str, str], size: int):
        self.display, self.size = display, size

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "patch":
            side = self.size // 2 ** int(value)
            return f"{side}x{side}"
        if isinstance(value, float) and not format_spec:
            return f"{value:g}"
        if isinstance(value, str) and value in self.display:
            return self.display[value]
        return super().format_field(value, format_spec)


def _expand(row: dict[str, Any], grids: dict[str, list], where: str) -> list[dict[str, Any]]:
    spec = row.get("expand") or {}
    axes = []
    for keys, grid in spec.items():
        if grid not in grids:
            raise ValueError(f"{where}: expand names grid {grid!r}; the grids are {sorted(grids)}")
        names = [k.strip() for k in keys.split(",")]
        values = [v if len(names) > 1 else [v] for v in grids[grid]]
        for v in values:
            if len(v) != len(names):
                raise ValueError(f"{where}: grid {grid!r} value {v} does not unpack into {names}")
        axes.append([dict(zip(names, v, strict=True)) for v in values])
    if not axes:
        return [dict(row.get("options") or {})]
    return [
        {**(row.get("options") or {}), **{k: v for part in combo for k, v in part.items()}}
        for combo in itertools.product(*axes)
    ]


def row_specs(raw: list[Any], grids: dict[str, list], where: str) -> tuple[RowSpec, ...]:
    """Rows of one table with every `expand` unrolled (labels still templates). An item that is
    itself a list of rows (a YAML alias of a shared row list) is inlined where it stands."""
    out = []
    raw = [row for item in raw for row in (item if isinstance(item, list) else [item])]
    for i, row in enumerate(raw):
        here = f"{where} row {i + 1}"
        source = row.get("source", "method")
        method = row.get("method")
        if (source == "method") == (method is None):
            raise ValueError(f"{here}: give either `method` or `source: clean|occluded`")
        template = str(row.get("label") or method or source)
        for options in _expand(row, grids, here):
            out.append(RowSpec(template, method, source, tuple(sorted(options.items())), template))
    return tuple(out)


def load_paper(path: Path, overrides: dict[str, Any] | None = None) -> PaperSpec:
    """A paper's tables and figures from its experiments file, with the run's `overrides`
    (`experiments.<paper>` in the config: `grids` narrowed, `tables` selected)."""
    path = Path(path)
    name = path.stem
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from err
    overrides = overrides or {}
    grids = {**doc.get("grids", {}), **overrides.get("grids", {})}
    wanted = overrides.get("tables")
    tables = {}
    for tid, t in (doc.get("tables") or {}).items():
        tid = str(tid)
        if wanted is not None and tid not in [str(w) for w in wanted]:
            continue
        where = f"{path} table {tid}"
        kind = t.get("kind", "metrics")
        if kind not in KINDS:
            raise ValueError(f"{where}: kind {kind!r} is not one of {KINDS}")
        raw_rows = t.get("rows") or []
        all_methods = raw_rows == ALL_METHODS
        tables[tid] = TableSpec(
            paper=name,
            id=tid,
            title=str(t.get("title", "")),
            task=str(t.get("task", "inpainting")),
            kind=kind,
            columns=tuple(t.get("columns", ())),
            extended=bool(t.get("extended", False)),
            options={str(k): dict(v) for k, v in (t.get("options") or {}).items()},
            rows=() if all_methods else row_specs(raw_rows, grids, where),
            datasets=tuple(t.get("datasets", ())),
            masksets=tuple(t.get("masksets", ())),
            train_maskset=str(t.get("train_maskset", "")),
            caption=str(t.get("caption", "")),
            size=int(t.get("size", 256)),
            paper_values={str(k): dict(v) for k, v in (t.get("paper") or {}).items()},
            all_methods=all_methods,
        )
    figures = {
        str(fid): FigureSpec(
            paper=name,
            id=str(fid),
            kind=str(f["kind"]),
            caption=str(f.get("caption", "")),
            table=str(f.get("table", "")),
            task=str(f.get("task", "")),
            option=str(f.get("option", "")),
            block=int(f.get("block", 0)),
            rows=tuple(int(r) for r in f.get("rows", [f["row"]] if "row" in f else [])),
        )
        for fid, f in (doc.get("figures") or {}).items()
        if not f.get("table") or str(f["table"]) in tables
    }
    return PaperSpec(
        name, str(doc.get("title", name)), tables, figures, tuple(doc.get("claims") or ())
    )


def display_map(path: Path) -> dict[str, str]:
    """The paper file's `display:` names."""
    return dict((yaml.safe_load(Path(path).read_text()) or {}).get("display") or {})


def paper_files(folder: Path) -> dict[str, Path]:
    """Every paper file of `folder` by paper name (the file's stem); `schema.yaml` excluded."""
    return {p.stem: p for p in sorted(Path(folder).glob("*.yaml")) if p.stem != "schema"}
