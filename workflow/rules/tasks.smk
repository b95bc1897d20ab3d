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
        train=lambda wildcards, input: f"{input}/train",
        task=lambda wildcards: PLAN.task_of(wildcards.role),
        arch=task_option("arch"),
        epochs=task_option("epochs"),
        batch=task_option("batch_size"),
        lr=task_option("lr"),
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
        "geoinpaint train-task --task {params.task:q} --train {params.train:q}"
        " --out {output.model:q} --state {params.state:q} --log-csv {output.history:q}"
        " --arch {params.arch:q} --epochs {params.epochs:q} --batch-size {params.batch:q}"
        " --lr {params.lr:q} --seed {wildcards.seed} --device {params.device:q}"
        " --threads {threads} > {log:q} 2>&1"
