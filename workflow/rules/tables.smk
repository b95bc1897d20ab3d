# Paper tables from per-image metrics.


rule table_I:
    input:
        expand(f"{RUNS}/metrics/{{row}}.csv", row=ROWS),
    output:
        expand("results/table_I.{ext}", ext=("csv", "md", "tex")),
    params:
        rows=lambda wildcards, input: " ".join(
            f"--row {r}={p}" for r, p in zip(ROWS, input, strict=True)
        ),
        prefix=lambda wildcards, output: os.path.splitext(output[0])[0],
        hash=CONFIG_HASH,
        seed=config["seed"],
    log:
        f"{LOGS}/table_I.log",
    benchmark:
        f"{BENCH}/table_I.tsv"
    shell:
        "geoinpaint table --table I {params.rows} --out-prefix {params.prefix}"
        " --config-hash {params.hash} --seed {params.seed} > {log} 2>&1"
