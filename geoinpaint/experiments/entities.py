"""What a run does, as data: dataset roles, mask sets, training runs, outputs, table plans, and
the `Plan` that holds them with every path (built by `experiments.plan.plan`).

Paths (`<run>` = `run_name`):
- `data/<run>/<role>/scenes/{train,test}`: a dataset role's splits;
- `data/<run>/<role>/masks/<maskset>`: frozen mask sets (training ones per seed);
- `data/<run>/<role>/testsets/<maskset>`: frozen test sets;
- `runs/<run>/<role>/seed<k>/task_net.pt`: the frozen task network of a seed;
- `runs/<run>/<role>/seed<k>/<train maskset kind>/<key>.pt`: a trained inpainting model (with
  `train_batch` > 1 trained into `runs/<run>/staged/...` first, `experiments.jobs.staged`);
- `runs/<run>/<role>/<maskset>/seed<k>/{outputs,metrics}/<row key>`: composited outputs and
  per-image metrics of every row scored on one test set;
- `results/<run>/<paper>/table_<id>.{csv,md,tex}`, `paper_figures/<run>/<paper>/<figure>.png`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geoinpaint.experiments.papers import PaperSpec, TableSpec

SYNTHETIC_CLASSES = 7


@dataclass(frozen=True)
class Role:
    """A dataset role (`datasets.<role>` in the config) and the task layout it is written in."""

    name: str
    source: str
    task: str
    size: int
    root: str = ""
    train_per_class: int = 60
    test_per_class: int = 30
    train_fraction: float = 0.5
    limit: int = 0
    real: bool = False
    seed: int = 0  # of the splits (real) or of the scenes (a procedural stand-in's own draw)

    @property
    def n_train(self) -> int:
        """An upper bound of the training images (one seed mask each)."""
        return self._n(self.train_per_class)

    @property
    def n_test(self) -> int:
        return self._n(self.test_per_class)

    def _n(self, per_class: int) -> int:
        if not self.real:
            return SYNTHETIC_CLASSES * per_class
        from geoinpaint.data.datasets import get_dataset

        return self.limit or get_dataset(self.source).max_images


@dataclass(frozen=True)
class MaskSet:
    """A frozen mask set of a role: `kind`, its options, how many masks and from which seed."""

    role: str
    name: str
    kind: str
    options: tuple[tuple[str, Any], ...]
    n: int
    seed: int
    size: int
    fill: str = "white"


@dataclass(frozen=True)
class TrainingRun:
    """One training of an inpainting method."""

    role: str
    seed: int
    train_maskset: str  # kind of the training masks, e.g. `train_cloud`
    key: str
    method: str
    options: tuple[tuple[str, Any], ...]
    init_from: str = ""  # key of the warm-up run (same role and masks) it starts from
    init_seed: int = 0  # the seed of that warm-up run: this run's, or the first (`per_seed: false`)

    @property
    def overrides(self) -> dict[str, Any]:
        return dict(self.options)


@dataclass(frozen=True)
class Output:
    """What one row shows on one test set for one seed: a folder of composited images."""

    role: str
    maskset: str
    seed: int
    key: str
    source: str  # "clean", "occluded" or "method"
    method: str = ""
    run: TrainingRun | None = None
    options: tuple[tuple[str, Any], ...] = ()  # of a training-free method (e.g. a folder)


@dataclass
class TableRow:
    label: str
    method: str
    source: str
    outputs: dict[tuple[str, str], dict[int, Output]] = field(default_factory=dict)
    missing: str = ""


@dataclass
class TablePlan:
    spec: TableSpec
    blocks: list[tuple[str, str]]
    rows: list[TableRow]
    excluded: list[str] = field(default_factory=list)

    @property
    def paper(self) -> str:
        return self.spec.paper

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass
class Plan:
    """Everything a run does (see the module docstring)."""

    run: str
    seeds: list[int]
    roles: dict[str, Role]
    masksets: dict[tuple[str, str], MaskSet]
    runs: dict[tuple[str, int, str, str], TrainingRun]
    groups: dict[tuple[str, str, int], dict[str, Output]]
    papers: dict[str, PaperSpec]
    tables: dict[tuple[str, str], TablePlan]
    resample_test: bool = False

    # -- paths ---------------------------------------------------------------------------------
    def data(self, role: str) -> str:
        return f"data/{self.run}/{role}"

    def scenes(self, role: str) -> str:
        return f"{self.data(role)}/scenes"

    def maskset_dir(self, role: str, name: str) -> str:
        return f"{self.data(role)}/masks/{name}"

    def test_maskset(self, maskset: str, seed: int) -> str:
        """The frozen mask set a seed is tested on (its own with `resample_test`)."""
        return f"{maskset}_seed{seed}" if self.resample_test else maskset

    def testset(self, role: str, maskset: str, seed: int | None = None) -> str:
        name = maskset if seed is None else self.test_maskset(maskset, seed)
        return f"{self.data(role)}/testsets/{name}"

    def task_net(self, role: str, seed: int) -> str:
        return f"runs/{self.run}/{role}/seed{seed}/task_net.pt"

    def checkpoint(self, run: TrainingRun) -> str:
        return f"runs/{self.run}/{run.role}/seed{run.seed}/{run.train_maskset}/{run.key}.pt"

    def group_dir(self, role: str, maskset: str, seed: int) -> str:
        return f"runs/{self.run}/{role}/{maskset}/seed{seed}"

    def outputs_dir(self, role: str, maskset: str, seed: int) -> str:
        return f"{self.group_dir(role, maskset, seed)}/outputs"

    def metrics_dir(self, role: str, maskset: str, seed: int) -> str:
        return f"{self.group_dir(role, maskset, seed)}/metrics"

    def images(self, out: Output) -> str:
        """The folder of `<id>.png` a row is scored on."""
        if out.source == "clean":
            return f"{self.testset(out.role, out.maskset, out.seed)}/gt"
        if out.source == "occluded":
            return f"{self.testset(out.role, out.maskset, out.seed)}/occluded"
        return f"{self.outputs_dir(out.role, out.maskset, out.seed)}/{out.key}"

    def metrics(self, out: Output) -> str:
        return f"{self.metrics_dir(out.role, out.maskset, out.seed)}/{out.key}.csv"

    def results(self, paper: str) -> str:
        return f"results/{self.run}/{paper}"

    def figures(self, paper: str) -> str:
        return f"paper_figures/{self.run}/{paper}"

    # -- queries -------------------------------------------------------------------------------
    def task_of(self, role: str) -> str:
        return self.roles[role].task

    def roles_with_network(self) -> list[str]:
        from geoinpaint.tasks.spec import get_task

        return [r for r, role in self.roles.items() if get_task(role.task).has_network]

    def trained_outputs(self, group: tuple[str, str, int]) -> list[Output]:
        return [o for o in self.groups[group].values() if o.run is not None]

    def method_outputs(self, group: tuple[str, str, int]) -> list[Output]:
        return [o for o in self.groups[group].values() if o.source == "method"]
