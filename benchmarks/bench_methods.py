"""Speed of registered trained methods, run on demand (never part of the test suite).

    python benchmarks/bench_methods.py [--methods proposed csa ...] [--options '{"width": 0.25}']
        [--device auto] [--train-size 256] [--batch 4] [--steps 10] [--sizes 256 512]

For each method, on random data (speed does not depend on the weights):
- training throughput (images/s) of full routine iterations (every discriminator and the
  generator, every loss whose weights are installed; a task loss through a random frozen
  task network of `--task-arch`), in full precision and, on CUDA, with mixed precision;
- inference time per image (batch 1, after warm-up) at each `--sizes` side.

Writes `benchmarks/results/methods.json` (or `--out`).
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from geoinpaint.methods.base import TrainContext
from geoinpaint.methods.registry import build_method
from geoinpaint.runtime import resolve_device
from geoinpaint.tasks.classification import CLASSIFIERS
from geoinpaint.training.data import InpaintingCollate, InpaintingTrainSet
from geoinpaint.training.state import atomic_save

OUT = Path(__file__).resolve().parent / "results" / "methods.json"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def random_task_net(arch: str, folder: Path) -> Path:
    """A classifier checkpoint with random weights: the same cost as a trained one."""
    net = CLASSIFIERS.build(arch, num_classes=7)
    path = folder / "task_net.pt"
    atomic_save(
        {
            "task": "classification",
            "arch": arch,
            "num_classes": 7,
            "class_names": [str(i) for i in range(7)],
            "state_dict": net.state_dict(),
        },
        path,
    )
    return path


def train_throughput(args, method_name: str, device: torch.device, amp: bool, task_net: Path):
    n = args.batch * (args.steps + 2)
    rng = np.random.default_rng(0)
    size = args.train_size
    images = rng.random((n, size, size, 3), dtype=np.float32)
    masks = np.zeros((n, size, size), np.float32)
    masks[:, size // 4 : size // 2, size // 5 : 3 * size // 4] = 1
    data = InpaintingTrainSet("classification", images, masks, np.zeros(n, np.int64))
    torch.manual_seed(0)
    options = {**json.loads(args.options), "amp": amp, "batch_size": args.batch}
    method = build_method(method_name, options=options, device=device)
    collate = InpaintingCollate(data, device, 0, method.options.augment)
    ctx = TrainContext("classification", size, n, device, 0, task_net, collate.preview())
    routine = method.routine(ctx)
    batches = [collate(idx, 0) for idx in torch.arange(n).split(args.batch)]
    for batch in batches[:2]:  # warm-up (cuDNN autotuning, allocator)
        routine.train_step(batch)
    _sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    t0 = time.perf_counter()
    for batch in batches[2:]:
        losses = routine.train_step(batch)
    _sync(device)
    seconds = time.perf_counter() - t0
    return {
        "amp": routine.amp.enabled,
        "amp_dtype": str(routine.amp.dtype) if routine.amp.enabled else None,
        "images_per_s": args.batch * args.steps / seconds,
        "last_losses": {k: float(v) for k, v in losses.items()},
        "finite": all(bool(torch.isfinite(v)) for v in losses.values()),
        "peak_gib": torch.cuda.max_memory_allocated(device) / 2**30
        if device.type == "cuda"
        else None,
        "notes": method.notes(),
    }


@torch.no_grad()
def inference_time(args, method_name: str, device: torch.device, size: int) -> float:
    method = build_method(method_name, options=json.loads(args.options), device=device)
    x = torch.rand(1, 3, size, size, device=device)
    m = torch.zeros(1, 1, size, size, device=device)
    m[..., size // 4 : size // 2, size // 4 : size // 2] = 1
    for _ in range(3):
        method.inpaint(x, m)
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(args.repeats):
        method.inpaint(x, m)
    _sync(device)
    return (time.perf_counter() - t0) / args.repeats


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", nargs="+", default=["proposed"])
    p.add_argument("--options", default="{}", help="options of every method, as JSON")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--train-size", type=int, default=256)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--task-arch", default="vgg16", choices=tuple(CLASSIFIERS.names()))
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument(
        "--fp16",
        action="store_true",
        help="float16 autocast with a gradient scaler even where bfloat16 is supported",
    )
    args = p.parse_args()
    if args.fp16:
        torch.cuda.is_bf16_supported = lambda *a, **k: False
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    amps = (False, True) if device.type == "cuda" else (False,)
    result = {
        "device": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "options": json.loads(args.options),
        "task_network": args.task_arch,
        "train_size": args.train_size,
        "batch": args.batch,
        "methods": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        task_net = random_task_net(args.task_arch, Path(tmp))
        for name in args.methods:
            try:
                result["methods"][name] = {
                    "training": [train_throughput(args, name, device, a, task_net) for a in amps],
                    "inference_s_per_image": {
                        str(s): inference_time(args, name, device, s) for s in args.sizes
                    },
                }
            except Exception as err:  # noqa: BLE001 - one method's failure is a result too
                result["methods"][name] = {"error": f"{type(err).__name__}: {err}"}
            print(name, json.dumps(result["methods"][name]), flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(result, indent=1) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
