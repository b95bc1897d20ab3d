# Paper tables from per-image metrics.


# Table I in the paper's columns, and table_I_extended with every metric (docs/conventions.md),
# both from the same per-image metrics and set records.
rule table_I:
    localrule: True
    input:
        per_image=expand(f"{RUNS}/metrics/{{row}}.csv", row=ROWS),
        sets=expand(f"{RUNS}/metrics/{{row}}.set.json", row=ROWS),
    output:
        report("results/table_I.csv", caption="../report/table_I.rst", category="Tables"),
        "results/table_I.md",
        "results/table_I.tex",
        report(
            "results/table_I_extended.csv",
            caption="../report/table_I_extended.rst",
            category="Tables",
        ),
        "results/table_I_extended.md",
        "results/table_I_extended.tex",
    params:
        rows=lambda wildcards, input: " ".join(
            f"--row {r}={p}" for r, p in zip(ROWS, input.per_image, strict=True)
        ),
        prefix=lambda wildcards, output: os.path.splitext(output[0])[0],
        hash=CONFIG_HASH,
        seed=config["seed"],
    log:
        f"{LOGS}/table_I.log",
    benchmark:
        f"{BENCH}/table_I.tsv"
    shell:
        "(geoinpaint table --table I {params.rows} --out-prefix {params.prefix}"
        " --config-hash {params.hash} --seed {params.seed}"
        " && geoinpaint table --table I_extended {params.rows}"
        " --out-prefix {params.prefix}_extended --config-hash {params.hash}"
        " --seed {params.seed}) > {log} 2>&1"
