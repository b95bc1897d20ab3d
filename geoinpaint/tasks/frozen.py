"""Frozen task networks: loaded once, in eval mode, never updated.

Gradients flow through a frozen network to its input (for task losses), never into its weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from geoinpaint.runtime import DeviceChoice, resolve_device
from geoinpaint.tasks.classification import CLASSIFIERS
from geoinpaint.training.state import load_checkpoint


class FrozenClassifier:
    """A trained scene classifier, frozen.

    Args:
        checkpoint: file written by `geoinpaint train-task`.
        device: where to run.
    """

    def __init__(self, checkpoint: Path, device: DeviceChoice = "auto"):
        ckpt = load_checkpoint(checkpoint)
        self.device = resolve_device(device)
        self.arch: str = ckpt["arch"]
        self.class_names: list[str] = list(ckpt["class_names"])
        self.net = CLASSIFIERS.build(self.arch, num_classes=ckpt["num_classes"])
        self.net.load_state_dict(ckpt["state_dict"])
        self.net.to(self.device).eval()
        for p in self.net.parameters():
            p.requires_grad_(False)

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W) float in [0, 1]` -> `(N, C)` logits; differentiable w.r.t. the images."""
        return self.net(images.to(self.device))

    def loss(self, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of the frozen network's prediction (the task loss)."""
        return F.cross_entropy(self.logits(images), targets.to(self.device))

    @torch.no_grad()
    def predict(self, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """Predicted class index for `(N, H, W, 3) float32 in [0, 1]` images."""
        preds = []
        for i in range(0, len(images), batch_size):
            x = torch.from_numpy(images[i : i + batch_size]).permute(0, 3, 1, 2)
            preds.append(self.logits(x).argmax(1).cpu())
        return torch.cat(preds).numpy()

    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> float:
        """Overall accuracy in [0, 1] on a set of images."""
        return float((self.predict(images) == labels).mean())
