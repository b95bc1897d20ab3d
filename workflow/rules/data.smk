# Dataset splits, frozen mask sets and frozen test sets of every dataset role.


rule prepare:
    localrule: True
    output:
        directory(f"data/{RUN}/{{role}}/scenes"),
    params:
        args=lambda wildcards: jobs.prepare_args(PLAN, wildcards.role),
    log:
        f"{LOGS}/prepare_{{role}}.log",
    benchmark:
        f"{BENCH}/prepare_{{role}}.tsv"
    shell:
        "geoinpaint prepare {params.args} --out {output:q} > {log:q} 2>&1"


rule masks:
    localrule: True
    input:
        lambda wildcards: jobs.maskset_inputs(PLAN, wildcards.role, wildcards.maskset),
    output:
        directory(f"data/{RUN}/{{role}}/masks/{{maskset}}"),
    params:
        args=lambda wildcards: jobs.maskset_args(PLAN, wildcards.role, wildcards.maskset),
    log:
        f"{LOGS}/masks_{{role}}_{{maskset}}.log",
    benchmark:
        f"{BENCH}/masks_{{role}}_{{maskset}}.tsv"
    shell:
        "geoinpaint masks {params.args} --out {output:q} > {log:q} 2>&1"


rule testset:
    localrule: True
    input:
        scenes=f"data/{RUN}/{{role}}/scenes",
        masks=f"data/{RUN}/{{role}}/masks/{{maskset}}",
    output:
        directory(f"data/{RUN}/{{role}}/testsets/{{maskset}}"),
    params:
        args=lambda wildcards: jobs.testset_args(
            PLAN, wildcards.role, wildcards.maskset, config["seed"]
        ),
        test=lambda wildcards, input: f"{input.scenes}/test",
    log:
        f"{LOGS}/testset_{{role}}_{{maskset}}.log",
    benchmark:
        f"{BENCH}/testset_{{role}}_{{maskset}}.tsv"
    shell:
        "geoinpaint testset --scenes {params.test:q} --masks {input.masks:q} --out {output:q}"
        " {params.args} > {log:q} 2>&1"
