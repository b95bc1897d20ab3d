# Evidence over seeds (geoinpaint.stats, docs/statistics.md): every metrics table also over
# seeds (`table_<id>_seeds.*`: mean ± 95 % t-interval and n per cell, bold only where a paired
# test separates the leader), and the claims report: every claim of the papers' `claims:`
# tested, Holm-corrected within each paper, with a forest plot.
rule table_seeds:
    localrule: True
    input:
        lambda wildcards: layout.metrics_inputs(
            PLAN, PLAN.tables[(wildcards.paper, wildcards.table.removesuffix("_extended"))]
        ),
    output:
        csv=report(
            f"results/{RUN}/{{paper}}/table_{{table}}_seeds.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
        md=f"results/{RUN}/{{paper}}/table_{{table}}_seeds.md",
        tex=f"results/{RUN}/{{paper}}/table_{{table}}_seeds.tex",
    params:
        layout=lambda wildcards: jobs.q(
            json.dumps(layout.table_layout(PLAN, wildcards.paper, wildcards.table))
        ),
        caption=lambda wildcards: layout.table_caption(PLAN, wildcards.paper, wildcards.table)
        + " Over seeds: each cell is the mean ± the half-width of its 95 % t-interval over the "
        "seeds, with n; bold only where a paired test separates the leaders (docs/statistics.md).",
        hash=CONFIG_HASH,
    log:
        f"{LOGS}/table_seeds_{{paper}}_{{table}}.log",
    benchmark:
        f"{BENCH}/table_seeds_{{paper}}_{{table}}.tsv"
    shell:
        "geoinpaint table-seeds --layout {params.layout} --out {output.csv:q}"
        " --config-hash {params.hash:q} > {log:q} 2>&1"


CLAIMS_CAPTION = (
    "**The papers' claims, tested** (the claims report comes first): every directional claim "
    "of *Task-driven inpainting* (Tables I-VIII, Sec. H) and *IGLL* (Tables 2 and 4) as a "
    "paired test between two table rows over this run's seeds and test images: the effect "
    "(a - b, the column's units) with its 95 % crossed-bootstrap interval, the p-value "
    "Holm-corrected within each paper, and the verdict (supported, contradicted, "
    "inconclusive; a claim whose table or rows this run lacks says why). The Markdown version "
    "``claims.md`` lies beside it; docs/statistics.md gives every choice."
)


rule claims:
    localrule: True
    input:
        layout.claims_inputs(PLAN),
        [f"config/experiments/{paper}.yaml" for paper in PLAN.papers],
    output:
        csv=report(f"results/{RUN}/claims.csv", caption="../report/caption.rst", category="Claims"),
        md=f"results/{RUN}/claims.md",
        forest=report(
            f"paper_figures/{RUN}/claims_forest.png",
            caption="../report/caption.rst",
            category="Claims",
        ),
    params:
        config=jobs.q(json.dumps(config)),
        hash=CONFIG_HASH,
        caption=CLAIMS_CAPTION,
    log:
        f"{LOGS}/claims.log",
    benchmark:
        f"{BENCH}/claims.tsv"
    shell:
        "geoinpaint claims --config-json {params.config} --out {output.csv:q}"
        " --figure {output.forest:q} --config-hash {params.hash:q} > {log:q} 2>&1"
