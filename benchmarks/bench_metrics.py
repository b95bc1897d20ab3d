"""Throughput of every image metric, run on demand (never part of the test suite).

    python benchmarks/bench_metrics.py [--n 500] [--size 64] [--device auto] [--repeats 3]

Writes `benchmarks/results/metrics.json`: images per second per metric (best of `--repeats`),
the device, the image size, and why a metric was skipped (a missing weights file); and the
suite's batched evaluator (PSNR, SSIM, MSE with their hole variants, MS-SSIM, BRISQUE) against
the naive per-image loop over the reference libraries (`geoinpaint.metrics.references`) on the
same images: seconds for each and the largest relative difference per metric. The images are
procedural (smooth random fields plus noise) so that every metric has work to do.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

from geoinpaint.metrics import full_reference as fr
from geoinpaint.metrics.distribution import InceptionFeatures, fid, kid
from geoinpaint.metrics.no_reference import brisque_batch
from geoinpaint.metrics.perceptual import LPIPS
from geoinpaint.metrics.references import per_image_loop
from geoinpaint.metrics.weights import WeightsUnavailable, require
from geoinpaint.runtime import resolve_device

OUT = Path(__file__).resolve().parent / "results" / "metrics.json"


def _images(n: int, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.random((n, size, size, 3)) * 255, (0, 3, 3, 0))
    base = (base - base.min()) / (base.max() - base.min()) * 255
    gt = base.astype(np.uint8)
    out = np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)
    masks = np.zeros((n, size, size), np.float32)
    masks[:, size // 4 : 3 * size // 4, size // 5 : size // 2] = 1
    return gt, out, masks


def _rate(fn: Callable[[], object], n: int, repeats: int, device: torch.device) -> float:
    best = float("inf")
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return n / best


def evaluator_vs_reference_loop(
    gt: np.ndarray, out: np.ndarray, masks: np.ndarray, bs: int, dev: torch.device
) -> dict[str, object]:
    """Seconds of the batched evaluator and of the per-image library loop, and the largest
    relative difference of each metric both compute (the hole variants have no library twin)."""
    scales = 5 if gt.shape[1] >= fr.ms_ssim_min_size(5) else 3
    t0 = time.perf_counter()
    ours: dict[str, list[np.ndarray]] = {}
    for i in range(0, len(gt), bs):
        s = slice(i, i + bs)
        batch = {
            **fr.full_reference_batch(gt[s], out[s], masks[s], dev),
            "ms_ssim": fr.ms_ssim_batch(gt[s], out[s], scales, dev),
            "brisque_live_svr": brisque_batch(out[s], "live-svr", dev),
        }
        for key, values in batch.items():
            ours.setdefault(key, []).append(values)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    evaluator_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    reference = per_image_loop(gt, out, scales)
    loop_s = time.perf_counter() - t0
    differences = {}
    for key, ref in reference.items():
        got = np.concatenate(ours[key])
        differences[key] = float(np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-12)))
    print(
        f"evaluator {evaluator_s:.2f} s, per-image library loop {loop_s:.2f} s "
        f"({loop_s / evaluator_s:.1f}x); largest relative differences {differences}"
    )
    return {
        "n_images": len(gt),
        "ms_ssim_scales": scales,
        "evaluator_seconds": round(evaluator_s, 3),
        "reference_loop_seconds": round(loop_s, 3),
        "speedup": round(loop_s / evaluator_s, 2),
        "max_relative_difference": differences,
        "evaluator_also_computes": sorted(set(ours) - set(reference)),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=500, help="images (the embedded default has 210)")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", type=Path, default=OUT)
    a = p.parse_args()
    dev = resolve_device(a.device)
    gt, out, masks = _images(a.n, a.size)
    bs = a.batch_size

    def batched(fn: Callable[[slice], object]) -> Callable[[], None]:
        return lambda: [fn(slice(i, i + bs)) for i in range(0, a.n, bs)]

    jobs: dict[str, Callable[[], object]] = {
        "psnr+ssim+mse (whole and hole), batched": batched(
            lambda s: fr.full_reference_batch(gt[s], out[s], masks[s], dev)
        ),
        "psnr+ssim+mse, scikit-image loop (reference)": lambda: [
            (fr.psnr(g, o), fr.ssim(g, o), fr.mse(g, o)) for g, o in zip(gt, out, strict=True)
        ],
        "brisque (LIVE-SVR)": batched(lambda s: brisque_batch(out[s], "live-svr", dev)),
    }
    for scales, key in ((3, "ms-ssim (3 scales)"), (5, "ms-ssim (5 scales)")):
        if a.size >= fr.ms_ssim_min_size(scales):
            jobs[key] = batched(lambda s, k=scales: fr.ms_ssim_batch(gt[s], out[s], k, dev))
    skipped: dict[str, str] = {}
    try:
        require("brisque_svm_weights.pt")
        jobs["brisque (MATLAB-SVR)"] = batched(lambda s: brisque_batch(out[s], "matlab-svr", dev))
    except WeightsUnavailable as err:
        skipped["brisque (MATLAB-SVR)"] = str(err)
    try:
        lpips = LPIPS(dev)
        jobs["lpips (AlexNet)"] = batched(lambda s: lpips(gt[s], out[s]))
    except WeightsUnavailable as err:
        skipped["lpips (AlexNet)"] = str(err)
    try:
        inception = InceptionFeatures(dev)
        jobs["inception features (FID/KID)"] = batched(lambda s: inception(out[s]))
    except WeightsUnavailable as err:
        skipped["inception features (FID/KID)"] = str(err)
    feats = np.random.default_rng(1).normal(size=(2, a.n, 2048))
    jobs["fid statistic (2048-d features)"] = lambda: fid(feats[0], feats[1])
    jobs["kid statistic (2048-d features)"] = lambda: kid(feats[0], feats[1])
    comparison = evaluator_vs_reference_loop(gt, out, masks, bs, dev)
    rates = {}
    for key, fn in jobs.items():
        fn()  # warm-up
        rates[key] = round(_rate(fn, a.n, a.repeats, dev), 1)
        print(f"{key:48s} {rates[key]:10.1f} images/s")
    record = {
        "images_per_second": rates,
        "n_images": a.n,
        "size": a.size,
        "batch_size": bs,
        "device": str(dev),
        "device_name": (
            torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor()
        ),
        "torch_threads": torch.get_num_threads(),
        "skipped": skipped,
        "evaluator_vs_reference_loop": comparison,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
