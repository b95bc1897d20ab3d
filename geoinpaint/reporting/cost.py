"""IGLL's Table 3 for every method: parameters and computation per image at paper settings.

Each method is built untrained at its registered paper settings (the architecture's cost, not
the run's small variant) and measured by `methods.describe`: parameters of its inference
networks, thop-0.1.1 multiply-accumulates (IGLL's "GFLOPs" convention: convolutions and
normalisation, attention products left out) and torch's flop counter (every matrix product).
The paper's own figures stand beside ours where it gives them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

COLUMNS = {
    "Params (M)": ("params", 1e6, 3),
    "GMACs (thop)": ("gmacs_thop", 1.0, 3),
    "GFLOPs (torch)": ("gflops", 1.0, 2),
}


def cost_rows(
    methods: dict[str, str], size: int, paper: dict[str, dict[str, float]], device: str = "cpu"
) -> pd.DataFrame:
    """One row per `name -> label`: our measurements at `size` x `size` and the paper's."""
    from geoinpaint.methods.describe import describe_untrained

    rows = []
    for name, label in methods.items():
        method, d = describe_untrained(name, size, device)
        row: dict[str, Any] = {"method": label, "name": name}
        for header, (key, scale, _) in COLUMNS.items():
            row[header] = d[key] / scale
        row["networks"] = "; ".join(f"{k}: {v:,}" for k, v in d["params_by_network"].items())
        given = paper.get(name, {})
        row["Paper params (M)"] = given.get("params")
        row["Paper GFLOPs (thop MACs)"] = given.get("gmacs")
        row["variant"] = ", ".join(f"{k}={v}" for k, v in method.variant().items()) or "paper"
        rows.append(row)
        del method
    return pd.DataFrame(rows)


def _fmt(value: Any, decimals: int) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:,.{decimals}f}"


def to_markdown(df: pd.DataFrame, title: str, size: int) -> str:
    headers = ["Method", *COLUMNS, "Paper params (M)", "Paper GFLOPs (thop MACs)"]
    lines = [f"# {title}", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for _, r in df.iterrows():
        cells = [str(r["method"])]
        cells += [_fmt(r[h], COLUMNS[h][2]) for h in COLUMNS]
        cells += [_fmt(r["Paper params (M)"], 3), _fmt(r["Paper GFLOPs (thop MACs)"], 3)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Every method untrained at its paper settings, one {size}x{size} image with a centred "
        "square hole; parameters of the inference networks (discriminators and frozen "
        "teachers excluded). GMACs (thop): thop 0.1.1's count, the convention of IGLL's Table "
        "3, which calls them GFLOPs; GFLOPs (torch): 2 x multiply-adds of every convolution, "
        "linear layer and matrix product. `-`: the paper gives no figure. docs/fidelity.md "
        "explains each difference from the paper's figures.",
    ]
    return "\n".join(lines) + "\n"


def to_latex(df: pd.DataFrame, title: str) -> str:
    headers = ["Method", *COLUMNS, "Paper params (M)", "Paper GFLOPs"]
    lines = [f"% {title}", r"\begin{tabular}{l" + "r" * (len(headers) - 1) + "}", r"\toprule"]
    lines += [" & ".join(headers).replace("%", r"\%") + r" \\", r"\midrule"]
    for _, r in df.iterrows():
        cells = [str(r["method"]).replace("_", r"\_")]
        cells += [_fmt(r[h], COLUMNS[h][2]) for h in COLUMNS]
        cells += [_fmt(r["Paper params (M)"], 3), _fmt(r["Paper GFLOPs (thop MACs)"], 3)]
        lines.append(" & ".join(cells) + r" \\")
    return "\n".join([*lines, r"\bottomrule", r"\end{tabular}"]) + "\n"
