# Figures like the paper's, and one sanity figure per frozen task network.


# Qualitative grids like the paper's Fig. 6 (scene recognition), 7 (cross-view) and 8
# (segmentation): occluded input, each method of the task's table, ground truth.
QUALITATIVE_FIGURES = {
    "classification": ("fig6_qualitative_scene_recognition", "fig6_qualitative"),
    "crossview": ("fig7_qualitative_crossview", "fig7_qualitative"),
    "segmentation": ("fig8_qualitative_segmentation", "fig8_qualitative"),
}
for _task, (_figure, _caption) in QUALITATIVE_FIGURES.items():
    _columns = {m: m for m in METHODS} | {
        label: v.key for label, v in model_rows(TABLE_OF_TASK[_task])
    }

    rule:
        name:
            _caption
        localrule: True
        input:
            testset=f"{DATA}/testsets/{_task}",
            outputs=[f"{RUNS}/outputs/{_task}/{row}" for row in _columns.values()],
        output:
            report(
                f"paper_figures/{_figure}.png",
                caption=f"../report/{_caption}.rst",
                category="Figures",
            ),
        params:
            methods=" ".join(
                shlex.quote(f"--method={label}={RUNS}/outputs/{_task}/{row}")
                for label, row in _columns.items()
            ),
            n=config["figures"]["grid_images"],
        log:
            f"{LOGS}/{_caption}.log",
        benchmark:
            f"{BENCH}/{_caption}.tsv"
        shell:
            "geoinpaint figure --testset {input.testset} {params.methods} --out {output}"
            " --n-images {params.n} > {log} 2>&1"


# Fig. 9: the coarse and refined reconstructions of one trained model (the paper shows
# Proposed_b's; Section H's coarse-only rows are the Proposed model's coarse output, so this
# shows the Proposed model's), composited like every output.
rule fig9_coarse_refined:
    localrule: True
    input:
        testset=f"{DATA}/testsets/classification",
        coarse=f"{RUNS}/outputs/classification/coarse-only",
        refined=f"{RUNS}/outputs/classification/proposed",
    output:
        report(
            "paper_figures/fig9_coarse_refined.png",
            caption="../report/fig9_coarse_refined.rst",
            category="Figures",
        ),
    params:
        n=config["figures"]["grid_images"],
    log:
        f"{LOGS}/fig9_coarse_refined.log",
    benchmark:
        f"{BENCH}/fig9_coarse_refined.tsv"
    shell:
        "geoinpaint figure --testset {input.testset} --method 'R_coarse={input.coarse}'"
        " --method 'R_refined={input.refined}' --out {output} --n-images {params.n} > {log} 2>&1"


# The lambda trade-off behind Table IV: task score and image quality against lambda.
LAMBDA_POINTS = [
    (value, variant.key)
    for value, (_, variant) in zip(
        config["inpainting"]["ablations"]["lambda"], PLAN.rows.get("IV", []), strict=False
    )
]


rule fig_lambda_tradeoff:
    localrule: True
    input:
        [f"{RUNS}/metrics/classification/{key}.csv" for _, key in LAMBDA_POINTS],
    output:
        report(
            "paper_figures/lambda_tradeoff.png",
            caption="../report/lambda_tradeoff.rst",
            category="Figures",
        ),
    params:
        points=" ".join(
            f"--point {value:g}={RUNS}/metrics/classification/{key}.csv"
            for value, key in LAMBDA_POINTS
        ),
    log:
        f"{LOGS}/fig_lambda_tradeoff.log",
    benchmark:
        f"{BENCH}/fig_lambda_tradeoff.tsv"
    shell:
        "geoinpaint figure-lambda {params.points} --out {output} > {log} 2>&1"


rule fig4_maskmix_augmix:
    localrule: True
    input:
        f"{DATA}/testsets/classification",
    output:
        figure=report(
            "paper_figures/fig4_fig10_maskmix_augmix.png",
            caption="../report/fig4_fig10_maskmix_augmix.rst",
            category="Figures",
        ),
        stats=report(
            "results/maskmix_stats.csv", caption="../report/maskmix_stats.rst", category="Tables"
        ),
    params:
        maskmix=json.dumps(OCC["maskmix"]),
        augmix=json.dumps(OCC["augmix"]),
        seed=config["seed"],
    log:
        f"{LOGS}/fig4_maskmix_augmix.log",
    benchmark:
        f"{BENCH}/fig4_maskmix_augmix.tsv"
    shell:
        "geoinpaint figure-data --kind maskmix --testset classification={input}"
        " --maskmix '{params.maskmix}' --augmix '{params.augmix}' --seed {params.seed}"
        " --stats {output.stats} --out {output.figure} > {log} 2>&1"


rule fig5_datasets:
    localrule: True
    input:
        testsets=expand(f"{DATA}/testsets/{{task}}", task=TASKS),
        scenes=expand(f"{DATA}/scenes/{{task}}", task=TASKS),
    output:
        report(
            "paper_figures/fig5_datasets.png",
            caption="../report/fig5_datasets.rst",
            category="Figures",
        ),
    params:
        args=lambda wildcards, input: " ".join(
            f"--testset {t}={ts} --scenes {t}={sc}"
            for t, ts, sc in zip(TASKS, input.testsets, input.scenes, strict=True)
        ),
    log:
        f"{LOGS}/fig5_datasets.log",
    benchmark:
        f"{BENCH}/fig5_datasets.tsv"
    shell:
        "geoinpaint figure-data --kind datasets {params.args} --out {output} > {log} 2>&1"


# What each task's sanity figure shows (geoinpaint.reporting.task_figures) and what it reads:
# classification and cross-view read the clean and occluded rows' per-image metrics (predicted
# class; rank and top-5 gallery ids), segmentation runs the frozen segmenter on a few images.
TASK_FIGURES = {
    "classification": "paper_figures/task_classification_confusion.png",
    "crossview": "paper_figures/task_crossview_retrieval.png",
    "segmentation": "paper_figures/task_segmentation_overlay.png",
}
for _task, _figure in TASK_FIGURES.items():
    _reads_net = _task == "segmentation"
    _rows = {row: f"{RUNS}/metrics/{_task}/{row}.csv" for row in ("clean", "occluded")}

    rule:
        name:
            f"figure_{_task}"
        localrule: True
        input:
            testset=f"{DATA}/testsets/{_task}",
            **({"task_net": f"{RUNS}/tasks/{_task}.pt"} if _reads_net else _rows),
        output:
            report(_figure, caption=f"../report/figure_{_task}.rst", category="Figures"),
        params:
            task=_task,
            sources=(
                f"--task-net {RUNS}/tasks/{_task}.pt"
                if _reads_net
                else " ".join(f"--row {r}={p}" for r, p in _rows.items())
            ),
            n=min(config["figures"]["grid_images"], 4),
        log:
            f"{LOGS}/figure_{_task}.log",
        benchmark:
            f"{BENCH}/figure_{_task}.tsv"
        shell:
            "geoinpaint figure-task --task {params.task} --testset {input.testset}"
            " {params.sources} --n-images {params.n} --device cpu --out {output} > {log} 2>&1"
