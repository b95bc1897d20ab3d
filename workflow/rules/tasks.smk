# Frozen task networks, trained on clean training images.


rule train_classifier:
    input:
        f"{DATA}/scenes/classification",
    output:
        model=f"{RUNS}/tasks/classifier.pt",
        history=f"{RUNS}/tasks/classifier_log.csv",
    params:
        # Resumable state lives outside the declared outputs, so a killed job resumes.
        state=f"{RUNS}/state/classifier.pt",
        arch=config["tasks"]["classification"]["arch"],
        epochs=config["tasks"]["classification"]["epochs"],
        batch=config["tasks"]["classification"]["batch_size"],
        lr=config["tasks"]["classification"]["lr"],
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
        f"{LOGS}/train_classifier.log",
    benchmark:
        f"{BENCH}/train_classifier.tsv"
    shell:
        "geoinpaint train-task --train {input}/train --out {output.model} --state {params.state}"
        " --log-csv {output.history} --arch {params.arch} --epochs {params.epochs}"
        " --batch-size {params.batch} --lr {params.lr} --seed {params.seed}"
        " --device {params.device} --threads {threads} > {log} 2>&1"
