"""The claims report (`geoinpaint claims`): every claim of the papers' `claims:`, tested.

Each claim (`experiments.papers.ClaimSpec`) is resolved against the run's plan: its table, its
block (test set), its two rows and their per-image files over the seeds. A claim whose table,
rows or per-image values are missing is kept, with the reason, as `not tested`. The others get
the effect `value(a) - value(b)` in the column's table units (mean over seeds), its 95 %
crossed-bootstrap interval and a p-value (`stats.paired.compare`: accuracy by exact McNemar per
seed combined by Stouffer, every other column by the crossed bootstrap; equivalence claims by
TOST within their margin), Holm-corrected over the tested claims of each paper. Verdicts:

- greater / less: `supported` when the Holm-adjusted p < alpha and the 95 % interval lies on
  the claimed side of 0; `contradicted` when both hold for the opposite side; else
  `inconclusive`.
- equivalent: `supported` when the Holm-adjusted TOST p < alpha (the difference lies within
  ±margin); `contradicted` when the 95 % interval lies entirely outside the margin; else
  `inconclusive`.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geoinpaint.experiments.entities import Plan, TablePlan, TableRow
from geoinpaint.experiments.papers import ClaimSpec
from geoinpaint.reporting.columns import COLUMNS
from geoinpaint.reporting.samples import NotTestable, load_sample, same_files
from geoinpaint.runtime import derive_seed
from geoinpaint.stats.multiple import holm
from geoinpaint.stats.paired import compare

ALPHA = 0.05
N_BOOT = 9999
EVERY_METHOD = "*"
SYMBOL = {"greater": ">", "less": "<", "equivalent": "≈"}
VERDICTS = ("supported", "contradicted", "inconclusive", "not tested")
FIELDS = (
    "paper", "id", "table", "block", "column", "claim", "direction", "margin", "effect",
    "ci_low", "ci_high", "p", "p_holm", "verdict", "test", "n_seeds", "n_images", "reason",
    "where", "words",
)  # fmt: skip


@dataclass
class Resolved:
    """A claim made concrete: its rows' labels, sources and files, or why it cannot be."""

    spec: ClaimSpec
    id: str
    a: str
    b: str
    block: str = ""
    rows: tuple[tuple[str, list[str]], ...] = ()  # (source, files) of a and b
    why: str = ""
    result: dict[str, Any] = field(default_factory=dict)


def _excluded_label(template: str) -> str:
    from geoinpaint.methods.registry import method_names, traits

    return traits(template)["label"] if template in method_names() else template


def _find(table: TablePlan, label: str, paper: str) -> tuple[TableRow | None, str]:
    rows = [r for r in table.rows if r.label == label]
    if not rows and "*" in label:
        rows = [r for r in table.rows if fnmatch.fnmatchcase(r.label, label)]
    if len(rows) == 1:
        return rows[0], rows[0].missing
    if len(rows) > 1:
        return None, f"{label!r} matches several rows: {', '.join(r.label for r in rows)}"
    excluded = [_excluded_label(t) for t in table.excluded]
    if label in excluded or any(fnmatch.fnmatchcase(e, label) for e in excluded):
        return None, f"row {label} is left out by this run's config (experiments.{paper}.methods)"
    return (
        None,
        f"no row {label!r} in Table {table.id} (rows: {', '.join(r.label for r in table.rows)})",
    )


def _resolve_block(
    plan: Plan, spec: ClaimSpec, table: TablePlan, block: tuple[str, str], cid: str, a: str
) -> Resolved:
    from geoinpaint.experiments.layout import block_label

    out = Resolved(spec, cid, a, spec.b, block_label(plan, *block))
    found = []
    for label in (a, spec.b):
        row, why = _find(table, label, spec.paper)
        if why or row is None:
            out.why = why
            return out
        files = [plan.metrics(o) for _, o in sorted(row.outputs.get(block, {}).items())]
        found.append((row.source, files))
        if label == a:
            out.a = row.label
        else:
            out.b = row.label
    if same_files(found[0][1], found[1][1]):
        out.why = (
            f"{out.a} and {out.b} are one trained model in this run (the options that tell them "
            "apart change nothing here; the table's notes say why)"
        )
    out.rows = tuple(found)
    return out


def resolve(plan: Plan, spec: ClaimSpec) -> list[Resolved]:
    """The concrete claims of `spec` (one per method row for `a: "*"`, one per block)."""
    table = plan.tables.get((spec.paper, spec.table))
    if table is None or table.spec.kind != "metrics":
        why = (
            f"Table {spec.table} is not among this run's tables of {spec.paper} (the paper "
            f"file does not define it yet, or experiments.{spec.paper}.tables leaves it out)"
        )
        return [Resolved(spec, spec.id, spec.a, spec.b, why=why)]
    blocks = [b for b in table.blocks if not spec.maskset or b[1] == spec.maskset]
    if not blocks:
        why = f"Table {spec.table} has no block with {spec.maskset} masks"
        return [Resolved(spec, spec.id, spec.a, spec.b, why=why)]
    if spec.a == EVERY_METHOD:
        labels = [r.label for r in table.rows if r.source == "method"]
        labels += [_excluded_label(t) for t in table.excluded]
    else:
        labels = [spec.a]
    out = []
    for block in blocks:
        where = f"@{block[0]}/{block[1]}" if len(blocks) > 1 else ""
        for label in labels:
            cid = spec.id + (f":{label}" if spec.a == EVERY_METHOD else "") + where
            out.append(_resolve_block(plan, spec, table, block, cid, label))
    return out


def _test(claim: Resolved, n_boot: int, seed: int) -> None:
    col = COLUMNS[claim.spec.column]
    try:
        a, b = (load_sample(col, source, files) for source, files in claim.rows)
    except NotTestable as err:
        claim.why = f"{col.header}: {err}"
        return
    k = derive_seed(seed, claim.spec.paper, claim.id)
    c = compare(a, b, n_boot=n_boot, seed=k, margin=claim.spec.margin)
    equivalence = claim.spec.direction == "equivalent"
    claim.result = {
        "effect": c.effect,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "p": c.p_equivalence if equivalence else c.p_value,
        "test": f"TOST within ±{claim.spec.margin:g}, crossed bootstrap" if equivalence else c.test,
        "n_seeds": c.n_seeds,
        "n_images": c.n_images,
    }


def verdict(direction: str, p_holm: float, low: float, high: float, margin: float | None) -> str:
    """The module docstring's verdict rule."""
    if direction == "equivalent":
        if p_holm < ALPHA:
            return "supported"
        return "contradicted" if low > margin or high < -margin else "inconclusive"
    side = 1 if direction == "greater" else -1
    if p_holm < ALPHA and (low > 0 if side > 0 else high < 0):
        return "supported"
    if p_holm < ALPHA and (high < 0 if side > 0 else low > 0):
        return "contradicted"
    return "inconclusive"


def evaluate_claims(plan: Plan, n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """One row per concrete claim of every paper in the plan (module docstring)."""
    records = []
    for spec_paper in plan.papers.values():
        claims = [c for spec in spec_paper.claims for c in resolve(plan, spec)]
        for claim in claims:
            if not claim.why:
                _test(claim, n_boot, seed)
        p_holm = holm([c.result.get("p", math.nan) for c in claims])
        for claim, adjusted in zip(claims, p_holm, strict=True):
            records.append(_record(claim, float(adjusted)))
    return pd.DataFrame(records, columns=list(FIELDS))


def _record(claim: Resolved, p_holm: float) -> dict[str, Any]:
    s, r = claim.spec, claim.result
    tested = bool(r)
    header = COLUMNS[s.column].header
    return {
        "paper": s.paper,
        "id": claim.id,
        "table": s.table,
        "block": claim.block,
        "column": header,
        "claim": f"{claim.a} {SYMBOL[s.direction]} {claim.b}",
        "direction": s.direction,
        "margin": s.margin,
        "effect": r.get("effect"),
        "ci_low": r.get("ci_low"),
        "ci_high": r.get("ci_high"),
        "p": r.get("p"),
        "p_holm": p_holm if tested else None,
        "verdict": verdict(s.direction, p_holm, r["ci_low"], r["ci_high"], s.margin)
        if tested
        else "not tested",
        "test": r.get("test", ""),
        "n_seeds": r.get("n_seeds"),
        "n_images": r.get("n_images"),
        "reason": claim.why,
        "where": s.where,
        "words": s.words,
    }


def _p(p: float) -> str:
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def _effect(rec: pd.Series) -> str:
    d = next(c.decimals for c in COLUMNS.values() if c.header == rec["column"])
    text = f"{rec['effect']:+.{d}f} [{rec['ci_low']:+.{d}f}, {rec['ci_high']:+.{d}f}]"
    return text + (f" (margin ±{rec['margin']:g})" if rec["direction"] == "equivalent" else "")


def to_markdown(
    df: pd.DataFrame,
    run: str,
    seeds: list[int],
    n_boot: int = N_BOOT,
    titles: dict[str, str] | None = None,
) -> str:
    """The claims table of every paper (`titles`: paper name -> title), the reasons of the
    untested ones and the papers' words."""
    counts = df["verdict"].value_counts()
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS)
    lines = [
        f"# The papers' claims, tested on run `{run}` (seeds {', '.join(map(str, seeds))})",
        "",
        f"{len(df)} claims: {summary}. Effect = value(a) - value(b) in the column's units (the "
        "difference of the two table cells, mean over seeds) with its 95 % interval from a "
        f"crossed bootstrap over seeds and test images (B = {n_boot}); p: two-sided test of no "
        "difference (Accuracy: exact McNemar per seed, Stouffer-combined; other columns: the "
        "bootstrap) or, for ≈, two one-sided tests within the margin; Holm-corrected within "
        f"each paper, alpha = {ALPHA}. docs/statistics.md gives every choice.",
    ]
    for paper, group in df.groupby("paper", sort=False):
        title = (titles or {}).get(str(paper), str(paper))
        lines += ["", f"## {title}", "", "| Claim | Table | Column | Effect [95 % CI] | p (Holm) "]
        lines[-1] += "| Verdict |"
        lines += ["|---|---|---|---|---|---|"]
        for _, rec in group.iterrows():
            tested = rec["verdict"] != "not tested"
            effect = _effect(rec) if tested else "-"
            p = _p(rec["p_holm"]) if tested else "-"
            lines.append(
                f"| {rec['id']}: {rec['claim']} | {rec['table']} | {rec['column']} | {effect} "
                f"| {p} | {rec['verdict']} |"
            )
        untested = group[group["verdict"] == "not tested"]
        if len(untested):
            lines += ["", "Not tested, and why:", ""]
            for reason, ids in untested.groupby("reason", sort=False)["id"]:
                lines.append(f"- {reason}: {', '.join(ids)}.")
        lines += ["", "In the paper's words:", ""]
        quoted: dict[tuple[str, str], list[str]] = {}
        for _, r in group[group["words"] != ""].iterrows():
            ids = quoted.setdefault((r["words"], r["where"]), [])
            base = r["id"].split(":")[0].split("@")[0]
            ids += [] if base in ids else [base]
        lines += [f'- {", ".join(ids)} ({where}): "{w}"' for (w, where), ids in quoted.items()]
    return "\n".join(lines) + "\n"
