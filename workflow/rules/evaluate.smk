# Every row of every table on one test set and seed is one group: one job inpaints the group's
# test set with each of its methods (a process loads torch and the test set once), one job
# scores every row of the group per image (the frozen task network is loaded once).


def inpaint_inputs(wildcards):
    role, maskset, seed = group_of(wildcards)
    models = [PLAN.checkpoint(o.run) for o in PLAN.trained_outputs((role, maskset, seed))]
    folders = [
        dict(o.options)["folder"]
        for o in PLAN.method_outputs((role, maskset, seed))
        if "folder" in dict(o.options)
    ]
    return {"testset": PLAN.testset(role, maskset, seed), "models": models, "folders": folders}


def inpaint_args(wildcards, output):
    jobs = []
    for o in PLAN.method_outputs(group_of(wildcards)):
        ckpt = PLAN.checkpoint(o.run) if o.run is not None else "-"
        options = q(json.dumps(dict(o.options)))
        jobs.append(
            f"--method {o.method} --out {output[0]}/{o.key} --checkpoint {ckpt}"
            f" --options {options}"
        )
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
        "geoinpaint inpaint --testset {input.testset} {params.jobs}"
        " --device {params.device} --threads {threads} > {log} 2>&1"


def evaluate_inputs(wildcards):
    role, maskset, seed = group_of(wildcards)
    inputs = {"testset": PLAN.testset(role, maskset, seed)}
    if PLAN.method_outputs((role, maskset, seed)):
        inputs["outputs"] = PLAN.outputs_dir(role, maskset, seed)
    if role in PLAN.roles_with_network():
        inputs["task_net"] = PLAN.task_net(role, seed)
    return inputs


def evaluate_args(wildcards, input):
    rows = [
        f"--images {PLAN.images(o)} --out {PLAN.metrics(o)}"
        for o in PLAN.groups[group_of(wildcards)].values()
    ]
    task_net = f"--task-net {input.task_net}" if "task_net" in input.keys() else ""
    return f"--task {PLAN.task_of(wildcards.role)} {task_net} " + " ".join(rows)


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
        "geoinpaint evaluate --testset {input.testset} {params.args}"
        " --device {params.device} --threads {threads} > {log} 2>&1"
