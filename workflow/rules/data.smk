# Datasets, frozen mask sets and frozen test sets.


rule synth:
    localrule: True
    output:
        directory(f"{DATA}/scenes/{{task}}"),
    params:
        size=config["data"]["image_size"],
        train=config["data"]["train_per_class"],
        test=config["data"]["test_per_class"],
        seed=config["seed"],
    log:
        f"{LOGS}/synth_{{task}}.log",
    benchmark:
        f"{BENCH}/synth_{{task}}.tsv"
    shell:
        "geoinpaint synth --task {wildcards.task} --out {output} --size {params.size}"
        " --train-per-class {params.train} --test-per-class {params.test}"
        " --seed {params.seed} > {log} 2>&1"


rule masks:
    localrule: True
    output:
        directory(f"{DATA}/masks/{{maskset}}"),
    params:
        options=maskset_param("options"),
        n=maskset_param("n"),
        size=config["data"]["image_size"],
        seed=maskset_param("seed"),
    log:
        f"{LOGS}/masks_{{maskset}}.log",
    benchmark:
        f"{BENCH}/masks_{{maskset}}.tsv"
    shell:
        "geoinpaint masks --out {output} --n {params.n} --size {params.size} {params.options}"
        " --seed {params.seed} > {log} 2>&1"


rule testset:
    localrule: True
    input:
        scenes=f"{DATA}/scenes/{{task}}",
        masks=lambda wildcards: f"{DATA}/masks/{TESTSET_MASKS[wildcards.task]}",
    output:
        directory(f"{DATA}/testsets/{{task}}"),
    params:
        fill=lambda wildcards: TESTSET_FILL[wildcards.task],
        column=lambda wildcards: "ground" if wildcards.task == "crossview" else "image",
        companions=lambda wildcards: " ".join(
            f"--companion {c}" for c in TESTSET_COMPANIONS[wildcards.task]
        ),
        seed=config["seed"],
    log:
        f"{LOGS}/testset_{{task}}.log",
    benchmark:
        f"{BENCH}/testset_{{task}}.tsv"
    shell:
        "geoinpaint testset --scenes {input.scenes}/test --masks {input.masks} --out {output}"
        " --fill {params.fill} --image-column {params.column} {params.companions}"
        " --seed {params.seed} > {log} 2>&1"
