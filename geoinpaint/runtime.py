"""Device selection, seeding and determinism shared by every verb that runs a network.

torch is imported inside the functions that need it: `derive_seed` is used by verbs that never
run a network (masks, test sets), and importing torch costs seconds per process.
"""

from __future__ import annotations

import logging
import os
import random
import sys
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

DeviceChoice = Literal["auto", "cpu", "cuda"]


def resolve_device(choice: DeviceChoice | torch.device = "auto") -> torch.device:
    """Return the torch device for a config value (`auto` = CUDA when available, else CPU)."""
    import torch

    if isinstance(choice, torch.device):
        return choice
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was requested but no CUDA device is available")
    if choice == "auto":
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(choice)


def seed_everything(seed: int, threads: int | None = None) -> torch.Generator:
    """Seed Python, NumPy and torch, make torch deterministic, and return a CPU generator.

    Determinism here means: same config, seed and thread count on the same machine give the
    same numbers. `threads` fixes the CPU thread count because reduction order depends on it.
    """
    import torch

    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    # = use_deterministic_algorithms(True, warn_only=True) without its inductor switch: setting
    # that imports torch._inductor and torch._dynamo (~2 s a job) for torch.compile, unused here
    torch.set_deterministic_debug_mode("warn")
    torch.backends.cudnn.benchmark = False
    if threads is not None:
        torch.set_num_threads(threads)
    return torch.Generator().manual_seed(seed)


def derive_seed(seed: int, *names: str) -> int:
    """A stable child seed for a named purpose, e.g. `derive_seed(0, "masks", "test")`."""
    seq = np.random.SeedSequence([seed, *(int.from_bytes(n.encode(), "little") for n in names)])
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def limit_threads(threads: int) -> None:
    """Cap the CPU threads of the numeric libraries a job has loaded (OpenCV, and torch if a
    network or method imported it; a classical method never loads torch)."""
    import cv2

    cv2.setNumThreads(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
