# Figures like the paper's.


rule fig6_qualitative:
    input:
        testset=f"{DATA}/testset",
        outputs=expand(f"{RUNS}/outputs/{{method}}", method=METHODS),
    output:
        "paper_figures/fig6_qualitative_scene_recognition.png",
    params:
        methods=lambda wildcards, input: " ".join(
            f"--method {m}={p}" for m, p in zip(METHODS, input.outputs, strict=True)
        ),
        n=config["figures"]["grid_images"],
    log:
        f"{LOGS}/fig6_qualitative.log",
    benchmark:
        f"{BENCH}/fig6_qualitative.tsv"
    shell:
        "geoinpaint figure --testset {input.testset} {params.methods} --out {output}"
        " --n-images {params.n} > {log} 2>&1"
