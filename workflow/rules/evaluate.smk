# Every row of every table on one test set and seed is one group: one job inpaints the group's
# test set with each of its methods (a process loads torch and the test set once), one job
# scores every row of the group per image (the frozen task network is loaded once). Each job
# writes its folder with `--into`: it appears only when complete, so a killed job leaves none.


rule inpaint:
    input:
        unpack(lambda wildcards: jobs.inpaint_inputs(PLAN, group_of(wildcards))),
    output:
        outputs=directory(f"runs/{RUN}/{{role}}/{{maskset}}/seed{{seed}}/outputs"),
    params:
        jobs=lambda wildcards: jobs.inpaint_args(PLAN, group_of(wildcards)),
        device=config["device"],
    threads: THREADS
    resources:
        gpu=EVAL_GPUS,
    log:
        f"{LOGS}/inpaint_{{role}}_{{maskset}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/inpaint_{{role}}_{{maskset}}_seed{{seed}}.tsv"
    shell:
        "geoinpaint inpaint --testset {input.testset:q} --into {output.outputs:q} {params.jobs}"
        " --device {params.device:q} --threads {threads} > {log:q} 2>&1"


rule evaluate:
    input:
        unpack(lambda wildcards: jobs.evaluate_inputs(PLAN, group_of(wildcards))),
    output:
        directory(f"runs/{RUN}/{{role}}/{{maskset}}/seed{{seed}}/metrics"),
    params:
        args=lambda wildcards, input, output: jobs.evaluate_args(
            PLAN, group_of(wildcards), dict(input.items()), output[0]
        ),
        device=config["device"],
    threads: THREADS
    resources:
        gpu=EVAL_GPUS,
    log:
        f"{LOGS}/evaluate_{{role}}_{{maskset}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/evaluate_{{role}}_{{maskset}}_seed{{seed}}.tsv"
    shell:
        "geoinpaint evaluate --testset {input.testset:q} --into {output:q} {params.args}"
        " --device {params.device:q} --threads {threads} > {log:q} 2>&1"
