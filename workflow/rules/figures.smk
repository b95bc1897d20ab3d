# Figures of the paper files (`figures:`), by kind: `qualitative` grids of a table's rows,
# the `tradeoff` of an ablation table, `maskmix` and `datasets` data figures, and a `task`
# network's sanity figure. geoinpaint.experiments.figures builds each one's inputs and command.
from geoinpaint.experiments.figures import figure_command, figure_inputs

FIGURES = {(p, f): spec for p, paper in PLAN.papers.items() for f, spec in paper.figures.items()}


wildcard_constraints:
    figure=alternatives(f for _, f in FIGURES),


rule figure:
    localrule: True
    input:
        lambda wildcards: figure_inputs(PLAN, FIGURES[(wildcards.paper, wildcards.figure)]),
    output:
        report(
            f"paper_figures/{RUN}/{{paper}}/{{figure}}.png",
            caption="../report/caption.rst",
            category="Figures",
        ),
    params:
        command=lambda wildcards, output: figure_command(
            PLAN, FIGURES[(wildcards.paper, wildcards.figure)], output[0], config
        ),
        caption=lambda wildcards: FIGURES[(wildcards.paper, wildcards.figure)].caption,
    log:
        f"{LOGS}/figure_{{paper}}_{{figure}}.log",
    benchmark:
        f"{BENCH}/figure_{{paper}}_{{figure}}.tsv"
    shell:
        "{params.command} > {log:q} 2>&1"


rule maskmix_stats:
    localrule: True
    input:
        lambda wildcards: PLAN.testset(
            config["tasks"]["classification"]["dataset"], "cloud", PLAN.seeds[0]
        ),
    output:
        report(
            f"results/{RUN}/{{paper}}/maskmix_stats.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
    params:
        maskmix=q(json.dumps(config["augmentation"]["maskmix"])),
        seed=config["seed"],
        caption=(
            "MaskMix (paper Eq. 7, Fig. 4) over 500 draws from the seed masks of the scene-recognition "
            "test set: per draw whether the mask is binary, its hole fraction before and after, "
            "the area ratio and the IoU with its seed mask."
        ),
    log:
        f"{LOGS}/maskmix_stats_{{paper}}.log",
    shell:
        "geoinpaint maskmix-stats --testset {input:q} --maskmix {params.maskmix}"
        " --seed {params.seed} --out {output:q} > {log:q} 2>&1"
