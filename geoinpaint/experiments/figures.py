"""Inputs and command of each paper figure (`figures:` of a paper file), by kind."""

from __future__ import annotations

import json
import shlex
from typing import Any

from geoinpaint.experiments.entities import Output, Plan
from geoinpaint.experiments.papers import FigureSpec

FIGURE_KINDS = ("qualitative", "tradeoff", "maskmix", "datasets", "task", "internals", "attention")


def _table_outputs(plan: Plan, fig: FigureSpec) -> list[tuple[str, Output]]:
    """(label, output on the figure's block, first seed) of the implemented method rows (the
    figure's `rows` by index, else all)."""
    table = plan.tables[(fig.paper, fig.table)]
    block = table.blocks[fig.block]
    rows = [table.rows[i] for i in fig.rows] if fig.rows else table.rows
    return [
        (row.label, row.outputs[block][plan.seeds[0]])
        for row in rows
        if row.source == "method" and not row.missing
    ]


def _task_role(plan: Plan, task: str) -> str:
    roles = [r for r, role in plan.roles.items() if role.task == task]
    if not roles:
        raise ValueError(f"no dataset role serves the {task} task")
    return roles[0]


def _default_testset(plan: Plan, role: str) -> str:
    from geoinpaint.tasks.spec import get_task

    return plan.testset(role, get_task(plan.task_of(role)).default_maskset, plan.seeds[0])


def figure_inputs(plan: Plan, fig: FigureSpec) -> list[str]:
    seed = plan.seeds[0]
    if fig.kind in ("internals", "attention"):
        outs = _table_outputs(plan, fig)
        o = outs[0][1]
        return [plan.testset(o.role, o.maskset, seed)] + [plan.checkpoint(x.run) for _, x in outs]
    if fig.kind == "qualitative":
        outs = _table_outputs(plan, fig)
        groups = {(o.role, o.maskset) for _, o in outs}
        return sorted(
            {plan.testset(r, m, seed) for r, m in groups}
            | {plan.outputs_dir(r, m, seed) for r, m in groups}
        )
    if fig.kind == "tradeoff":
        outs = _table_outputs(plan, fig)
        return sorted({plan.metrics_dir(o.role, o.maskset, o.seed) for _, o in outs})
    if fig.kind == "maskmix":
        return [_default_testset(plan, _task_role(plan, fig.task))]
    if fig.kind == "datasets":
        roles = plan.roles_with_network()
        return [_default_testset(plan, r) for r in roles] + [plan.scenes(r) for r in roles]
    if fig.kind == "task":
        role = _task_role(plan, fig.task)
        testset = _default_testset(plan, role)
        if fig.task == "segmentation":
            return [testset, plan.task_net(role, seed)]
        from geoinpaint.tasks.spec import get_task

        maskset = get_task(fig.task).default_maskset
        return [testset, plan.metrics_dir(role, maskset, seed)]
    raise ValueError(f"figure {fig.paper} {fig.id}: kind {fig.kind!r} not in {FIGURE_KINDS}")


def figure_command(plan: Plan, fig: FigureSpec, out: str, config: dict[str, Any]) -> str:
    """The `geoinpaint figure*` command writing `out`."""
    q = shlex.quote
    seed = plan.seeds[0]
    n = config["figures"]["grid_images"]
    if fig.kind == "qualitative":
        outs = _table_outputs(plan, fig)
        o = outs[0][1]
        methods = " ".join(q(f"--method={label}={plan.images(out)}") for label, out in outs)
        return (
            f"geoinpaint figure --testset {q(plan.testset(o.role, o.maskset, seed))} {methods}"
            f" --out {q(out)} --n-images {n}"
        )
    if fig.kind in ("internals", "attention"):
        outs = _table_outputs(plan, fig)
        o = outs[0][1]
        models = " ".join(
            f"--method {q(x.method)} --checkpoint {q(plan.checkpoint(x.run))} --label {q(label)}"
            for label, x in outs
        )
        testset = plan.testset(o.role, o.maskset, seed)
        return (
            f"geoinpaint figure-{fig.kind} {models} --testset {q(testset)}"
            f" --n-images {min(n, 4)} --device cpu --out {q(out)}"
        )
    if fig.kind == "tradeoff":
        points = " ".join(
            "--point "
            + q(f"{o.run.overrides.get(fig.option, _base(o, fig.option))}={plan.metrics(o)}")
            for _, o in _table_outputs(plan, fig)
        )
        return f"geoinpaint figure-lambda {points} --out {q(out)}"
    if fig.kind == "maskmix":
        testset = _default_testset(plan, _task_role(plan, fig.task))
        aug = config["augmentation"]
        return (
            f"geoinpaint figure-data --kind maskmix --testset {q(f'classification={testset}')}"
            f" --maskmix {q(json.dumps(aug['maskmix']))} --augmix {q(json.dumps(aug['augmix']))}"
            f" --seed {config['seed']} --out {q(out)}"
        )
    if fig.kind == "datasets":
        args = " ".join(
            f"--testset {q(f'{plan.task_of(r)}={_default_testset(plan, r)}')}"
            f" --scenes {q(f'{plan.task_of(r)}={plan.scenes(r)}')}"
            for r in plan.roles_with_network()
        )
        return f"geoinpaint figure-data --kind datasets {args} --out {q(out)}"
    if fig.kind == "task":
        role = _task_role(plan, fig.task)
        testset = _default_testset(plan, role)
        head = f"geoinpaint figure-task --task {q(fig.task)} --testset {q(testset)}"
        tail = f"--n-images {min(n, 4)} --device cpu --out {q(out)}"
        if fig.task == "segmentation":
            return f"{head} --task-net {q(plan.task_net(role, seed))} {tail}"
        from geoinpaint.tasks.spec import get_task

        maskset = get_task(fig.task).default_maskset
        rows = " ".join(
            "--row " + q(f"{s}={plan.metrics_dir(role, maskset, seed)}/{s}.csv")
            for s in ("clean", "occluded")
        )
        return f"{head} {rows} {tail}"
    raise ValueError(f"figure {fig.paper} {fig.id}: kind {fig.kind!r} not in {FIGURE_KINDS}")


def _base(out: Output, option: str) -> Any:
    """An option's value in a run that does not override it (the method's default)."""
    from geoinpaint.methods.options import make_options
    from geoinpaint.methods.registry import traits

    cls = traits(out.method)["cls"]
    return getattr(make_options(cls.Options, {}), option)


def maskmix_seed_masks(plan: Plan) -> dict[str, str]:
    """NAME -> folder: the first seed's training mask sets of the task-driven models, the seed
    masks MaskMix augments (empty without such a model: no MaskMix statistics then)."""
    from geoinpaint.experiments.options import family_of
    from geoinpaint.methods.registry import traits

    first = plan.seeds[0]
    return {
        f"{run.role}/{run.train_maskset}": plan.maskset_dir(
            run.role, f"{run.train_maskset}_seed{run.seed}"
        )
        for run in plan.runs.values()
        if run.seed == first and family_of(traits(run.method)["cls"]) == "task-driven"
    }
