# Every row of every table on one test set and seed is one group: one job inpaints the group's
# test set with each of its methods (a process loads torch and the test set once), one job
# scores every row of the group per image (the frozen task network is loaded once). Each job
# writes its folder with `--into`: it appears only when complete, so a killed job leaves none.


def inpaint_inputs(wildcards):
    role, maskset, seed = group_of(wildcards)
    models = [PLAN.checkpoint(o.run) for o in PLAN.trained_outputs((role, maskset, seed))]
    return {"testset": PLAN.testset(role, maskset, seed), "models": models}


def inpaint_args(wildcards, output):
    jobs = []
    for o in PLAN.method_outputs(group_of(wildcards)):
        ckpt = PLAN.checkpoint(o.run) if o.run is not None else "-"
        jobs.append(f"--method {q(o.method)} --out {q(o.key)} --checkpoint {q(ckpt)}")
    return " ".join(jobs)


rule inpaint:
    input:
        unpack(inpaint_inputs),
    output:
        directory(f"runs/{RUN}/{{role}}/{{maskset}}/seed{{seed}}/outputs"),
    params:
        jobs=inpaint_args,
        device=config["device"],
    threads: THREADS
    resources:
        gpu=EVAL_GPUS,
    log:
        f"{LOGS}/inpaint_{{role}}_{{maskset}}_seed{{seed}}.log",
    benchmark:
        f"{BENCH}/inpaint_{{role}}_{{maskset}}_seed{{seed}}.tsv"
    shell:
        "geoinpaint inpaint --testset {input.testset:q} --into {output:q} {params.jobs}"
        " --device {params.device:q} --threads {threads} > {log:q} 2>&1"


def evaluate_inputs(wildcards):
    role, maskset, seed = group_of(wildcards)
    inputs = {"testset": PLAN.testset(role, maskset, seed)}
    if PLAN.method_outputs((role, maskset, seed)):
        inputs["outputs"] = PLAN.outputs_dir(role, maskset, seed)
    if role in PLAN.roles_with_network():
        inputs["task_net"] = PLAN.task_net(role, seed)
    return inputs


def evaluate_args(wildcards, input, output):
    rows = [
        f"--images {q(PLAN.images(o))} --out {q(os.path.relpath(PLAN.metrics(o), output[0]))}"
        for o in PLAN.groups[group_of(wildcards)].values()
    ]
    task_net = f"--task-net {q(input.task_net)}" if "task_net" in input.keys() else ""
    return f"--task {q(PLAN.task_of(wildcards.role))} {task_net} " + " ".join(rows)


rule evaluate:
    input:
        unpack(evaluate_inputs),
    output:
        directory(f"runs/{RUN}/{{role}}/{{maskset}}/seed{{seed}}/metrics"),
    params:
        args=evaluate_args,
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
