import subprocess
import sys

from geoinpaint.cli import build_parser, main

VERBS = {"synth", "masks", "train-task", "inpaint", "evaluate", "table", "figure"}


def test_every_workflow_verb_exists():
    sub = next(a for a in build_parser()._actions if a.dest == "verb")
    assert VERBS <= set(sub.choices)


def test_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-m", "geoinpaint.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "train-task" in out.stdout


def test_missing_dataset_exits_1_with_the_path(tmp_path, caplog):
    assert main(["masks", "--scenes", str(tmp_path / "nowhere"), "--out", str(tmp_path / "t")]) == 1
    assert "nowhere/manifest.csv: manifest not found" in caplog.text
