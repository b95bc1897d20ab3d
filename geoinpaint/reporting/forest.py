"""Forest plot of the tested claims (`paper_figures/<run>/claims_forest.png`).

One panel per column (its own units), one line per tested claim: the effect value(a) -
value(b) with its 95 % interval, coloured by verdict; 0 is marked, and an equivalence claim's
margin is shaded. Claims that could not be tested are counted in the title (claims.md lists
them with their reasons).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

COLOURS = {"supported": "#1a9850", "contradicted": "#d73027", "inconclusive": "#636363"}


def forest_plot(df: pd.DataFrame, out: Path, title: str) -> None:
    """Draw the claims of `reporting.claims.evaluate_claims`'s table into `out` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from geoinpaint.atomic import atomic_path

    tested = df[df["verdict"] != "not tested"]
    groups = list(tested.groupby("column", sort=False)) or [("no claim tested", tested)]
    heights = [max(len(g), 1) + 1.2 for _, g in groups]
    fig, axes = plt.subplots(
        len(groups),
        1,
        figsize=(10, 0.28 * sum(heights) + 1.2),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, (column, group) in zip(axes[:, 0], groups, strict=True):
        y = list(range(len(group)))[::-1]
        for yi, (_, rec) in zip(y, group.iterrows(), strict=True):
            colour = COLOURS[rec["verdict"]]
            ax.plot([rec["ci_low"], rec["ci_high"]], [yi, yi], color=colour, lw=2)
            ax.plot(rec["effect"], yi, "o", color=colour, ms=5)
            if rec["direction"] == "equivalent":
                m = float(rec["margin"])
                ax.fill_betweenx([yi - 0.4, yi + 0.4], -m, m, color="#fee08b", alpha=0.6, lw=0)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, [f"{r['paper']} {r['table']}: {r['claim']}" for _, r in group.iterrows()])
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(-0.8, max(len(group), 1) - 0.2)
        ax.set_title(f"{column}: value(a) - value(b), 95 % interval", fontsize=9, loc="left")
    handles = [plt.Line2D([], [], color=c, marker="o", lw=2) for c in COLOURS.values()]
    fig.legend(handles, list(COLOURS), loc="upper right", ncol=3, fontsize=8, frameon=False)
    untested = int((df["verdict"] == "not tested").sum())
    fig.suptitle(f"{title}\n{len(tested)} claims tested, {untested} not tested", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    # a long claim label is wider than tight_layout's share of the canvas: grow the canvas
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=120, format="png", bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)
