# Trained inpainting methods: one wildcard rule trains every distinct model of every table (the
# plan shares a run between rows whose models are identical), on its dataset role's clean
# training split with that seed's frozen training masks and, for a task loss, the role's frozen
# task network (and, with `warm_start`, from its warm-up run).
#
# With `train_batch: K` (> 1, small CPU runs) the rule trains up to K runs of one role, seed and
# mask set in one process instead (`jobs.training_batches` says why), and `publish_model`
# copies each model and log from the staging folder to the paths every other job reads.


wildcard_constraints:
    trainmask=alternatives(r.train_maskset for r in PLAN.runs.values()),
    key=alternatives(r.key for r in PLAN.runs.values()),
    batch=r"\d+",


TRAIN_BATCH = config["train_batch"]

if TRAIN_BATCH == 1:

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
        # jobs.batch_args gives each run of a batch these arguments: change both together
        shell:
            "geoinpaint train {params.args} --train {params.train:q} --masks {input.masks:q}"
            " --out {output.model:q} --state {params.state:q} --log-csv {output.history:q}"
            " --samples {params.samples:q} --train-images {params.images:q}"
            " --seed {wildcards.seed} --device {params.device:q} --threads {threads} > {log:q} 2>&1"

else:
    BATCHES = jobs.training_batches(PLAN, TRAIN_BATCH)  # once: every input function reads it

    rule train_inpainting:
        input:
            unpack(
                lambda wildcards: jobs.training_inputs(
                    PLAN, BATCHES[jobs.batch_key(**dict(wildcards.items()))][0]
                )
            ),
        output:
            manifest=f"runs/{RUN}/staged/{{role}}/seed{{seed}}/{{trainmask}}/batch{{batch}}.json",
        params:
            args=lambda wildcards: jobs.batch_args(
                PLAN,
                BATCHES[jobs.batch_key(**dict(wildcards.items()))],
                config["train_images"],
                config["device"],
                THREADS,
            ),
        threads: THREADS
        resources:
            gpu=TRAIN_GPUS,
            cpus_per_task=THREADS,
            mem_mb=8000,
            runtime=lambda wildcards, attempt: 720 * TRAIN_BATCH * attempt,
        log:
            f"{LOGS}/train_{{role}}_seed{{seed}}_{{trainmask}}_batch{{batch}}.log",
        benchmark:
            f"{BENCH}/train_{{role}}_seed{{seed}}_{{trainmask}}_batch{{batch}}.tsv"
        shell:
            "geoinpaint train-batch {params.args} --manifest {output.manifest:q} > {log:q} 2>&1"

    localrules:
        publish_model,

    rule publish_model:
        input:
            manifest=lambda wildcards: jobs.batch_manifest(
                PLAN, BATCHES, jobs.training_run(PLAN, **dict(wildcards.items()))
            ),
        output:
            model=f"runs/{RUN}/{{role}}/seed{{seed}}/{{trainmask}}/{{key}}.pt",
            history=f"runs/{RUN}/{{role}}/seed{{seed}}/{{trainmask}}/{{key}}_log.csv",
        params:
            staged=lambda wildcards: jobs.staged(
                PLAN, jobs.training_run(PLAN, **dict(wildcards.items()))
            ),
        log:
            f"{LOGS}/publish_{{role}}_seed{{seed}}_{{trainmask}}_{{key}}.log",
        # a copy renamed into place: every output appears whole
        shell:
            "(cp {params.staged[model]:q} {output.model:q}.tmp"
            " && mv {output.model:q}.tmp {output.model:q}"
            " && cp {params.staged[history]:q} {output.history:q}.tmp"
            " && mv {output.history:q}.tmp {output.history:q}) > {log:q} 2>&1"
