# Dataset splits, frozen mask sets and frozen test sets of every dataset role.


rule prepare:
    localrule: True
    output:
        directory(f"data/{RUN}/{{role}}/scenes"),
    params:
        args=lambda wildcards: " ".join(
            [
                f"--dataset {q(PLAN.roles[wildcards.role].source)}",
                f"--task {q(PLAN.roles[wildcards.role].task)}",
                f"--size {PLAN.roles[wildcards.role].size}",
                f"--root {q(PLAN.roles[wildcards.role].root)}",
                f"--train-per-class {PLAN.roles[wildcards.role].train_per_class}",
                f"--test-per-class {PLAN.roles[wildcards.role].test_per_class}",
                f"--train-fraction {PLAN.roles[wildcards.role].train_fraction}",
                f"--limit {PLAN.roles[wildcards.role].limit}",
                f"--seed {config['seed']}",
            ]
        ),
    log:
        f"{LOGS}/prepare_{{role}}.log",
    benchmark:
        f"{BENCH}/prepare_{{role}}.tsv"
    shell:
        "geoinpaint prepare {params.args} --out {output:q} > {log:q} 2>&1"


def maskset_args(wildcards):
    m = PLAN.masksets[(wildcards.role, wildcards.maskset)]
    options = " ".join(f"--{k.replace('_', '-')} {q(v)}" for k, v in m.options)
    return f"--kind {q(m.kind)} {options} --n {m.n} --size {m.size} --seed {m.seed}"


rule masks:
    localrule: True
    output:
        directory(f"data/{RUN}/{{role}}/masks/{{maskset}}"),
    params:
        args=maskset_args,
    log:
        f"{LOGS}/masks_{{role}}_{{maskset}}.log",
    benchmark:
        f"{BENCH}/masks_{{role}}_{{maskset}}.tsv"
    shell:
        "geoinpaint masks {params.args} --out {output:q} > {log:q} 2>&1"


def testset_args(wildcards):
    from geoinpaint.tasks.spec import get_task

    spec = get_task(PLAN.task_of(wildcards.role))
    companions = " ".join(f"--companion {q(c)}" for c in spec.companions)
    fill = q(PLAN.masksets[(wildcards.role, wildcards.maskset)].fill)
    column = q(spec.image_column)
    return f"--fill {fill} --image-column {column} {companions} --seed {config['seed']}"


rule testset:
    localrule: True
    input:
        scenes=f"data/{RUN}/{{role}}/scenes",
        masks=f"data/{RUN}/{{role}}/masks/{{maskset}}",
    output:
        directory(f"data/{RUN}/{{role}}/testsets/{{maskset}}"),
    params:
        args=testset_args,
        test=lambda wildcards, input: f"{input.scenes}/test",
    log:
        f"{LOGS}/testset_{{role}}_{{maskset}}.log",
    benchmark:
        f"{BENCH}/testset_{{role}}_{{maskset}}.tsv"
    shell:
        "geoinpaint testset --scenes {params.test:q} --masks {input.masks:q} --out {output:q}"
        " {params.args} > {log:q} 2>&1"
