"""Another tool's outputs as a table row: export a frozen test set, run a tool on it in its own
process, bring the outputs back through the config's `external:` and score them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from geoinpaint.cli import main
from geoinpaint.io import write_image
from geoinpaint.methods.registry import build_method
from geoinpaint.testsets import load_testset
from workflow_run import run_ok, workflow_copy

OTHER_TOOL = """
import sys
from pathlib import Path

import cv2

src, dest = Path(sys.argv[1]), Path(sys.argv[2])
dest.mkdir(parents=True, exist_ok=True)
for image in sorted((src / "images").glob("*.png")):
    img = cv2.imread(str(image))
    mask = cv2.imread(str(src / "masks" / image.name), cv2.IMREAD_GRAYSCALE)
    hole = (mask > 127).astype("uint8")
    img[hole == 1] = 0
    cv2.imwrite(str(dest / image.name), cv2.inpaint(img, hole, 3.0, cv2.INPAINT_TELEA))
"""


def test_export_writes_pairs_and_lama_layouts(testset, tmp_path):
    ts = load_testset(testset)
    assert main(["export-testset", "--testset", str(testset), "--out", str(tmp_path / "p")]) == 0
    assert len(list((tmp_path / "p" / "images").glob("*.png"))) == len(ts.ids)
    args = ["export-testset", "--testset", str(testset), "--out", str(tmp_path / "l")]
    assert main([*args, "--layout", "lama"]) == 0
    assert (tmp_path / "l" / f"{ts.ids[0]}_mask.png").is_file()


def test_external_outputs_are_validated_naming_the_first_bad_file(testset, tmp_path):
    ts = load_testset(testset)
    folder = tmp_path / "outs"
    for rec_id, gt in zip(ts.ids, ts.gt, strict=True):
        write_image(folder / f"{rec_id}.png", gt)
    method = build_method("external", options={"folder": str(folder)})
    method.check(ts.ids, ts.gt.shape[1:3])
    (folder / f"{ts.ids[3]}.png").unlink()
    with pytest.raises(FileNotFoundError, match=f"{ts.ids[3]}.png: no output for test image"):
        method.check(ts.ids, ts.gt.shape[1:3])
    write_image(folder / f"{ts.ids[3]}.png", np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match=f"{ts.ids[3]}.png is 8x8, expected"):
        method.check(ts.ids, ts.gt.shape[1:3])


@pytest.mark.slow
def test_another_tools_outputs_score_exactly_like_the_built_in_method(tmp_path):
    where = workflow_copy(tmp_path / "wf")
    config = yaml.safe_load((where / "config" / "smoke.yaml").read_text())
    config["experiments"] = {"task_driven": {"tables": ["I"], "methods": ["telea"]}}
    config["tasks"]["classification"]["epochs"] = 2  # any frozen classifier will do
    (where / "config" / "ext.yaml").write_text(yaml.safe_dump(config))
    run_ok(where, "data/smoke/rsscn7/testsets/cloud", "--configfile", "config/ext.yaml")
    exported, outputs = tmp_path / "exported", tmp_path / "outputs"
    testset = where / "data/smoke/rsscn7/testsets/cloud"
    assert main(["export-testset", "--testset", str(testset), "--out", str(exported)]) == 0
    (tmp_path / "tool.py").write_text(OTHER_TOOL)
    subprocess.run([sys.executable, str(tmp_path / "tool.py"), exported, outputs], check=True)
    config["external"] = [
        {"label": "Telea (another tool)", "folder": str(outputs), "table": "task_driven/I"}
    ]
    (where / "config" / "ext.yaml").write_text(yaml.safe_dump(config))
    # the table alone (the rest of the run, other tasks' networks and figures, is not at issue)
    tables = [f"results/smoke/task_driven/table_I.{ext}" for ext in ("csv", "md")]
    run_ok(where, *tables, "--configfile", "config/ext.yaml")
    table = pd.read_csv(where / "results/smoke/task_driven/table_I.csv").set_index("method")
    built_in, external = table.loc["Telea"], table.loc["Telea (another tool)"]
    for column in ("PSNR", "SSIM", "MSE", "BRISQUE (LIVE-SVR)", "Accuracy"):
        assert external[column] == built_in[column], column
    assert "sha256" in external["model_provenance"] and str(outputs) in external["model_notes"]
    assert Path(where / "results/smoke/task_driven/table_I.md").is_file()
