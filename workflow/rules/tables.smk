# Paper tables from per-image metrics (geoinpaint.reporting.tables): every table of every
# paper file, at full precision (csv, in the report) and rounded with the best method in bold
# (md, tex); `_extended` versions carry every metric of the suite.
from geoinpaint.experiments.layout import metrics_inputs, table_caption, table_ids, table_layout

TABLE_FILES = table_ids(PLAN)
METRICS_TABLES = [t for (_, t), kind in TABLE_FILES.items() if kind == "metrics"]
RUNTIME_TABLES = [t for (_, t), kind in TABLE_FILES.items() if kind == "runtime"]


wildcard_constraints:
    table=alternatives(METRICS_TABLES),
    timing=alternatives(RUNTIME_TABLES),


rule table:
    localrule: True
    input:
        lambda wildcards: metrics_inputs(PLAN, PLAN.tables[(wildcards.paper, wildcards.table.removesuffix("_extended"))]),
    output:
        report(
            f"results/{RUN}/{{paper}}/table_{{table}}.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
        f"results/{RUN}/{{paper}}/table_{{table}}.md",
        f"results/{RUN}/{{paper}}/table_{{table}}.tex",
    params:
        layout=lambda wildcards: q(json.dumps(table_layout(PLAN, wildcards.paper, wildcards.table))),
        caption=lambda wildcards: table_caption(PLAN, wildcards.paper, wildcards.table),
        hash=CONFIG_HASH,
        csv=lambda wildcards, output: output[0],
    log:
        f"{LOGS}/table_{{paper}}_{{table}}.log",
    benchmark:
        f"{BENCH}/table_{{paper}}_{{table}}.tsv"
    shell:
        "geoinpaint table --layout {params.layout} --out {params.csv:q}"
        " --config-hash {params.hash:q} > {log:q} 2>&1"


def runtime_run(wildcards):
    """The training run of the runtime table's first row (first seed)."""
    row = PLAN.tables[(wildcards.paper, wildcards.timing)].rows[0]
    out = next(iter(next(iter(row.outputs.values())).values()))
    return out


rule runtime:
    input:
        lambda wildcards: PLAN.checkpoint(runtime_run(wildcards).run),
    output:
        report(
            f"results/{RUN}/{{paper}}/{{timing}}.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
    params:
        method=lambda wildcards: runtime_run(wildcards).method,
        sizes=" ".join(str(int(s)) for s in config["runtime"]["sizes"]),
        repeats=config["runtime"]["repeats"],
        paper="--paper-architecture" if config["runtime"]["paper_architecture"] else "",
        device=config["device"],
        caption=lambda wildcards: (
            f"**{PLAN.tables[(wildcards.paper, wildcards.timing)].spec.title}**, on the device "
            "named in each row; for a CPU variant, optionally also the paper's architecture "
            "(untrained: speed does not depend on the weights)."
        ),
    threads: THREADS
    resources:
        gpu=TRAIN_GPUS,
    log:
        f"{LOGS}/runtime_{{paper}}_{{timing}}.log",
    benchmark:
        f"{BENCH}/runtime_{{paper}}_{{timing}}.tsv"
    shell:
        "geoinpaint runtime --method {params.method:q} --checkpoint {input:q}"
        " --sizes {params.sizes} --repeats {params.repeats} {params.paper}"
        " --device {params.device:q} --threads {threads} --out {output:q} > {log:q} 2>&1"
