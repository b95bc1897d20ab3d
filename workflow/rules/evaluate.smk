# Inpaint each task's frozen test set with each classical method, then score every table row of
# every task per image. Trained methods add their own rule writing `{RUNS}/outputs/{task}/{method}`
# (the `method` wildcard of `inpaint` only matches the classical methods of the config).


rule inpaint:
    input:
        f"{DATA}/testsets/{{task}}",
    output:
        directory(f"{RUNS}/outputs/{{task}}/{{method}}"),
    wildcard_constraints:
        method=alternatives(METHODS),
    threads: THREADS
    log:
        f"{LOGS}/inpaint_{{task}}_{{method}}.log",
    benchmark:
        f"{BENCH}/inpaint_{{task}}_{{method}}.tsv"
    shell:
        "geoinpaint inpaint --method {wildcards.method} --testset {input} --out {output}"
        " --threads {threads} > {log} 2>&1"


# One job per task scores every row of its table: the test set, torch and the frozen network
# are loaded once (seconds per process), then each row's folder is scored and written to
# `metrics/<task>/<row>.csv` and `<row>.set.json` (FID, KID, the task's set values such as
# Recall@K, AP and mIoU, and the reason for every metric not computed).
for _task in TASKS:

    rule:
        name:
            f"evaluate_{_task}"
        input:
            testset=f"{DATA}/testsets/{_task}",
            images=[row_images(_task, row) for row in table_rows(_task)],
            task_net=f"{RUNS}/tasks/{_task}.pt",
        output:
            per_image=metrics_files(_task),
            sets=metrics_files(_task, "set.json"),
        params:
            task=_task,
            rows=" ".join(
                f"--images {row_images_dir(_task, row)} --out {out}"
                for row, out in zip(table_rows(_task), metrics_files(_task), strict=True)
            ),
            device=config["device"],
        threads: THREADS
        resources:
            gpu=EVAL_GPUS,
        log:
            f"{LOGS}/evaluate_{_task}.log",
        benchmark:
            f"{BENCH}/evaluate_{_task}.tsv"
        shell:
            "geoinpaint evaluate --task {params.task} --testset {input.testset}"
            " --task-net {input.task_net} {params.rows} --device {params.device}"
            " --threads {threads} > {log} 2>&1"
