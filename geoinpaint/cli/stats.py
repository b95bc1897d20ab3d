"""Statistics verbs: a paper table over seeds with intervals (`table-seeds`) and the claims
report (`claims`)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from geoinpaint.cli.common import verb

log = logging.getLogger("geoinpaint")


def _json(text: str, what: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{what} is not JSON ({err})") from err


def cmd_table_seeds(a: argparse.Namespace) -> None:
    from geoinpaint.provenance import provenance
    from geoinpaint.reporting.seeds import build_seeds_table, to_markdown, write_seeds_table

    layout = _json(a.layout, "--layout")
    seeds = ",".join(map(str, layout.get("seeds", [0])))
    df = build_seeds_table(layout, provenance(a.config_hash, seeds), a.n_boot, a.seed)
    for path in write_seeds_table(df, layout, a.out, a.n_boot):
        log.info("wrote %s", path)
    print(to_markdown(df, layout, a.n_boot))


def _config(a: argparse.Namespace) -> dict:
    if a.config_json:
        return _json(a.config_json, "--config-json")
    import yaml

    return yaml.safe_load(Path(a.config).read_text())


def cmd_claims(a: argparse.Namespace) -> None:
    from geoinpaint.atomic import write_text
    from geoinpaint.experiments.plan import plan
    from geoinpaint.provenance import provenance
    from geoinpaint.reporting.claims import evaluate_claims, to_markdown
    from geoinpaint.reporting.forest import forest_plot

    config = _config(a)
    p = plan(config, a.papers)
    df = evaluate_claims(p, a.n_boot, a.seed)
    seeds = ",".join(map(str, p.seeds))
    df = df.assign(**provenance(a.config_hash, seeds))
    write_text(a.out, df.to_csv(index=False))
    titles = {name: paper.title for name, paper in p.papers.items()}
    md = to_markdown(df, p.run, p.seeds, a.n_boot, titles)
    write_text(a.out.with_suffix(".md"), md)
    title = f"The papers' claims on run {p.run} (seeds {seeds})"
    forest_plot(df, a.figure, title)
    log.info("wrote %s, %s and %s", a.out, a.out.with_suffix(".md"), a.figure)
    print(md)


def add_verbs(sub: argparse._SubParsersAction) -> None:
    s = verb(
        sub,
        "table-seeds",
        cmd_table_seeds,
        "a paper table over seeds: mean ± 95 %% t-interval and n per cell, bold by paired tests",
    )
    s.add_argument(
        "--layout",
        required=True,
        help="JSON: rows, blocks and per-seed metric files (geoinpaint.experiments.layout)",
    )
    s.add_argument("--out", type=Path, required=True, help="the table's CSV (md, tex beside it)")
    s.add_argument("--config-hash", required=True)
    s.add_argument("--n-boot", type=int, default=1999, help="bootstrap resamples of each test")
    s.add_argument("--seed", type=int, default=0, help="seed of the resampling")

    s = verb(sub, "claims", cmd_claims, "test every claim of the papers' claims: sections")
    config = s.add_mutually_exclusive_group(required=True)
    config.add_argument("--config", type=Path, help="the run's config file (YAML)")
    config.add_argument("--config-json", help="the run's config as JSON (the workflow's)")
    s.add_argument("--papers", type=Path, default=Path("config/experiments"))
    s.add_argument("--out", type=Path, required=True, help="claims CSV (the .md beside it)")
    s.add_argument("--figure", type=Path, required=True, help="forest plot PNG")
    s.add_argument("--config-hash", default="")
    s.add_argument("--n-boot", type=int, default=9999, help="bootstrap resamples per claim")
    s.add_argument("--seed", type=int, default=0, help="seed of the resampling")
