# Frozen task networks (scene classifier, cross-view geolocator, land-cover segmenter), each
# trained on its task's clean training split with the options under `tasks.<task>` in the config.


rule train_task:
    input:
        f"{DATA}/scenes/{{task}}",
    output:
        model=f"{RUNS}/tasks/{{task}}.pt",
        history=f"{RUNS}/tasks/{{task}}_log.csv",
    params:
        # Resumable state lives outside the declared outputs, so a killed job resumes.
        state=f"{RUNS}/state/{{task}}.pt",
        arch=task_option("arch"),
        epochs=task_option("epochs"),
        batch=task_option("batch_size"),
        lr=task_option("lr"),
        seed=config["seed"],
        device=config["device"],
    threads: THREADS
    resources:
        gpu=TRAIN_GPUS,
        cpus_per_task=THREADS,
        mem_mb=4000,
        # minutes; a retry after a time-limit kill (--retries) gets more and resumes from state
        runtime=lambda wildcards, attempt: 120 * attempt,
    log:
        f"{LOGS}/train_task_{{task}}.log",
    benchmark:
        f"{BENCH}/train_task_{{task}}.tsv"
    shell:
        "geoinpaint train-task --task {wildcards.task} --train {input}/train --out {output.model}"
        " --state {params.state} --log-csv {output.history} --arch {params.arch}"
        " --epochs {params.epochs} --batch-size {params.batch} --lr {params.lr}"
        " --seed {params.seed} --device {params.device} --threads {threads} > {log} 2>&1"
