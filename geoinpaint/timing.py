"""Per-image inference time of an inpainting method (`geoinpaint runtime`, paper Sec. IV-M).

The time of one `inpaint` call on one image (batch 1: numpy in, numpy out, so host-device
copies are included), after warm-up calls, averaged over `repeats` calls, at each image side.
The paper reports 0.033 s at 256x256 and 0.1 s at 512x512 on an RTX 3090.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoinpaint.methods.adapter import to_tensors
from geoinpaint.methods.registry import build_method, load_method


def device_name(device: Any) -> str:
    """A readable name of a torch device: the GPU model, or the CPU and its thread count."""
    import torch

    if getattr(device, "type", "cpu") == "cuda":
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or platform.machine()
    return f"CPU {cpu} ({torch.get_num_threads()} threads)"


def inference_times(
    method: str,
    checkpoint: Path | None,
    sizes: list[int],
    device: str = "auto",
    repeats: int = 10,
    warmup: int = 2,
    options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Seconds per image of `method` at each side in `sizes`; one row per size.

    A trained method is timed from its `checkpoint`, or untrained, built from `options` (the
    speed does not depend on the weights; the row's `weights` column says which).
    """
    trained = checkpoint is not None
    if trained:
        model = load_method(Path(checkpoint), device, expect=method)
    else:
        model = build_method(method, options=options, device=device)

    def once(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        x, m = to_tensors(image, mask, model.device)
        return model.inpaint(x, m).cpu().numpy()  # the copy back waits for the device

    rows = []
    rng = np.random.default_rng(0)
    for size in sizes:
        image = rng.random((1, size, size, 3), dtype=np.float32)
        mask = np.zeros((1, size, size), np.float32)
        mask[:, size // 4 : size // 2, size // 4 : 3 * size // 4] = 1
        for _ in range(warmup):
            once(image, mask)
        t0 = time.perf_counter()
        for _ in range(repeats):
            once(image, mask)
        seconds = (time.perf_counter() - t0) / repeats
        variant = model.variant() if model.trained else {}
        rows.append(
            {
                "method": method,
                "size": size,
                "seconds_per_image": seconds,
                "repeats": repeats,
                "device": device_name(model.device),
                "architecture": ", ".join(f"{k}={v}" for k, v in variant.items()) or "paper",
                "weights": f"trained ({Path(checkpoint).name})" if trained else "untrained",
            }
        )
    return pd.DataFrame(rows)
