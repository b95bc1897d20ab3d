# geoinpaint: regenerate every table (results/) and figure (paper_figures/) with
#   snakemake --cores all                                  (embedded default, config/config.yaml)
#   snakemake --cores all --configfile config/smoke.yaml   (smallest complete run)
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/tasks.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"


rule all:
    input:
        expand(
            "results/table_{table}{variant}.{ext}",
            table=TASK_OF_TABLE,
            variant=("", "_extended"),
            ext=("csv", "md", "tex"),
        ),
        expand("results/table_{table}.{ext}", table=ABLATION_TABLES, ext=("csv", "md", "tex")),
        TASK_FIGURES.values(),
        expand("paper_figures/{figure}.png", figure=[f for f, _ in QUALITATIVE_FIGURES.values()]),
        "paper_figures/fig4_fig10_maskmix_augmix.png",
        "paper_figures/fig5_datasets.png",
        "results/maskmix_stats.csv",
        expand(f"{DATA}/masks/{{maskset}}", maskset=MASKSETS),
        # what the trained models add, where the config trains them
        ["results/runtime.csv"] if RUNTIME_RUN else [],
        ["paper_figures/fig9_coarse_refined.png"] if "H" in ABLATION_TABLES else [],
        ["paper_figures/lambda_tradeoff.png"] if "IV" in ABLATION_TABLES else [],
    default_target: True
