# Paper tables from per-image metrics (geoinpaint.reporting.tables): every table of every
# paper file, at full precision (csv, in the report) and rounded with the best method in bold
# (md, tex); `_extended` versions carry every metric of the suite.
TABLE_FILES = layout.table_ids(PLAN)
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
        lambda wildcards: layout.metrics_inputs(
            PLAN, layout.table_of(PLAN, wildcards.paper, wildcards.table)[0]
        ),
    output:
        csv=report(
            f"results/{RUN}/{{paper}}/table_{{table}}.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
        md=f"results/{RUN}/{{paper}}/table_{{table}}.md",
        tex=f"results/{RUN}/{{paper}}/table_{{table}}.tex",
    params:
        layout=lambda wildcards: jobs.q(
            json.dumps(layout.table_layout(PLAN, wildcards.paper, wildcards.table))
        ),
        caption=lambda wildcards: layout.table_caption(PLAN, wildcards.paper, wildcards.table),
        hash=CONFIG_HASH,
    log:
        f"{LOGS}/table_{{paper}}_{{table}}.log",
    benchmark:
        f"{BENCH}/table_{{paper}}_{{table}}.tsv"
    shell:
        "geoinpaint table --layout {params.layout} --out {output.csv:q}"
        " --config-hash {params.hash:q} > {log:q} 2>&1"


rule runtime:
    input:
        lambda wildcards: PLAN.checkpoint(
            jobs.runtime_output(PLAN, wildcards.paper, wildcards.timing).run
        ),
    output:
        report(
            f"results/{RUN}/{{paper}}/{{timing}}.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
    params:
        method=lambda wildcards: jobs.runtime_output(PLAN, wildcards.paper, wildcards.timing).method,
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


rule cost:
    output:
        csv=report(
            f"results/{RUN}/{{paper}}/table_{{cost}}.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
        md=f"results/{RUN}/{{paper}}/table_{{cost}}.md",
        tex=f"results/{RUN}/{{paper}}/table_{{cost}}.tex",
    params:
        args=lambda wildcards: jobs.cost_args(PLAN, wildcards.paper, wildcards.cost),
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
        "geoinpaint describe {params.args} --config-hash {params.hash:q} --device cpu"
        " --threads {threads} --out {output.csv:q} > {log:q} 2>&1"
