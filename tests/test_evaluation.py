"""`geoinpaint evaluate` for the three tasks: the task columns through the real evaluation path
(test set on disk, saved images, set record), with stand-in task networks whose outputs are
chosen by hand, so that ranks, recalls and mIoU can be checked exactly."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

import geoinpaint.tasks.scoring as scoring
from geoinpaint.cli import build_parser, main
from geoinpaint.data.scenes import write_split
from geoinpaint.evaluation import evaluate_folder
from geoinpaint.io import DatasetError
from geoinpaint.masks.maskset import write_maskset
from geoinpaint.metrics import set_metrics_path
from geoinpaint.metrics.segmentation import ConfusionMatrix
from geoinpaint.testsets import build_testset, load_testset


def _task_testset(root, task, companions, size=32):
    write_split(root / "scenes", "test", 1, size, seed=0, task=task)  # one pair/image per class
    write_maskset(root / "masks", "irregular", 7, size, seed=0, min_fraction=0.1, max_fraction=0.2)
    column = "ground" if task == "crossview" else "image"
    build_testset(root / "scenes", root / "masks", root / "testset", 0, "white", column, companions)
    return root / "testset"


@pytest.fixture(scope="module")
def crossview_testset(tmp_path_factory):
    return _task_testset(tmp_path_factory.mktemp("cv"), "crossview", ["aerial"])


@pytest.fixture(scope="module")
def segmentation_testset(tmp_path_factory):
    return _task_testset(tmp_path_factory.mktemp("seg"), "segmentation", ["label_map"])


# Cross-view: query i's true match (gallery item i) is put at RANKS[i] by hand-made features.
RANKS = [1, 2, 1, 6, 1, 3, 7]


def _query_features(ranks):
    """Row i scores the one-hot gallery items so that item i lands at 1-based `ranks[i]`."""
    n = len(ranks)
    q = np.zeros((n, n))
    for i, rank in enumerate(ranks):
        others = [j for j in range(n) if j != i]
        order = others[: rank - 1] + [i] + others[rank - 1 :]
        q[i, order] = np.arange(n, 0, -1)  # descending scores along the wanted order
    return q


class FakeNetwork:
    """What the scorers record of a frozen task network (`tasks.frozen.Frozen`)."""

    weights = {"vgg16_bn-6c64b313.pth": "6c64b313" + "0" * 56}

    def describe(self):
        return "fake network, init imagenet"


class FakeGeolocator(FakeNetwork):
    def __init__(self, checkpoint, device="auto"):
        self.checkpoint = checkpoint

    def embed(self, images, view):
        return _query_features(RANKS) if view == "ground" else np.eye(len(images))


def test_crossview_rank_and_recalls_through_the_evaluate_path(crossview_testset, monkeypatch):
    monkeypatch.setattr(scoring, "FrozenGeolocator", FakeGeolocator)
    df, record = evaluate_folder(
        crossview_testset, crossview_testset / "occluded", "net.pt", "crossview", "cpu"
    )
    assert list(df["rank"]) == RANKS
    ids = load_testset(crossview_testset).ids
    assert df["top5"].iloc[1].split(";")[1] == ids[1]  # its true match, second
    assert record["gallery_size"] == 7 and record["task"] == "crossview"
    # the set record names the task network and the pretrained file it started from
    assert record["task_network"] == "fake network, init imagenet"
    assert record["weights"] == FakeNetwork.weights
    assert record["recall@1"] == pytest.approx(100 * 3 / 7)
    assert record["recall@5"] == pytest.approx(100 * 5 / 7)
    assert record["recall@10"] == pytest.approx(100.0)
    assert record["recall@top1%"] == pytest.approx(100 * 3 / 7)  # index round(0.07) = 0
    # one true match at 1-based rank r: AP = 1 if r = 1, else (0 + 1/r) / 2
    ap = [1.0 if r == 1 else 1 / (2 * r) for r in RANKS]
    assert record["ap"] == pytest.approx(100 * np.mean(ap))


def test_the_gallery_is_the_clean_aerial_images_never_the_occluded_ground(crossview_testset):
    ts = load_testset(crossview_testset)
    scenes = pd.read_csv(crossview_testset.parent / "scenes" / "manifest.csv")
    aerial = ts.aerial()
    assert aerial.shape == ts.gt.shape
    assert list(ts.manifest["aerial"]) == list(scenes["aerial"])  # copied, not occluded
    assert not np.allclose(aerial, ts.gt)  # the ground panoramas are the occluded view


class FakeSegmenter(FakeNetwork):
    """Predicts the ground truth, except class 3 (road) everywhere in the first image and
    agriculture in the top-left 8x8 block of every image."""

    truth: np.ndarray

    def __init__(self, checkpoint, device="auto"):
        pass

    def predict(self, images):
        pred = self.truth.copy()
        pred[0] = 3
        pred[:, :8, :8] = 7
        return pred


def test_segmentation_miou_is_one_confusion_matrix_over_the_set(segmentation_testset, monkeypatch):
    truth = load_testset(segmentation_testset).label_maps()
    FakeSegmenter.truth = truth
    monkeypatch.setattr(scoring, "FrozenSegmenter", FakeSegmenter)
    df, record = evaluate_folder(
        segmentation_testset, segmentation_testset / "gt", "net.pt", "segmentation", "cpu"
    )
    pred = FakeSegmenter("x").predict(None)
    cm = ConfusionMatrix()
    for t, p in zip(truth, pred, strict=True):
        cm.update(t.astype(int) - 1, p.astype(int) - 1)
    assert record["miou"] == pytest.approx(cm.miou(), abs=0)
    assert list(record["iou"].values()) == pytest.approx(list(cm.iou()), abs=0)
    assert np.array_equal(record["confusion_matrix"], cm.counts)
    expected_acc = [(p == t)[t > 0].mean() for t, p in zip(truth, pred, strict=True)]
    np.testing.assert_allclose(df["pixel_accuracy"], expected_acc)
    assert df["psnr"].isna().all() or np.isinf(df["psnr"]).all()  # the clean images themselves


def test_an_undefined_miou_is_recorded_with_its_reason_never_a_number(
    segmentation_testset, monkeypatch
):
    truth = load_testset(segmentation_testset).label_maps()
    FakeSegmenter.truth = np.where(truth == 4, 1, truth)  # water (4) neither true nor predicted
    monkeypatch.setattr(scoring, "FrozenSegmenter", FakeSegmenter)
    monkeypatch.setattr("geoinpaint.testsets.TestSet.label_maps", lambda self: FakeSegmenter.truth)
    _, record = evaluate_folder(
        segmentation_testset, segmentation_testset / "gt", "net.pt", "segmentation", "cpu"
    )
    assert record["miou"] is None and record["iou"]["water"] is None
    assert "water" in record["unavailable"]["miou"]


def test_a_test_set_without_its_task_targets_says_how_to_rebuild_it(scenes, tmp_path):
    write_maskset(tmp_path / "m", "cloud", 14, 32, seed=0)
    build_testset(scenes / "test", tmp_path / "m", tmp_path / "t", seed=0, fill="white")
    with pytest.raises(DatasetError, match="no aerial column.*--companion aerial"):
        load_testset(tmp_path / "t").aerial()


def test_a_modified_companion_file_is_detected(segmentation_testset, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(segmentation_testset, copy)
    label = copy / load_testset(copy).manifest["label_map"].iloc[0]
    label.write_bytes((copy / load_testset(copy).manifest["label_map"].iloc[1]).read_bytes())
    with pytest.raises(DatasetError, match="checksum differs"):
        load_testset(copy)


def test_evaluate_verb_writes_per_image_and_set_files_and_keeps_the_classifier_alias(
    crossview_testset, tmp_path, monkeypatch
):
    monkeypatch.setattr(scoring, "FrozenGeolocator", FakeGeolocator)
    out = tmp_path / "m" / "occluded.csv"
    args = ["evaluate", "--task", "crossview", "--testset", str(crossview_testset)]
    args += ["--images", str(crossview_testset / "occluded"), "--classifier", "net.pt"]
    assert main([*args, "--out", str(out), "--device", "cpu"]) == 0
    record = json.loads(set_metrics_path(out).read_text())
    assert list(pd.read_csv(out)["rank"]) == RANKS and record["recall@1"] > 0
    parsed = build_parser().parse_args(
        ["evaluate", "--testset", "t", "--images", "i"] + ["--task-net", "n.pt", "--out", "o.csv"]
    )
    assert parsed.task == "classification" and str(parsed.task_net) == "n.pt"


def test_task_figures_are_drawn_from_the_rows_per_image_metrics(
    crossview_testset, segmentation_testset, testset, tmp_path, monkeypatch
):
    monkeypatch.setattr(scoring, "FrozenGeolocator", FakeGeolocator)
    labels = load_testset(testset).labels
    rows = {"classification": [], "crossview": []}
    for row, folder in (("clean", "gt"), ("occluded", "occluded")):
        cv, _ = evaluate_folder(crossview_testset, crossview_testset / folder, "n", "crossview")
        cls = pd.DataFrame(
            {"label": labels, "pred": labels[::-1], "correct": labels == labels[::-1]}
        )
        for task, df in (("classification", cls), ("crossview", cv)):
            df.to_csv(tmp_path / f"{task}_{row}.csv", index=False)
            rows[task] += ["--row", f"{row}={tmp_path}/{task}_{row}.csv"]
    FakeSegmenter.truth = load_testset(segmentation_testset).label_maps()
    monkeypatch.setattr("geoinpaint.tasks.frozen.FrozenSegmenter", FakeSegmenter)
    cases = {
        "classification": (testset, rows["classification"]),
        "crossview": (crossview_testset, rows["crossview"]),
        "segmentation": (segmentation_testset, ["--task-net", "net.pt"]),
    }
    for task, (ts, sources) in cases.items():
        out = tmp_path / f"{task}.png"
        args = ["figure-task", "--task", task, "--testset", str(ts), *sources, "--out", str(out)]
        assert main([*args, "--n-images", "2"]) == 0, task
        assert out.stat().st_size > 10_000, task
