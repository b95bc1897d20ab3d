# Figures of the paper files (`figures:`), by kind: `qualitative` grids of a table's rows,
# the `tradeoff` of an ablation table, `maskmix` and `datasets` data figures, and a `task`
# network's sanity figure. geoinpaint.experiments.figures builds each one's inputs and command.
FIGURES = {(p, f): spec for p, paper in PLAN.papers.items() for f, spec in paper.figures.items()}


wildcard_constraints:
    figure=alternatives(f for _, f in FIGURES),


rule figure:
    localrule: True
    input:
        lambda wildcards: figures.figure_inputs(PLAN, FIGURES[(wildcards.paper, wildcards.figure)]),
    output:
        report(
            f"paper_figures/{RUN}/{{paper}}/{{figure}}.png",
            caption="../report/caption.rst",
            category="Figures",
        ),
    params:
        command=lambda wildcards, output: figures.figure_command(
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
        lambda wildcards: sorted(figures.maskmix_seed_masks(PLAN).values()),
    output:
        report(
            f"results/{RUN}/{{paper}}/maskmix_stats.csv",
            caption="../report/caption.rst",
            category="Tables",
        ),
    params:
        masks=lambda wildcards: " ".join(
            f"--masks {jobs.q(f'{name}={folder}')}"
            for name, folder in sorted(figures.maskmix_seed_masks(PLAN).items())
        ),
        maskmix=jobs.q(json.dumps(config["augmentation"]["maskmix"])),
        seed=config["seed"],
        draws=config["figures"]["maskmix_draws"],
        caption=(
            f"MaskMix (paper Eq. 7, Fig. 4) over {config['figures']['maskmix_draws']} draws from "
            "the training seed masks of each "
            "task the Proposed model trains on, under each binarisation Phi (the configured one "
            "flagged): per draw the hole fraction before and after, the area ratio, the IoU with "
            "its seed mask and whether the mask is binary."
        ),
    log:
        f"{LOGS}/maskmix_stats_{{paper}}.log",
    shell:
        "geoinpaint maskmix-stats {params.masks} --maskmix {params.maskmix}"
        " --seed {params.seed} --draws {params.draws:q} --out {output:q} > {log:q} 2>&1"
