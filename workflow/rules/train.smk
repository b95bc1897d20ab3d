# Trained inpainting methods: one wildcard rule trains every distinct model of every table (the
# plan shares a run between rows whose models are identical), on its dataset role's clean
# training split with that seed's frozen training masks and, for a task loss, the role's frozen
# task network (and, with `warm_start`, from its warm-up run).


wildcard_constraints:
    trainmask=alternatives(r.train_maskset for r in PLAN.runs.values()),
    key=alternatives(r.key for r in PLAN.runs.values()),


rule train_inpainting:
    input:
        unpack(
            lambda wildcards: jobs.training_inputs(
                PLAN, jobs.training_run(PLAN, **dict(wildcards.items()))
            )
        ),
    output:
        model=f"runs/{RUN}/{{role}}/seed{{seed}}/{{trainmask}}/{{key}}.pt",
        history=f"runs/{RUN}/{{role}}/seed{{seed}}/{{trainmask}}/{{key}}_log.csv",
    params:
        args=lambda wildcards, input: jobs.training_args(
            PLAN, jobs.training_run(PLAN, **dict(wildcards.items())), dict(input.items())
        ),
        train=lambda wildcards, input: f"{input.scenes}/train",
        # Resumable state lives outside the declared outputs, so a killed job resumes; sample
        # grids (one per epoch) are for a person watching, not an output.
        state=f"runs/{RUN}/state/{{role}}/seed{{seed}}/{{trainmask}}/{{key}}.pt",
        samples=f"runs/{RUN}/{{role}}/seed{{seed}}/{{trainmask}}/{{key}}_samples",
        images=config["train_images"],
        device=config["device"],
    threads: THREADS
    resources:
        gpu=TRAIN_GPUS,
        cpus_per_task=THREADS,
        mem_mb=8000,
        # minutes; a retry after a time-limit kill (--retries) gets more and resumes from state
        runtime=lambda wildcards, attempt: 720 * attempt,
    log:
        f"{LOGS}/train_{{role}}_seed{{seed}}_{{trainmask}}_{{key}}.log",
    benchmark:
        f"{BENCH}/train_{{role}}_seed{{seed}}_{{trainmask}}_{{key}}.tsv"
    shell:
        "geoinpaint train {params.args} --train {params.train:q} --masks {input.masks:q}"
        " --out {output.model:q} --state {params.state:q} --log-csv {output.history:q}"
        " --samples {params.samples:q} --train-images {params.images:q}"
        " --seed {wildcards.seed} --device {params.device:q} --threads {threads} > {log:q} 2>&1"
