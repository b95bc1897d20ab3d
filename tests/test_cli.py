import subprocess
import sys

from geoinpaint.cli import build_parser, main

VERBS = {
    "prepare",
    "masks",
    "testset",
    "train-task",
    "inpaint",
    "evaluate",
    "table",
    "figure",
    "figure-data",
    "figure-task",
    "check-data",
    "maskmix-stats",
    "runtime",
    "train",
    "train-batch",
    "weights",
}


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
    args = [
        "testset",
        "--scenes",
        str(tmp_path / "nowhere"),
        "--masks",
        str(tmp_path / "m"),
        "--out",
        str(tmp_path / "t"),
    ]
    assert main(args) == 1
    assert "nowhere/manifest.csv: manifest not found" in caplog.text


def test_missing_real_dataset_names_path_and_source(tmp_path, caplog):
    assert main(["check-data", "--dataset", "aid", "--root", str(tmp_path / "AID")]) == 1
    assert "AID: folder not found" in caplog.text and "captain-whu.github.io" in caplog.text
