# Inpaint the frozen test set with each method, then score every row per image.


rule inpaint:
    input:
        f"{DATA}/testsets/classification",
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
        testset=f"{DATA}/testsets/classification",
        images=row_images,
        classifier=f"{RUNS}/tasks/classifier.pt",
    output:
        per_image=f"{RUNS}/metrics/{{row}}.csv",
        # FID, KID and the reason for every metric not computed (geoinpaint.metrics.suite)
        set=f"{RUNS}/metrics/{{row}}.set.json",
    params:
        images=row_images_dir,
        device=config["device"],
    threads: THREADS
    resources:
        gpu=EVAL_GPUS,
    log:
        f"{LOGS}/evaluate_{{row}}.log",
    benchmark:
        f"{BENCH}/evaluate_{{row}}.tsv"
    shell:
        "geoinpaint evaluate --testset {input.testset} --images {params.images}"
        " --classifier {input.classifier} --out {output.per_image} --device {params.device}"
        " --threads {threads} > {log} 2>&1"
