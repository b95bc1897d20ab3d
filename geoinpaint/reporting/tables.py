"""Paper tables from per-image metric files (`geoinpaint table`).

A table's layout (`experiments.layout.table_layout`) gives its rows, its blocks (one per test
set: dataset x mask set; most tables have one) and, per row and block, one per-image metrics
CSV per seed. A cell is the mean over images of a per-image column (or a set value of the
row's `<stem>.set.json`), averaged over the seeds. A value is printed only if it was computed
from those files: a column that is not computed (a missing weights file, a method not
implemented yet) is empty in the CSV with the reason in `notes`, and `n/a` in Markdown/LaTeX
with the reason below the table; a column that does not apply to a row (image quality of the
clean images) is `-`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geoinpaint.io import read_ids_csv
from geoinpaint.metrics import set_metrics_path
from geoinpaint.reporting.columns import Column, columns_of

REFERENCE_SOURCES = ("clean", "occluded")


@dataclass(frozen=True)
class Header:
    """A column of a built table: its CSV header, block and metric."""

    name: str
    block: str
    column: Column


def headers(layout: dict[str, Any]) -> list[Header]:
    from geoinpaint.tasks.spec import get_task

    task_columns = get_task(layout["task"]).columns
    cols = columns_of(layout["columns"], layout["extended"], task_columns)
    blocks = layout["blocks"]
    if len(blocks) == 1:
        return [Header(c.header, blocks[0], c) for c in cols]
    return [Header(f"{b} | {c.header}", b, c) for b in blocks for c in cols]


def _read_set_record(per_image_csv: Path) -> dict:
    path = set_metrics_path(per_image_csv)
    if not path.is_file():
        return {"unavailable": {}, "missing": f"no set metrics file {path}"}
    return json.loads(path.read_text())


def _value(col: Column, source: str, per_image: pd.DataFrame, record: dict) -> tuple[Any, str]:
    if source == "clean" and col.full_reference:
        return None, "not applicable"
    why = record["unavailable"].get(col.source, "")
    if col.set_value:
        value = record.get(col.source)
        if value is None:
            return None, why or record.get("missing", f"{col.source} not in the set record")
        return float(value) * col.scale, ""
    if col.source not in per_image.columns:
        return None, why or f"no per-image column {col.source!r}"
    values = per_image[col.source].astype(float)
    if values.isna().all():
        return None, why or "no image has a value"
    note = "" if values.notna().all() else f"mean over {values.notna().sum()} of {len(values)}"
    return float(values.mean()) * col.scale, note


def seed_values(col: Column, source: str, files: list[str]) -> tuple[list, list[str], list[dict]]:
    """One column's value in each seed's file that has one; notes; the set records read."""
    values, notes, records = [], [], []
    for f in files:
        per_image = read_ids_csv(f)
        record = _read_set_record(Path(f))
        records.append(record)
        value, why = _value(col, source, per_image, record)
        if value is not None:
            values.append(value)
        if why and why != "not applicable":
            notes.append(why)
    return values, notes, records


def _cell(col: Column, source: str, files: list[str]) -> tuple[Any, list[str], list[dict]]:
    """Mean over the seeds' files of one column; notes; the set records read."""
    values, notes, records = seed_values(col, source, files)
    if not values:
        return None, notes, records
    return sum(values) / len(values), notes, records


def build_table(layout: dict[str, Any], provenance: dict[str, Any]) -> pd.DataFrame:
    """One row per layout row: every header's value, counts, notes and provenance."""
    hs = headers(layout)
    blocks = layout["blocks"]
    out = []
    for row in layout["rows"]:
        rec: dict[str, Any] = {"method": row["label"]}
        notes: list[str] = []
        model: dict = {}
        weights: dict = {}
        networks: dict[str, None] = {}
        n_images = 0
        for h in hs:
            files = row["cells"][blocks.index(h.block)] if not row["missing"] else []
            value, why, records = _cell(h.column, row["source"], files)
            rec[h.name] = value
            for w in dict.fromkeys(why):  # "; " separates the notes: keep it out
                notes.append(f"{h.name}: {w.replace('; ', ', ')}")
            for r in records:
                model = model or r.get("model", {})
                weights.update(r.get("weights", {}))
                if r.get("task_network"):
                    networks[str(r["task_network"])] = None
                n_images = max(n_images, int(r.get("n_images", 0)))
        if row["missing"]:
            notes.append(f"all: {row['missing']}")
        rec["n_images"] = n_images
        rec["n_seeds"] = max((len(c) for c in row["cells"]), default=0)
        rec["notes"] = "; ".join(notes)
        rec["model_notes"] = "; ".join(n.replace("; ", ", ") for n in model.get("notes", []))
        rec["model_provenance"] = "; ".join(
            f"{k}: {v}" for k, v in sorted(model.get("provenance", {}).items())
        )
        rec["weights"] = ";".join(f"{f}:{h[:12]}" for f, h in weights.items())
        rec["task_network"] = " | ".join(networks)
        out.append({**rec, **provenance})
    df = pd.DataFrame(out)
    df.attrs["layout"] = layout
    return df


def _split_notes(notes: object) -> list[str]:
    """A CSV cell of notes joined by `; ` as a list (empty cells read back as NaN)."""
    if not isinstance(notes, str) or not notes:
        return []
    return notes.split("; ")


def reasons(notes: object) -> dict[str, str]:
    """A row's `notes` as header -> reason (entries `header: reason`, joined by `; `)."""
    return dict(entry.split(": ", 1) for entry in _split_notes(notes) if ": " in entry)


def is_reference(df: pd.DataFrame, layout: dict[str, Any]) -> pd.Series:
    sources = [row["source"] for row in layout["rows"]]
    return pd.Series([s in REFERENCE_SOURCES for s in sources], index=df.index)


def _best(df: pd.DataFrame, h: Header, reference: pd.Series) -> float | None:
    if not h.column.ranked:
        return None
    methods = df[~reference][h.name].dropna()
    if methods.empty:
        return None
    return float(methods.max() if h.column.higher_is_better else methods.min())


def _cells(df: pd.DataFrame, layout: dict[str, Any], bold: str) -> list[list[str]]:
    hs = headers(layout)
    reference = is_reference(df, layout)
    best = {h.name: _best(df, h, reference) for h in hs}
    out = []
    for i, rec in df.iterrows():
        cells = [str(rec["method"])]
        why = reasons(rec["notes"])
        for h in hs:
            v = rec[h.name]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("n/a" if h.name in why or "all" in why else "-")
                continue
            text = f"{v:.{h.column.decimals}f}"
            cells.append(bold.format(text) if not reference[i] and best[h.name] == v else text)
        out.append(cells)
    return out


def footnotes(df: pd.DataFrame, layout: dict[str, Any]) -> list[str]:
    notes = ["-: not applicable (image quality of the clean images themselves)."]
    why: dict[tuple[str, str], list[str]] = {}
    for _, rec in df.iterrows():
        for header, reason in reasons(rec["notes"]).items():
            why.setdefault((header, reason), []).append(str(rec["method"]))
    by_name = {h.name: h for h in headers(layout)}
    has_clean = any(row["source"] == "clean" for row in layout["rows"])
    for (header, reason), methods in why.items():
        column = by_name.get(header)
        n_rows = len(df) - int(bool(column and column.column.full_reference and has_clean))
        which = "" if len(methods) == n_rows else f" ({', '.join(methods)})"
        empty = header not in df or df.loc[df["method"].isin(methods), header].isna().all()
        notes.append(f"{'n/a' if empty else 'Note'}: {header}{which}: {reason}.")
    model_notes: dict[str, list[str]] = {}
    for _, rec in df.iterrows():
        for note in _split_notes(rec.get("model_notes")):
            model_notes.setdefault(note, []).append(str(rec["method"]))
    trained = int((df["model_provenance"].fillna("") != "").sum())
    for note, methods in model_notes.items():
        which = "every trained model" if len(methods) == trained else ", ".join(methods)
        notes.append(f"Model ({which}): {note}.")
    if layout["excluded"]:
        notes.append(f"Rows left out by this run's config: {', '.join(layout['excluded'])}.")
    return notes


def better(layout: dict[str, Any]) -> str:
    """`PSNR higher is better, MSE lower is better, ...` over the table's ranked columns."""
    return ", ".join(
        dict.fromkeys(
            f"{h.column.header} {'higher' if h.column.higher_is_better else 'lower'} is better"
            for h in headers(layout)
            if h.column.ranked
        )
    )


def heading(layout: dict[str, Any]) -> str:
    return f"Table {layout['id']}: {layout['title']}"


def counts_line(df: pd.DataFrame, layout: dict[str, Any]) -> str:
    n = int(df["n_images"].max()) if len(df) else 0
    seeds = layout["seeds"]
    per = (
        "a mean over seeds " + ", ".join(map(str, seeds)) if len(seeds) > 1 else f"seed {seeds[0]}"
    )
    return f"{n} test images per row and block; {per}. Blocks: {'; '.join(layout['blocks'])}."


def markdown(layout: dict[str, Any], cells: list[list[str]], notes: list[str]) -> str:
    """A table's Markdown: heading, rows of formatted cells, the first note as a paragraph and
    the others as a list."""
    names = ["Method", *(h.name for h in headers(layout))]
    lines = [f"# {heading(layout)}", "", "| " + " | ".join(names) + " |"]
    lines += ["|" + "---|" * len(names)]
    lines += ["| " + " | ".join(c) + " |" for c in cells]
    lines += ["", notes[0], ""] + [f"- {n}" for n in notes[1:]]
    return "\n".join(lines) + "\n"


def latex(layout: dict[str, Any], cells: list[list[str]], notes: list[str]) -> str:
    """The same as `markdown` as a LaTeX tabular (booktabs rules); cells are LaTeX already,
    except the method names."""
    names = ["Method", *(h.name for h in headers(layout))]
    lines = [
        f"% {heading(layout)}",
        r"\begin{tabular}{l" + "r" * (len(names) - 1) + "}",
        r"\toprule",
        " & ".join(tex_escape(h) for h in names) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join([tex_escape(c[0]), *c[1:]]) + r" \\" for c in cells]
    lines += [r"\bottomrule", r"\end{tabular}", r"\par\smallskip{\footnotesize"]
    lines += [tex_escape(n) + r"\\" for n in notes] + ["}"]
    return "\n".join(lines) + "\n"


def _notes(df: pd.DataFrame, layout: dict[str, Any]) -> list[str]:
    bold = f"Bold: best inpainting method per column ({better(layout)})."
    return [counts_line(df, layout), *footnotes(df, layout), bold]


def to_markdown(df: pd.DataFrame, layout: dict[str, Any] | None = None) -> str:
    """Rounded Markdown with the best method per column in bold and every reason below."""
    layout = layout or df.attrs["layout"]
    return markdown(layout, _cells(df, layout, "**{}**"), _notes(df, layout))


def tex_escape(text: str) -> str:
    for char in "_%&#${}":
        text = text.replace(char, "\\" + char)
    return text.replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}")


def to_latex(df: pd.DataFrame, layout: dict[str, Any] | None = None) -> str:
    """The same as `to_markdown` as a LaTeX tabular (booktabs rules)."""
    layout = layout or df.attrs["layout"]
    return latex(layout, _cells(df, layout, r"\textbf{{{}}}"), _notes(df, layout))


def write_table(df: pd.DataFrame, layout: dict[str, Any], csv: Path) -> list[Path]:
    """Write `<name>.csv`, `.md` and `.tex` beside each other; return the paths."""
    from geoinpaint.atomic import write_text

    csv = Path(csv)
    paths = [csv, csv.with_suffix(".md"), csv.with_suffix(".tex")]
    write_text(paths[0], df.to_csv(index=False))
    write_text(paths[1], to_markdown(df, layout))
    write_text(paths[2], to_latex(df, layout))
    return paths
