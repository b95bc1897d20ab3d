"""Paper tables from per-image metric files.

A table row aggregates one per-image metrics CSV (written by `geoinpaint evaluate`). A value is
printed only if it was computed from those files: a column that is not computed (yet) is empty
in the CSV with the reason in `notes`, and `n/a` in Markdown/LaTeX with the reason below the
table; a column that does not apply to a row (image quality of the clean images) is `-`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

CLEAN, OCCLUDED = "clean", "occluded"
ROW_LABELS = {CLEAN: "Clean Testing", OCCLUDED: "Occluded Testing"}


@dataclass(frozen=True)
class Column:
    """One table column: header, how it is computed from per-image rows, which way is better."""

    header: str
    source: str | None  # per-image column averaged over images; None = not computed
    higher_is_better: bool
    decimals: int
    scale: float = 1.0
    full_reference: bool = True
    reason: str = ""


TABLE_I = (
    Column("PSNR", "psnr", True, 2),
    Column("SSIM", "ssim", True, 4),
    Column("MSE", "mse", False, 2),
    Column(
        "BRISQUE",
        None,
        False,
        2,
        full_reference=False,
        reason="not computed yet (its SVR model file and code arrive with the metrics issue)",
    ),
    Column("Accuracy", "correct", True, 2, scale=100.0, full_reference=False),
)
TABLES = {"I": TABLE_I}
TITLES = {
    "I": "Scene recognition (RSSCN7-style classes) with a fixed classifier as the task network"
}


def _value(col: Column, key: str, per_image: pd.DataFrame) -> tuple[float | None, str]:
    if col.source is None:
        return None, col.reason
    if key == CLEAN and col.full_reference:
        return None, "not applicable"
    return float(per_image[col.source].astype(float).mean()) * col.scale, ""


def build_table(
    table: str, rows: dict[str, Path], provenance: dict[str, str | int]
) -> pd.DataFrame:
    """Aggregate per-image metric CSVs into one table.

    Args:
        table: paper table id, e.g. "I".
        rows: row key -> per-image metrics CSV, in row order; keys `clean` and `occluded` get the
            paper's row labels, other keys are method names.
        provenance: columns appended to every row.
    """
    columns = TABLES[table]
    records = []
    for key, path in rows.items():
        per_image = pd.read_csv(path)
        rec: dict[str, object] = {"method": ROW_LABELS.get(key, key)}
        notes = []
        for col in columns:
            value, why = _value(col, key, per_image)
            rec[col.header] = value
            if why and why != "not applicable":
                notes.append(f"{col.header}: {why}")
        rec["n_images"] = len(per_image)
        rec["notes"] = "; ".join(notes)
        records.append({**rec, **provenance})
    return pd.DataFrame(records)


def _best(df: pd.DataFrame, col: Column) -> float | None:
    methods = df[~df["method"].isin(ROW_LABELS.values())][col.header].dropna()
    if methods.empty:
        return None
    return float(methods.max() if col.higher_is_better else methods.min())


def _cells(df: pd.DataFrame, table: str, bold: str) -> list[list[str]]:
    columns = TABLES[table]
    best = {c.header: _best(df, c) for c in columns}
    out = []
    for _, rec in df.iterrows():
        cells = [str(rec["method"])]
        for col in columns:
            v = rec[col.header]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("-" if col.source is not None else "n/a")
                continue
            text = f"{v:.{col.decimals}f}"
            is_method = rec["method"] not in ROW_LABELS.values()
            cells.append(bold.format(text) if is_method and best[col.header] == v else text)
        out.append(cells)
    return out


def _footnotes(table: str) -> list[str]:
    notes = ["-: not applicable (image quality of the clean images themselves)."]
    notes += [f"n/a: {c.header} {c.reason}." for c in TABLES[table] if c.source is None]
    arrows = ", ".join(
        f"{c.header} {'higher' if c.higher_is_better else 'lower'} is better" for c in TABLES[table]
    )
    return notes + [f"Bold: best inpainting method per column ({arrows})."]


def to_markdown(df: pd.DataFrame, table: str) -> str:
    headers = ["Method", *(c.header for c in TABLES[table])]
    lines = [
        f"# Table {table}: {TITLES[table]}",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
    ]
    lines += ["| " + " | ".join(c) + " |" for c in _cells(df, table, "**{}**")]
    lines += ["", f"{int(df['n_images'].iloc[0])} test images per row.", ""]
    lines += [f"- {n}" for n in _footnotes(table)]
    return "\n".join(lines) + "\n"


def _tex_escape(text: str) -> str:
    return text.replace("_", r"\_").replace("%", r"\%").replace("&", r"\&")


def to_latex(df: pd.DataFrame, table: str) -> str:
    headers = ["Method", *(c.header for c in TABLES[table])]
    lines = [
        f"% Table {table}: {TITLES[table]}",
        "% " + " ".join(_footnotes(table)),
        r"\begin{tabular}{l" + "r" * (len(headers) - 1) + "}",
        r"\toprule",
        " & ".join(headers) + r" \\",
        r"\midrule",
    ]
    lines += [
        " & ".join(_tex_escape(x) for x in c) + r" \\" for c in _cells(df, table, r"\textbf{{{}}}")
    ]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def write_table(df: pd.DataFrame, table: str, prefix: Path) -> list[Path]:
    """Write `<prefix>.csv`, `.md` and `.tex`; return the paths."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    paths = [prefix.with_suffix(s) for s in (".csv", ".md", ".tex")]
    df.to_csv(paths[0], index=False)
    paths[1].write_text(to_markdown(df, table))
    paths[2].write_text(to_latex(df, table))
    return paths
