# Paper tables from per-image metrics (geoinpaint.reporting.tables): every table of every
# paper file, at full precision (csv, in the report) and rounded with the best method in bold
# (md, tex); `_extended` versions carry every metric of the suite.
from geoinpaint.experiments.layout import metrics_inputs, table_caption, table_ids, table_layout

TABLE_FILES = table_ids(PLAN)
METRICS_TABLES = [t for (_, t), kind in TABLE_FILES.items() if kind == "metrics"]
RUNTIME_TABLES = [t for (_, t), kind in TABLE_FILES.items() if kind == "runtime"]
COST_TABLES = [t for (_, t), kind in TABLE_FILES.items() if kind == "cost"]


wildcard_constraints:
    table=alternatives(METRICS_TABLES),
    timing=alternatives(RUNTIME_TABLES),
    cost=alternatives(COST_TABLES),


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
    log:
        f"{LOGS}/table_{{paper}}_{{table}}.log",
    benchmark:
        f"{BENCH}/table_{{paper}}_{{table}}.tsv"
    shell:
        "geoinpaint table --layout {params.layout} --out {output[0]}"
        " --config-hash {params.hash} > {log} 2>&1"


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
        sizes=" ".join(map(str, config["runtime"]["sizes"])),
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
        "geoinpaint runtime --method {params.method} --checkpoint {input} --sizes {params.sizes}"
        " --repeats {params.repeats} {params.paper} --device {params.device}"
        " --threads {threads} --out {output} > {log} 2>&1"


def cost_args(wildcards):
    table = PLAN.tables[(wildcards.paper, wildcards.cost)]
    spec = table.spec
    rows = " ".join(f"--method {r.method} --label {q(r.label)}" for r in table.rows)
    return f"{rows} --size {spec.size} --paper {q(json.dumps(spec.paper_values))} --title {q(f'Table {spec.id}: {spec.title}')}"


rule cost:
    output:
        report(
            f"results/{RUN}/{{paper}}/table_{{cost}}.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
        f"results/{RUN}/{{paper}}/table_{{cost}}.md",
        f"results/{RUN}/{{paper}}/table_{{cost}}.tex",
    params:
        args=cost_args,
        hash=CONFIG_HASH,
        caption=lambda wildcards: (
            f"**Table {wildcards.cost}** of *{PLAN.papers[wildcards.paper].title}*: parameters "
            "and computation of every method at its paper settings (whatever this run's scale), "
            "ours beside the paper's figures."
        ),
    threads: THREADS
    log:
        f"{LOGS}/cost_{{paper}}_{{cost}}.log",
    benchmark:
        f"{BENCH}/cost_{{paper}}_{{cost}}.tsv"
    shell:
        "geoinpaint describe {params.args} --config-hash {params.hash} --device cpu"
        " --threads {threads} --out {output[0]} > {log} 2>&1"
