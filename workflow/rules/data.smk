# Datasets, frozen mask sets and frozen test sets.


rule synth:
    localrule: True
    output:
        directory(f"{DATA}/scenes/{{task}}"),
    params:
        # procedural scenes, or for scene recognition a real dataset (data.source) imported
        command=scenes_command,
    log:
        f"{LOGS}/synth_{{task}}.log",
    benchmark:
        f"{BENCH}/synth_{{task}}.tsv"
    shell:
        "{params.command} --out {output} > {log} 2>&1"


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
