# Frozen task networks (scene classifier, cross-view geolocator, land-cover segmenter): one per
# dataset role and seed, trained on the role's clean training split with `tasks.<task>`.


TASK_NET_OPTIONS = ("arch", "epochs", "batch_size", "lr", "init", "val_fraction", "warmup")
TASK_NET_OPTIONS += ("patience", "weight_decay")


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
        options=lambda wildcards: " ".join(
            f"--{key.replace('_', '-')} {jobs.q(value)}"
            for key, value in config["tasks"][PLAN.task_of(wildcards.role)].items()
            if key in TASK_NET_OPTIONS
        ),
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
        " {params.options} --seed {wildcards.seed} --device {params.device:q}"
        " --threads {threads} > {log:q} 2>&1"
