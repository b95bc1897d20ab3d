# geoinpaint: regenerate every table (results/<run>/) and figure (paper_figures/<run>/) with
#   snakemake --cores all                                  (embedded default, config/config.yaml)
#   snakemake --cores all --configfile config/smoke.yaml   (smallest complete run)
# The tables and figures are the papers' experiments files, config/experiments/*.yaml.
from snakemake.utils import min_version, validate

min_version("9.0")


# config/config.yaml (the embedded default) unless `--configfile` names another: a run's config
# is that one file (with `--config` overrides), never a merge of two whose leftovers would mix.
if not workflow.overwrite_configfiles:
    workflow.configfile("config/config.yaml")


validate(config, "config/schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/tasks.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"


rule all:
    input:
        [
            f"results/{RUN}/{paper}/table_{table}{over_seeds}.{ext}"
            for (paper, table), kind in TABLE_FILES.items()
            if kind == "metrics"
            for over_seeds in ("", "_seeds")
            for ext in ("csv", "md", "tex")
        ],
        [f"results/{RUN}/claims.{ext}" for ext in ("csv", "md")],
        f"paper_figures/{RUN}/claims_forest.png",
        [
            f"results/{RUN}/{paper}/{table}.csv"
            for (paper, table), kind in TABLE_FILES.items()
            if kind == "runtime"
        ],
        [
            f"results/{RUN}/{paper}/table_{table}.{ext}"
            for (paper, table), kind in TABLE_FILES.items()
            if kind == "cost"
            for ext in ("csv", "md", "tex")
        ],
        [f"paper_figures/{RUN}/{paper}/{figure}.png" for paper, figure in FIGURES],
        [
            f"results/{RUN}/{paper}/maskmix_stats.csv"
            for (paper, _), spec in FIGURES.items()
            if spec.kind == "maskmix" and figures.maskmix_seed_masks(PLAN)  # no Proposed run: no stats
        ],
    default_target: True
