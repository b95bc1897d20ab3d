"""config/paper-tiny.yaml end to end: the paper's networks (VGG16, LPN, HRNet-W18 from ImageNet,
the ResNet-34 6-skip coarse-to-fine generator) through the real workflow, on generated fake
trees of RSSCN7, CVUSA and LoveDA in their official layouts and tiny stand-ins for the
pretrained files in a temporary torch hub cache.

The run is one of the session's background runs (conftest.py): it starts when collection ends
and shares the CPU with the rest of the session. Alone on two cores it takes about 5.5 minutes,
560-610 CPU-s, 9 GB of memory and 11 GB of disk (the paper-size checkpoints and resumable
states); a third of that is one training step of the paper's generator at LoveDA's 512 px
(~110 s of one core, then ~20 s for its preview images). `GEOINPAINT_PAPER_TINY=0` leaves it
out on a machine without that memory or disk."""

import pandas as pd
import pytest
import yaml
from PIL import Image


@pytest.mark.slow
def test_paper_tiny_runs_the_paper_networks_from_imagenet_to_their_tables(paper_tiny_run):
    where = paper_tiny_run
    config = yaml.safe_load((where / "config" / "paper-tiny.yaml").read_text())
    results = where / "results" / "paper-tiny" / "task_driven"
    archs = {"I": "vgg16", "II": "lpn", "III": "hrnet-w18"}
    files = {"I": "vgg16-397923af.pth", "II": "vgg16_bn-6c64b313.pth"}
    files["III"] = "hrnetv2_w18-8cb57bb9.pth"
    for table, arch in archs.items():
        t = pd.read_csv(results / f"table_{table}.csv")
        assert list(t["method"][:3]) == ["Clean Testing", "Occluded Testing", "Telea"], table
        network = t["task_network"].iloc[0]
        assert network.startswith(f"{arch}, init imagenet ({files[table]})"), network
        assert files[table] in t["weights"].iloc[0], table
        proposed = t[t["method"] == "Proposed"].iloc[0]
        assert "layer1-3 from resnet34-b627a593.pth" in proposed["model_provenance"], table
        assert "skips: 6" in proposed["model_provenance"] or "variant" not in str(
            proposed["model_notes"]
        ), table
    sizes = {role: d["size"] for role, d in config["datasets"].items()}
    assert sizes["loveda"] == 512
    gt = next((where / "data" / "paper-tiny" / "loveda" / "testsets").glob("*/gt/*.png"))
    assert Image.open(gt).size == (512, 512)
