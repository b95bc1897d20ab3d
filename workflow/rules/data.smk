# Datasets and the frozen test set.


rule synth:
    output:
        directory(f"{DATA}/scenes"),
    params:
        size=config["data"]["image_size"],
        train=config["data"]["train_per_class"],
        test=config["data"]["test_per_class"],
        seed=config["seed"],
    log:
        f"{LOGS}/synth.log",
    benchmark:
        f"{BENCH}/synth.tsv"
    shell:
        "geoinpaint synth --out {output} --size {params.size} --train-per-class {params.train}"
        " --test-per-class {params.test} --seed {params.seed} > {log} 2>&1"


rule testset:
    input:
        f"{DATA}/scenes",
    output:
        directory(f"{DATA}/testset"),
    params:
        lo=config["occlusion"]["min_fraction"],
        hi=config["occlusion"]["max_fraction"],
        fill=config["occlusion"]["fill"],
        seed=config["seed"],
    log:
        f"{LOGS}/testset.log",
    benchmark:
        f"{BENCH}/testset.tsv"
    shell:
        "geoinpaint masks --scenes {input}/test --out {output} --min-fraction {params.lo}"
        " --max-fraction {params.hi} --fill {params.fill} --seed {params.seed} > {log} 2>&1"
