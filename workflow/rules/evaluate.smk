# Inpaint each task's frozen test set with the classical (training-free) methods, one job per
# task (one process: starting Python and its libraries costs more than these methods' work),
# then score every table row of every task per image. Trained methods are inpainted by
# `inpaint_trained_<task>` (train.smk).
for _task in TASKS:

    rule:
        name:
            f"inpaint_{_task}"
        input:
            f"{DATA}/testsets/{_task}",
        output:
            [directory(f"{RUNS}/outputs/{_task}/{m}") for m in METHODS],
        params:
            methods=" ".join(f"--method {m} --out {RUNS}/outputs/{_task}/{m}" for m in METHODS),
        threads: THREADS
        log:
            f"{LOGS}/inpaint_{_task}.log",
        benchmark:
            f"{BENCH}/inpaint_{_task}.tsv"
        shell:
            "geoinpaint inpaint --testset {input} {params.methods} --threads {threads} > {log} 2>&1"


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
