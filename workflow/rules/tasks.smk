# Frozen task networks (scene classifier, cross-view geolocator, land-cover segmenter): one per
# dataset role and seed, trained on the role's clean training split with `tasks.<task>`.


def task_option(key):
    return lambda wildcards: config["tasks"][PLAN.task_of(wildcards.role)][key]


rule train_task:
    input:
        f"data/{RUN}/{{role}}/scenes",
    output:
        model=f"runs/{RUN}/{{role}}/seed{{seed}}/task_net.pt",
        history=f"runs/{RUN}/{{role}}/seed{{seed}}/task_net_log.csv",
    params:
        # Resumable state lives outside the declared outputs, so a killed job resumes.
        state=f"runs/{RUN}/state/{{role}}/seed{{seed}}/task_net.pt",
        task=lambda wildcards: PLAN.task_of(wildcards.role),
        arch=task_option("arch"),
        epochs=task_option("epochs"),
        batch=task_option("batch_size"),
        lr=task_option("lr"),
        init=task_option("init"),
        val=task_option("val_fraction"),
        warmup=task_option("warmup"),
        patience=task_option("patience"),
        decay=task_option("weight_decay"),
        device=config["device"],
    threads: THREADS
    resources:
        gpu=TRAIN_GPUS,
        cpus_per_task=THREADS,
        mem_mb=4000,
        # minutes; a retry after a time-limit kill (--retries) gets more and resumes from state
        runtime=lambda wildcards, attempt: 120 * attempt,
    log:
        f"{LOGS}/train_task_{{role}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/train_task_{{role}}_seed{{seed}}.tsv"
    shell:
        "geoinpaint train-task --task {params.task} --train {input}/train --out {output.model}"
        " --state {params.state} --log-csv {output.history} --arch {params.arch}"
        " --epochs {params.epochs} --batch-size {params.batch} --lr {params.lr}"
        " --init {params.init} --val-fraction {params.val} --warmup {params.warmup}"
        " --patience {params.patience} --weight-decay {params.decay}"
        " --seed {wildcards.seed} --device {params.device} --threads {threads} > {log} 2>&1"
