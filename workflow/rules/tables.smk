# Paper tables from per-image metrics: one rule per table (I: scene recognition, II: cross-view
# geolocation, III: segmentation), each writing the paper's columns and `_extended` with every
# metric (docs/conventions.md), both from the same per-image metrics and set records.


for _table, _task in TASK_OF_TABLE.items():

    rule:
        name:
            f"table_{_table}"
        localrule: True
        input:
            per_image=metrics_files(_task),
            sets=metrics_files(_task, "set.json"),
        output:
            report(
                f"results/table_{_table}.csv",
                caption=f"../report/table_{_table}.rst",
                category="Tables",
            ),
            f"results/table_{_table}.md",
            f"results/table_{_table}.tex",
            report(
                f"results/table_{_table}_extended.csv",
                caption=f"../report/table_{_table}_extended.rst",
                category="Tables",
            ),
            f"results/table_{_table}_extended.md",
            f"results/table_{_table}_extended.tex",
        params:
            tables=f"--table {_table} --table {_table}_extended",
            rows=" ".join(
                f"--row {r}={p}" for r, p in zip(table_rows(_task), metrics_files(_task), strict=True)
            ),
            hash=CONFIG_HASH,
            seed=config["seed"],
        log:
            f"{LOGS}/table_{_table}.log",
        benchmark:
            f"{BENCH}/table_{_table}.tsv"
        shell:
            "geoinpaint table {params.tables} {params.rows} --out-dir results"
            " --config-hash {params.hash} --seed {params.seed} > {log} 2>&1"
