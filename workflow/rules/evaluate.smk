# Inpaint the frozen test set with each method, then score every row per image.


rule inpaint:
    input:
        f"{DATA}/testset",
    output:
        directory(f"{RUNS}/outputs/{{method}}"),
    threads: THREADS
    log:
        f"{LOGS}/inpaint_{{method}}.log",
    benchmark:
        f"{BENCH}/inpaint_{{method}}.tsv"
    shell:
        "geoinpaint inpaint --method {wildcards.method} --testset {input} --out {output}"
        " --threads {threads} > {log} 2>&1"


rule evaluate:
    input:
        testset=f"{DATA}/testset",
        images=row_images,
        classifier=f"{RUNS}/tasks/classifier.pt",
    output:
        f"{RUNS}/metrics/{{row}}.csv",
    params:
        images=row_images_dir,
        device=config["device"],
    threads: THREADS
    log:
        f"{LOGS}/evaluate_{{row}}.log",
    benchmark:
        f"{BENCH}/evaluate_{{row}}.tsv"
    shell:
        "geoinpaint evaluate --testset {input.testset} --images {params.images}"
        " --classifier {input.classifier} --out {output} --device {params.device}"
        " --threads {threads} > {log} 2>&1"
