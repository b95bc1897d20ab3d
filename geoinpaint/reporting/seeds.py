"""Paper tables over seeds (`geoinpaint table-seeds`): `table_<id>_seeds.{csv,md,tex}`.

The layout and rows are those of `reporting.tables`. Each cell is the mean of the seeds' values
(the table's cell) with the half-width of its 95 % Student-t interval over the seeds and the
number of seeds n that have a value (`stats.intervals`). In Markdown and LaTeX the bold marks,
per column, the best inpainting method and every method not significantly different from it
(`stats.paired.compare`, two-sided at 5 %, one test per method against the best, no
correction across columns): a single bold value is significantly better than the runner-up
and every other method; several bold values are tied leaders. Columns without per-image values
(FID, KID) are never bold. The CSV says the same in `leads` (the columns a row leads).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from geoinpaint.reporting.samples import NotTestable, load_sample
from geoinpaint.reporting.tables import (
    Header,
    better,
    build_table,
    counts_line,
    footnotes,
    headers,
    is_reference,
    latex,
    markdown,
    reasons,
    seed_values,
)
from geoinpaint.runtime import derive_seed
from geoinpaint.stats.intervals import t_interval
from geoinpaint.stats.paired import BOOTSTRAP_TEST, MCNEMAR_TEST, compare

ALPHA = 0.05
N_BOOT = 1999
HALF = " ±95%"  # CSV header suffix of the half-width
N = " n"  # CSV header suffix of the number of seeds


def _files(layout: dict[str, Any], row: dict[str, Any], h: Header) -> list[str]:
    return [] if row["missing"] else row["cells"][layout["blocks"].index(h.block)]


def _leaders(
    layout: dict[str, Any], df: pd.DataFrame, h: Header, n_boot: int, seed: int
) -> tuple[list[int], str]:
    """Row indices in bold for header `h`, or none and why."""
    if not h.column.ranked:
        return [], ""
    reference = is_reference(df, layout)
    means = df.loc[~reference, h.name].astype(float).dropna()
    if means.empty:
        return [], ""
    best = int(means.idxmax() if h.column.higher_is_better else means.idxmin())
    rows = layout["rows"]
    try:
        top = load_sample(h.column, rows[best]["source"], _files(layout, rows[best], h))
    except NotTestable as err:
        return [], f"{h.name}: {err}"
    leaders = [best]
    for i in means.index.drop(best):
        try:
            other = load_sample(h.column, rows[i]["source"], _files(layout, rows[i], h))
        except NotTestable as err:
            return [], f"{h.name}: {rows[i]['label']}: {err}"
        k = derive_seed(seed, layout["paper"], layout["id"], h.name, rows[i]["label"])
        if compare(top, other, n_boot=n_boot, seed=k).p_value >= ALPHA:
            leaders.append(int(i))
    return sorted(leaders), ""


def build_seeds_table(
    layout: dict[str, Any], provenance: dict[str, Any], n_boot: int = N_BOOT, seed: int = 0
) -> pd.DataFrame:
    """`reporting.tables.build_table` with each cell's half-width and n, and `leads`."""
    base = build_table(layout, provenance)
    hs = headers(layout)
    extra: dict[str, list] = {}
    for h in hs:
        half, n = [], []
        for row in layout["rows"]:
            values, _, _ = seed_values(h.column, row["source"], _files(layout, row, h))
            interval = t_interval(values)
            half.append(interval.half_width)
            n.append(interval.n)
        extra[h.name + HALF], extra[h.name + N] = half, n
    leads: list[list[str]] = [[] for _ in layout["rows"]]
    untested = []
    for h in hs:
        rows, why = _leaders(layout, base, h, n_boot, seed)
        for i in rows:
            leads[i].append(h.name)
        if why:
            untested.append(why)
    columns = ["method"]
    for h in hs:
        columns += [h.name, h.name + HALF, h.name + N]
    df = base.assign(**extra, leads=["; ".join(x) for x in leads])
    rest = [c for c in base.columns if c not in columns]
    df = df[[*columns, "leads", *rest]]
    df.attrs["layout"], df.attrs["untested"] = layout, untested
    return df


def _text(value: float, half: float, decimals: int, pm: str) -> str:
    text = f"{value:.{decimals}f}"
    return text if math.isnan(half) else f"{text}{pm}{half:.{decimals}f}"


def _cells(df: pd.DataFrame, layout: dict[str, Any], bold: str, pm: str) -> list[list[str]]:
    n_seeds = len(layout["seeds"])
    out = []
    for _, rec in df.iterrows():
        why = reasons(rec["notes"])
        lead = set(str(rec["leads"]).split("; ")) if isinstance(rec["leads"], str) else set()
        cells = [str(rec["method"])]
        for h in headers(layout):
            v = rec[h.name]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("n/a" if h.name in why or "all" in why else "-")
                continue
            text = _text(float(v), float(rec[h.name + HALF]), h.column.decimals, pm)
            n = int(rec[h.name + N])
            text += "" if n == n_seeds else f" (n={n})"
            cells.append(bold.format(text) if h.name in lead else text)
        out.append(cells)
    return out


def _notes(df: pd.DataFrame, layout: dict[str, Any], n_boot: int) -> list[str]:
    k = len(layout["seeds"])
    cell = (
        f"Each cell: the mean over the {k} seeds ± the half-width of its 95 % Student-t "
        f"interval over the seeds' values (t with n - 1 degrees of freedom); (n=...) where "
        f"fewer than {k} seeds have a value."
        if k > 1
        else "One seed: no interval over seeds (run with several `seeds` for one)."
    )
    bold = (
        f"Bold: the best inpainting method per column ({better(layout)}) and every method not "
        f"significantly different from it (two-sided paired test at {ALPHA:.0%}, each method "
        f"against the best, not corrected across columns; Accuracy: {MCNEMAR_TEST}; every "
        f"other column: {BOOTSTRAP_TEST}, B = {n_boot}); a single bold value is significantly "
        "better than every other method."
    )
    untested = [f"Not bold: {why}." for why in df.attrs.get("untested", [])]
    return [counts_line(df, layout), cell, *footnotes(df, layout), bold, *untested]


def to_markdown(df: pd.DataFrame, layout: dict[str, Any], n_boot: int = N_BOOT) -> str:
    return markdown(layout, _cells(df, layout, "**{}**", " ± "), _notes(df, layout, n_boot))


def to_latex(df: pd.DataFrame, layout: dict[str, Any], n_boot: int = N_BOOT) -> str:
    cells = _cells(df, layout, r"\textbf{{{}}}", r" $\pm$ ")
    return latex(layout, cells, _notes(df, layout, n_boot))


def write_seeds_table(
    df: pd.DataFrame, layout: dict[str, Any], csv: Path, n_boot: int = N_BOOT
) -> list[Path]:
    """Write `<name>.csv`, `.md` and `.tex`; return the paths."""
    from geoinpaint.atomic import write_text

    csv = Path(csv)
    paths = [csv, csv.with_suffix(".md"), csv.with_suffix(".tex")]
    write_text(paths[0], df.to_csv(index=False))
    write_text(paths[1], to_markdown(df, layout, n_boot))
    write_text(paths[2], to_latex(df, layout, n_boot))
    return paths
