"""Speed of the coarse-to-fine model, run on demand (never part of the test suite).

    python benchmarks/bench_inpainting.py [--device auto] [--encoder resnet34] [--skips 6]
        [--train-size 256] [--batch 4] [--steps 10] [--task-arch vgg16] [--sizes 256 512]

Measures, on random data (speed does not depend on the weights):
- training throughput (images/s) of one full iteration (D_c, D_r, then G with L1, GAN and the
  frozen task network's loss; LPIPS-VGG too when its file is installed), with and without
  mixed precision on CUDA;
- inference time per image (batch 1, after warm-up) at each `--sizes` side, the figure the
  paper reports (0.033 s at 256 and 0.1 s at 512 on an RTX 3090).

Writes `benchmarks/results/inpainting.json`.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from geoinpaint.metrics.weights import WeightsUnavailable
from geoinpaint.models.coarse_to_fine import CoarseToFine
from geoinpaint.models.task_driven import TaskDrivenRoutine, make_config
from geoinpaint.runtime import resolve_device
from geoinpaint.tasks.classification import CLASSIFIERS
from geoinpaint.training.data import InpaintingTrainSet
from geoinpaint.training.losses import PerceptualLoss

OUT = Path(__file__).resolve().parent / "results" / "inpainting.json"


class RandomFrozenClassifier:
    """A frozen classifier of the given architecture with random weights: same cost as a
    trained one."""

    def __init__(self, arch: str, device: torch.device):
        self.arch = arch
        self.net = CLASSIFIERS.build(arch, num_classes=7).to(device).eval()
        self.net.requires_grad_(False)

    def loss(self, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(self.net(images), targets)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def train_throughput(args, device: torch.device, amp: bool) -> dict:
    n = args.batch * (args.steps + 2)
    rng = np.random.default_rng(0)
    size = args.train_size
    images = rng.random((n, size, size, 3), dtype=np.float32)
    masks = np.zeros((n, size, size), np.float32)
    masks[:, size // 4 : size // 2, size // 5 : 3 * size // 4] = 1
    data = InpaintingTrainSet("classification", images, masks, np.zeros(n, np.int64))
    cfg = make_config(
        {
            "encoder": args.encoder,
            "skips": args.skips,
            "augment": "maskmix",
            "amp": amp,
            "batch_size": args.batch,
        }
    )
    try:
        perceptual, lpips_state = PerceptualLoss(), "on"
    except WeightsUnavailable as err:
        perceptual, lpips_state = None, f"off: {err}"
    torch.manual_seed(0)
    routine = TaskDrivenRoutine(
        cfg,
        CoarseToFine(args.encoder, args.skips),
        data,
        device,
        0,
        RandomFrozenClassifier(args.task_arch, device),
        perceptual,
    )
    batches = torch.arange(n).split(args.batch)
    for idx in batches[:2]:  # warm-up (cuDNN autotuning, allocator)
        routine.train_step(idx, 0)
    _sync(device)
    t0 = time.perf_counter()
    for idx in batches[2:]:
        routine.train_step(idx, 0)
    _sync(device)
    seconds = time.perf_counter() - t0
    return {
        "amp": routine.amp.enabled,
        "amp_dtype": str(routine.amp.dtype) if routine.amp.enabled else None,
        "images_per_s": args.batch * args.steps / seconds,
        "lpips_vgg": lpips_state,
    }


@torch.no_grad()
def inference_time(args, device: torch.device, size: int, amp: bool) -> float:
    net = CoarseToFine(args.encoder, args.skips).to(device).eval()
    x = torch.rand(1, 3, size, size, device=device)
    m = torch.zeros(1, 1, size, size, device=device)
    m[..., size // 4 : size // 2, size // 4 : size // 2] = 1
    ctx = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if amp
        else torch.autocast("cpu", enabled=False)
    )
    with ctx:
        for _ in range(3):
            net(x, m)
        _sync(device)
        reps = args.repeats
        t0 = time.perf_counter()
        for _ in range(reps):
            net(x, m)
        _sync(device)
    return (time.perf_counter() - t0) / reps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--encoder", default="resnet34", choices=("resnet34", "resnet-small"))
    p.add_argument("--skips", type=int, default=6, choices=(4, 6))
    p.add_argument("--train-size", type=int, default=256)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--task-arch", default="vgg16", choices=("vgg16", "vgg-small"))
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
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
        "encoder": args.encoder,
        "skips": args.skips,
        "task_network": args.task_arch,
        "train_size": args.train_size,
        "batch": args.batch,
        "training": [train_throughput(args, device, amp) for amp in amps],
        "inference_s_per_image": [
            {"size": s, "amp": amp, "seconds": inference_time(args, device, s, amp)}
            for s in args.sizes
            for amp in amps
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
