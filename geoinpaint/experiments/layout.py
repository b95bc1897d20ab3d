"""What a table job and a figure job receive: the files a table or figure reads, in order, and
its caption, as plain JSON (the `geoinpaint table` verb's `--layout`)."""

from __future__ import annotations

from typing import Any

from geoinpaint.experiments.entities import Plan, TablePlan

EXTENDED = "_extended"


def table_ids(plan: Plan) -> dict[tuple[str, str], str]:
    """Every metrics table file id (`I`, `I_extended`, ...) by (paper, file id) -> kind."""
    out = {}
    for (paper, tid), t in plan.tables.items():
        out[(paper, tid)] = t.spec.kind
        if t.spec.extended:
            out[(paper, tid + EXTENDED)] = t.spec.kind
    return out


def table_of(plan: Plan, paper: str, file_id: str) -> tuple[TablePlan, bool]:
    """The table behind a file id, and whether the file is its `_extended` version."""
    extended = file_id.endswith(EXTENDED)
    tid = file_id[: -len(EXTENDED)] if extended else file_id
    return plan.tables[(paper, tid)], extended


def block_label(plan: Plan, role: str, maskset: str) -> str:
    from geoinpaint.data.datasets import get_dataset

    r = plan.roles[role]
    dataset = get_dataset(r.source)
    what = role.upper() if dataset.real else f"{role} (procedural stand-in)"
    return f"{what}, {maskset} masks"


def metrics_inputs(plan: Plan, table: TablePlan) -> list[str]:
    """The metrics folders (one per group) a table reads."""
    groups = {
        (role, maskset, seed)
        for row in table.rows
        for (role, maskset), seeds in row.outputs.items()
        for seed in seeds
    }
    return sorted(plan.metrics_dir(*g) for g in groups)


def table_layout(plan: Plan, paper: str, file_id: str) -> dict[str, Any]:
    """Rows x blocks x seeds of per-image metric files, columns, title and notes."""
    table, extended = table_of(plan, paper, file_id)
    spec = table.spec
    rows = []
    for row in table.rows:
        cells = [
            [plan.metrics(out) for _, out in sorted(row.outputs.get(block, {}).items())]
            for block in table.blocks
        ]
        rows.append(
            {"label": row.label, "source": row.source, "missing": row.missing, "cells": cells}
        )
    return {
        "paper": paper,
        "id": file_id,
        "title": spec.title + (", every metric" if extended else ""),
        "task": spec.task,
        "columns": list(spec.columns),
        "extended": extended,
        "blocks": [block_label(plan, r, m) for r, m in table.blocks],
        "rows": rows,
        "excluded": table.excluded,
        "seeds": plan.seeds,
    }


def table_caption(plan: Plan, paper: str, file_id: str) -> str:
    table, extended = table_of(plan, paper, file_id)
    spec = table.spec
    title = plan.papers[paper].title
    if spec.caption:
        return spec.caption
    blocks = "; ".join(block_label(plan, r, m) for r, m in table.blocks)
    every = " with every metric of the suite" if extended else ""
    return (
        f'**Table {spec.id}** of *{title}* ("{spec.title}"){every}, reproduced on this run\'s '
        f"data ({blocks}; seeds {plan.seeds}). An empty cell is a value that is not computed, "
        "with the reason in ``notes``; a row whose method is not implemented says so."
    )


def claims_inputs(plan: Plan) -> list[str]:
    """The metrics folders the claims report reads: those of every table a claim names."""
    named = {(paper, c.table) for paper, spec in plan.papers.items() for c in spec.claims}
    return sorted(
        {d for key in named if key in plan.tables for d in metrics_inputs(plan, plan.tables[key])}
    )
