# Paper tables from per-image metrics: I (scene recognition), II (cross-view geolocation) and III
# (segmentation), each with the paper's columns and `_extended` with every metric
# (docs/conventions.md); then the ablation tables IV-VIII and Section H (scene recognition, the
# paper's columns), whose rows are trained variants scored by `evaluate_classification`.


def table_outputs(table):
    """The files `geoinpaint table` writes for a table: csv (in the report), md, tex."""
    prefix = f"results/table_{table}"
    csv = report(f"{prefix}.csv", caption=f"../report/table_{table}.rst", category="Tables")
    return [csv, f"{prefix}.md", f"{prefix}.tex"]


def row_arguments(task, rows):
    """`--row LABEL=metrics.csv` per row, shell-quoted. A function, because Snakemake would
    read the braces of Table VII's labels (`{DCGAN, PatchGAN}`) in a params string as wildcards."""
    args = " ".join(
        shlex.quote(f"--row={label}={RUNS}/metrics/{task}/{row}.csv") for label, row in rows
    )
    return lambda wildcards: args


for _table in (*TASK_OF_TABLE, *ABLATION_TABLES):
    _task = TASK_OF_TABLE.get(_table, "classification")
    _rows = paper_table_rows(_table)
    _variants = (_table, f"{_table}_extended") if _table in TASK_OF_TABLE else (_table,)

    rule:
        name:
            f"table_{_table}"
        localrule: True
        input:
            per_image=[f"{RUNS}/metrics/{_task}/{row}.csv" for _, row in _rows],
            sets=[f"{RUNS}/metrics/{_task}/{row}.set.json" for _, row in _rows],
        output:
            [path for name in _variants for path in table_outputs(name)],
        params:
            tables=" ".join(f"--table {name}" for name in _variants),
            rows=row_arguments(_task, _rows),
            hash=CONFIG_HASH,
            seed=config["seed"],
        log:
            f"{LOGS}/table_{_table}.log",
        benchmark:
            f"{BENCH}/table_{_table}.tsv"
        shell:
            "geoinpaint table {params.tables} {params.rows} --out-dir results"
            " --config-hash {params.hash} --seed {params.seed} > {log} 2>&1"
