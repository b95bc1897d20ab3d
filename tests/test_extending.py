"""A researcher's own method joins the tables without editing the suite: one module that
registers it, one paper file that names it, one config that loads it (`plugins:`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from workflow_run import ENV, run_ok, workflow_copy

TINY_METHOD = """
from dataclasses import dataclass

import torch
from torch import nn

from geoinpaint.methods.base import TrainableMethod
from geoinpaint.methods.gan import GanRoutine
from geoinpaint.methods.options import TrainOptions
from geoinpaint.methods.registry import register_method
from geoinpaint.training import losses


@dataclass(frozen=True)
class TinyOptions(TrainOptions):
    epochs: int = 2
    batch_size: int = 8
    lr: float = 0.01


class TinyRoutine(GanRoutine):
    def __init__(self, method, ctx):
        super().__init__(method, ctx)
        self.add_optimizer("net", method.parameters_of(), lr=method.options.lr)

    def step(self, batch):
        with self.autocast():
            pred = self.method.predict(batch.occluded(0.0), batch.masks)
            loss = losses.l1(pred, batch.images)
        self.update("net", loss)
        return {"l1": loss}


@register_method("tiny", label="Tiny (mine)")
class Tiny(TrainableMethod):
    Options = TinyOptions

    def build(self):
        return {"net": nn.Sequential(nn.Conv2d(4, 16, 3, padding=1), nn.ReLU(),
                                     nn.Conv2d(16, 3, 3, padding=1), nn.Sigmoid())}

    def predict(self, images, masks):
        return self.nets["net"](torch.cat([images * (1 - masks), masks], 1))

    def routine(self, ctx):
        return TinyRoutine(self, ctx)
"""
PAPER = {
    "title": "Mine",
    "tables": {
        "T": {
            "title": "A tiny method on scene recognition",
            "task": "classification",
            "columns": ["psnr", "ssim", "accuracy"],
            "rows": [
                {"source": "clean", "label": "Clean Testing"},
                {"source": "occluded", "label": "Occluded Testing"},
                {"method": "telea"},
                {"method": "tiny"},
            ],
        }
    },
}


@pytest.mark.slow
def test_a_plugin_method_goes_through_plan_train_inpaint_evaluate_and_table_for_two_seeds(
    tmp_path,
):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "tiny_method.py").write_text(TINY_METHOD)
    where = workflow_copy(tmp_path / "wf")
    (where / "config" / "experiments" / "mine.yaml").write_text(yaml.safe_dump(PAPER))
    config = yaml.safe_load((where / "config" / "smoke.yaml").read_text())
    config |= {"run_name": "mine", "seeds": [0, 1], "plugins": ["tiny_method"]}
    config["tasks"]["classification"]["epochs"] = 2  # any frozen classifier will do
    config["experiments"] = {"mine": {}}
    (where / "config" / "mine.yaml").write_text(yaml.safe_dump(config))
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(plugins), *sys.path])}
    tables = [f"results/mine/mine/table_T.{ext}" for ext in ("csv", "md")]
    run_ok(where, *tables, "--configfile", "config/mine.yaml", env=env)
    table = pd.read_csv(where / "results" / "mine" / "mine" / "table_T.csv").set_index("method")
    assert list(table.index) == ["Clean Testing", "Occluded Testing", "Telea", "Tiny (mine)"]
    tiny = table.loc["Tiny (mine)"]
    assert tiny["n_seeds"] == 2 and tiny["PSNR"] > table.loc["Occluded Testing", "PSNR"] + 3
    for seed in (0, 1):
        run = where / "runs" / "mine" / "rsscn7"
        assert (run / f"seed{seed}" / "train_cloud" / "tiny.pt").is_file()
        per_seed = pd.read_csv(run / "cloud" / f"seed{seed}" / "metrics" / "tiny.csv")
        assert len(per_seed) == 28
    seeds = [
        pd.read_csv(where / "runs/mine/rsscn7/cloud" / f"seed{k}" / "metrics/tiny.csv")["psnr"]
        for k in (0, 1)
    ]
    assert not seeds[0].equals(seeds[1]), "two seeds, two different models"
    assert Path(where / "results" / "mine" / "mine" / "table_T.md").is_file()
