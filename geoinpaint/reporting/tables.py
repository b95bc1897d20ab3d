"""Paper tables from per-image metric files.

A table row aggregates one per-image metrics CSV and its set record `<stem>.set.json` (both
written by `geoinpaint evaluate`). A value is printed only if it was computed from those files:
a column that is not computed — not implemented yet (`Column.reason`) or not computable in this
run (a missing weights file, images too small: the reason recorded by `evaluate`) — is empty in
the CSV with the reason in `notes`, and `n/a` in Markdown/LaTeX with the reason below the table;
a column that does not apply to a row (image quality of the clean images) is `-`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geoinpaint.metrics import set_metrics_path

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
    reason: str = ""  # why a column with source None is not computed
    set_value: bool = False  # source is a key of the set record, not a per-image column
    ranked: bool = True  # candidate for bold (False for counts)


ACCURACY = Column("Accuracy", "correct", True, 2, scale=100.0, full_reference=False)
BRISQUE_LIVE = Column("BRISQUE (LIVE-SVR)", "brisque_live_svr", False, 2, full_reference=False)
IMAGE_QUALITY = (
    Column("PSNR", "psnr", True, 2),
    Column("SSIM", "ssim", True, 4),
    Column("MSE", "mse", False, 2),
    BRISQUE_LIVE,
)
"""The paper's image-quality columns, shared by Tables I-III."""
EVERY_IMAGE_METRIC = (
    Column("PSNR", "psnr", True, 2),
    Column("PSNR (hole)", "psnr_hole", True, 2),
    Column("SSIM", "ssim", True, 4),
    Column("SSIM (hole)", "ssim_hole", True, 4),
    Column("MSE", "mse", False, 2),
    Column("MSE (hole)", "mse_hole", False, 2),
    Column("MS-SSIM", "ms_ssim", True, 4),
    Column("MS-SSIM (3 scales)", "ms_ssim_3s", True, 4),
    BRISQUE_LIVE,
    Column("BRISQUE (MATLAB-SVR)", "brisque_matlab_svr", False, 2, full_reference=False),
    Column("LPIPS (AlexNet)", "lpips", False, 4),
    Column("FID", "fid", False, 2, set_value=True),
    Column("FID images", "fid_n_images", True, 0, set_value=True, ranked=False),
    Column("KID", "kid", False, 4, set_value=True),
)
"""Every image metric of the suite, in the order of the `_extended` tables."""


def _task_value(header: str, key: str, decimals: int) -> Column:
    return Column(header, key, True, decimals, full_reference=False, set_value=True)


RETRIEVAL = (
    _task_value("Recall@1", "recall@1", 2),
    _task_value("Recall@5", "recall@5", 2),
    _task_value("Recall@10", "recall@10", 2),
    _task_value("Recall@top1%", "recall@top1%", 2),
    _task_value("AP", "ap", 2),
)
"""Table II's task columns (percent), set values of the row's record (paper, following LPN)."""
MIOU = _task_value("mIoU", "miou", 4)
"""Table III's task column, in [0, 1] as the paper prints it."""
PAPER_COLUMNS = (*IMAGE_QUALITY, ACCURACY)
"""Table I's columns, which the ablation tables IV-VIII and Section H repeat."""
TABLES = {
    "I": PAPER_COLUMNS,
    "I_extended": (*EVERY_IMAGE_METRIC, ACCURACY),
    "II": (*IMAGE_QUALITY, *RETRIEVAL),
    "II_extended": (*EVERY_IMAGE_METRIC, *RETRIEVAL),
    "III": (*IMAGE_QUALITY, MIOU),
    "III_extended": (*EVERY_IMAGE_METRIC, MIOU),
    **{table: PAPER_COLUMNS for table in ("IV", "V", "VI", "VII", "VIII", "H")},
}
_SCENE = "Scene recognition (RSSCN7-style classes) with a fixed classifier as the task network"
_CROSSVIEW = (
    "Cross-view geolocation (CVUSA-style ground panoramas against clean aerial images) with a "
    "fixed LPN-design network as the task network"
)
_SEGMENTATION = (
    "Land-cover segmentation (LoveDA classes) with a fixed HRNet-design network as the task network"
)
TITLES = {
    "I": _SCENE,
    "I_extended": _SCENE + ", every metric",
    "II": _CROSSVIEW,
    "II_extended": _CROSSVIEW + ", every metric",
    "III": _SEGMENTATION,
    "III_extended": _SEGMENTATION + ", every metric",
    "IV": "The Proposed model on scene recognition with different task-loss weights lambda",
    "V": "The Proposed model on scene recognition with different loss weights alpha1 (LPIPS) "
    "and alpha2 (GAN)",
    "VI": "The Proposed model on scene recognition with different PatchGAN depths d_c and d_r "
    "(output sizes in parentheses)",
    "VII": "The Proposed model on scene recognition with different discriminators {D_c, D_r}",
    "VIII": "The Proposed model on scene recognition with MaskMix or AugMix",
    "H": "Coarse-only vs coarse-to-fine reconstruction of the Proposed model on scene recognition",
}


def _read_set_record(per_image_csv: Path) -> dict:
    path = set_metrics_path(per_image_csv)
    if not path.is_file():
        return {"unavailable": {}, "missing": f"no set metrics file {path}"}
    return json.loads(path.read_text())


def _value(
    col: Column, key: str, per_image: pd.DataFrame, record: dict
) -> tuple[float | None, str]:
    if col.source is None:
        return None, col.reason
    if key == CLEAN and col.full_reference:
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
        record = _read_set_record(Path(path))
        rec: dict[str, object] = {"method": ROW_LABELS.get(key, key)}
        notes = []
        for col in columns:
            value, why = _value(col, key, per_image, record)
            rec[col.header] = value
            if why and why != "not applicable":  # "; " separates the notes: keep it out
                notes.append(f"{col.header}: {why.replace('; ', ', ')}")
        rec["n_images"] = len(per_image)
        rec["notes"] = "; ".join(notes)
        model = record.get("model", {})
        rec["model_notes"] = "; ".join(n.replace("; ", ", ") for n in model.get("notes", []))
        rec["model_provenance"] = "; ".join(
            f"{k}: {v}" for k, v in sorted(model.get("provenance", {}).items())
        )
        rec["weights"] = ";".join(f"{f}:{h[:12]}" for f, h in record.get("weights", {}).items())
        records.append({**rec, **provenance})
    return pd.DataFrame(records)


def _split_notes(notes: object) -> list[str]:
    """A CSV cell of notes joined by `; ` as a list (empty cells read back as NaN)."""
    if not isinstance(notes, str) or not notes:
        return []
    return notes.split("; ")


def _reasons(notes: object) -> dict[str, str]:
    """A CSV row's `notes` as header -> reason (entries `header: reason`, joined by `; `)."""
    return dict(entry.split(": ", 1) for entry in _split_notes(notes) if ": " in entry)


def _best(df: pd.DataFrame, col: Column) -> float | None:
    if not col.ranked:
        return None
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
        reasons = _reasons(rec["notes"])
        for col in columns:
            v = rec[col.header]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("n/a" if col.header in reasons else "-")
                continue
            text = f"{v:.{col.decimals}f}"
            is_method = rec["method"] not in ROW_LABELS.values()
            cells.append(bold.format(text) if is_method and best[col.header] == v else text)
        out.append(cells)
    return out


def _footnotes(df: pd.DataFrame, table: str) -> list[str]:
    notes = ["-: not applicable (image quality of the clean images themselves)."]
    why: dict[tuple[str, str], list[str]] = {}
    for _, rec in df.iterrows():
        for header, reason in _reasons(rec["notes"]).items():
            why.setdefault((header, reason), []).append(str(rec["method"]))
    columns = {c.header: c for c in TABLES[table]}
    for (header, reason), methods in why.items():
        n_rows = len(df) - int(
            columns[header].full_reference and ROW_LABELS[CLEAN] in set(df["method"])
        )
        which = "" if len(methods) == n_rows else f" ({', '.join(methods)})"
        empty = df.loc[df["method"].isin(methods), header].isna().all()
        notes.append(f"{'n/a' if empty else 'Note'}: {header}{which}: {reason}.")
    model_notes: dict[str, list[str]] = {}
    for _, rec in df.iterrows():
        for note in _split_notes(rec.get("model_notes")):
            model_notes.setdefault(note, []).append(str(rec["method"]))
    trained = int((df["model_provenance"].fillna("") != "").sum())
    for note, methods in model_notes.items():
        which = "every trained model" if len(methods) == trained else ", ".join(methods)
        notes.append(f"Model ({which}): {note}.")
    arrows = ", ".join(
        f"{c.header} {'higher' if c.higher_is_better else 'lower'} is better"
        for c in TABLES[table]
        if c.ranked
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
    lines += [f"- {n}" for n in _footnotes(df, table)]
    return "\n".join(lines) + "\n"


def _tex_escape(text: str) -> str:
    for char in "_%&#${}":
        text = text.replace(char, "\\" + char)
    return text.replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}")


def to_latex(df: pd.DataFrame, table: str) -> str:
    headers = ["Method", *(c.header for c in TABLES[table])]
    lines = [
        f"% Table {table}: {TITLES[table]}",
        r"\begin{tabular}{l" + "r" * (len(headers) - 1) + "}",
        r"\toprule",
        " & ".join(_tex_escape(h) for h in headers) + r" \\",
        r"\midrule",
    ]
    lines += [
        " & ".join([_tex_escape(c[0]), *c[1:]]) + r" \\"
        for c in _cells(df, table, r"\textbf{{{}}}")
    ]
    lines += [r"\bottomrule", r"\end{tabular}", r"\par\smallskip{\footnotesize"]
    lines += [_tex_escape(n) + r"\\" for n in _footnotes(df, table)] + ["}"]
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
