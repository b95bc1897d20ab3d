# The task-driven coarse-to-fine models (models/task_driven.py): one training run per distinct
# model of Tables I-VIII and Section H (PLAN in common.smk), each on its task's clean training
# split with frozen seed masks and the task's frozen network; then each table row's variant
# inpaints the task's frozen test set from its run's checkpoint.


def training(wildcards):
    """The `TrainingRun` of the job (geoinpaint.experiments)."""
    return PLAN.runs[(wildcards.task, wildcards.run)]


rule train_inpainting:
    input:
        scenes=f"{DATA}/scenes/{{task}}",
        masks=lambda wildcards: f"{DATA}/masks/train_{TESTSET_MASKS[wildcards.task]}",
        task_net=f"{RUNS}/tasks/{{task}}.pt",
    output:
        model=f"{RUNS}/inpainting/{{task}}/{{run}}.pt",
        history=f"{RUNS}/inpainting/{{task}}/{{run}}_log.csv",
    params:
        method=lambda wildcards: training(wildcards).method,
        options=lambda wildcards: shlex.quote(json.dumps(training(wildcards).options)),
        # Resumable state lives outside the declared outputs, so a killed job resumes; sample
        # grids (one per epoch) are for a person watching, not an output.
        state=f"{RUNS}/state/inpainting/{{task}}/{{run}}.pt",
        samples=f"{RUNS}/inpainting/{{task}}/{{run}}_samples",
        images=config["inpainting"]["train_images"],
        seed=config["seed"],
        device=config["device"],
    threads: THREADS
    resources:
        gpu=TRAIN_GPUS,
        cpus_per_task=THREADS,
        mem_mb=8000,
        # minutes; a retry after a time-limit kill (--retries) gets more and resumes from state
        runtime=lambda wildcards, attempt: 720 * attempt,
    log:
        f"{LOGS}/train_inpainting_{{task}}_{{run}}.log",
    benchmark:
        f"{BENCH}/train_inpainting_{{task}}_{{run}}.tsv"
    shell:
        "geoinpaint train --method {params.method} --task {wildcards.task}"
        " --train {input.scenes}/train --masks {input.masks} --task-net {input.task_net}"
        " --options {params.options} --out {output.model} --state {params.state}"
        " --log-csv {output.history} --samples {params.samples}"
        " --train-images {params.images} --seed {params.seed} --device {params.device}"
        " --threads {threads} > {log} 2>&1"


# One job per task inpaints its test set with every trained variant (one process: loading torch
# costs seconds, the inference itself less): each variant reads its training run's checkpoint.
for _task in TASKS:
    _variants = PLAN.task_variants(_task)
    if not _variants:
        continue

    rule:
        name:
            f"inpaint_trained_{_task}"
        input:
            testset=f"{DATA}/testsets/{_task}",
            models=[f"{RUNS}/inpainting/{_task}/{v.run}.pt" for v in _variants],
        output:
            [directory(f"{RUNS}/outputs/{_task}/{v.key}") for v in _variants],
        params:
            variants=" ".join(
                f"--method {v.method} --checkpoint {RUNS}/inpainting/{_task}/{v.run}.pt"
                f" --out {RUNS}/outputs/{_task}/{v.key}"
                for v in _variants
            ),
            device=config["device"],
        threads: THREADS
        resources:
            gpu=EVAL_GPUS,
        log:
            f"{LOGS}/inpaint_trained_{_task}.log",
        benchmark:
            f"{BENCH}/inpaint_trained_{_task}.tsv"
        shell:
            "geoinpaint inpaint --testset {input.testset} {params.variants}"
            " --device {params.device} --threads {threads} > {log} 2>&1"


# Per-image inference time (paper Sec. IV-M) of the Proposed model of scene recognition (else
# the first trained one) and, for a CPU variant, optionally of the paper's ResNet-34 generator.
# Times vary run to run: results/runtime.csv is the one output not byte-identical between runs.
RUNTIME_RUN = PLAN.runs.get(("classification", "proposed")) or next(
    (r for r in PLAN.runs.values() if r.task == "classification"), None
)


rule runtime:
    input:
        f"{RUNS}/inpainting/classification/{RUNTIME_RUN.key if RUNTIME_RUN else 'none'}.pt",
    output:
        report("results/runtime.csv", caption="../report/runtime.rst", category="Tables"),
    params:
        method=RUNTIME_RUN.method if RUNTIME_RUN else "",
        sizes=" ".join(map(str, config["runtime"]["sizes"])),
        repeats=config["runtime"]["repeats"],
        paper=(
            "--paper-architecture"
            if config["runtime"]["paper_architecture"]
            and config["inpainting"]["options"]["encoder"] != "resnet34"
            else ""
        ),
        device=config["device"],
    threads: THREADS
    resources:
        gpu=TRAIN_GPUS,
    log:
        f"{LOGS}/runtime.log",
    benchmark:
        f"{BENCH}/runtime.tsv"
    shell:
        "geoinpaint runtime --method {params.method} --checkpoint {input} --sizes {params.sizes}"
        " --repeats {params.repeats} {params.paper} --device {params.device}"
        " --threads {threads} --out {output} > {log} 2>&1"
