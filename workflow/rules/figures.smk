# Figures like the paper's, and one sanity figure per frozen task network.


rule fig6_qualitative:
    localrule: True
    input:
        testset=f"{DATA}/testsets/classification",
        outputs=expand(f"{RUNS}/outputs/classification/{{method}}", method=METHODS),
    output:
        report(
            "paper_figures/fig6_qualitative_scene_recognition.png",
            caption="../report/fig6_qualitative.rst",
            category="Figures",
        ),
    params:
        methods=lambda wildcards, input: " ".join(
            f"--method {m}={p}" for m, p in zip(METHODS, input.outputs, strict=True)
        ),
        n=config["figures"]["grid_images"],
    log:
        f"{LOGS}/fig6_qualitative.log",
    benchmark:
        f"{BENCH}/fig6_qualitative.tsv"
    shell:
        "geoinpaint figure --testset {input.testset} {params.methods} --out {output}"
        " --n-images {params.n} > {log} 2>&1"


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
