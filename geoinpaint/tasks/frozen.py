"""Frozen task networks: loaded once, in eval mode, never updated.

Gradients flow through a frozen network to its input (for task losses), never into its weights.
Each wrapper exposes `evaluate(images, targets)` (the task score) and `loss(images, targets)`
(the differentiable task loss); images are `(N, H, W, 3) float32 in [0, 1]` arrays for
`evaluate`/`predict` and `(N, 3, H, W)` tensors for `loss`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from geoinpaint.runtime import DeviceChoice, resolve_device
from geoinpaint.tasks.crossview import IGNORE_INDEX as UNTRAINED_LOCATION
from geoinpaint.tasks.segmentation import IGNORE_INDEX, to_targets
from geoinpaint.tasks.train_task import build_network
from geoinpaint.training.state import load_checkpoint


class Frozen:
    """Loads a `geoinpaint train-task` checkpoint of `task`, in eval mode, gradients off."""

    task = ""

    def __init__(self, checkpoint: Path, device: DeviceChoice = "auto"):
        ckpt = load_checkpoint(checkpoint)
        if ckpt["task"] != self.task:
            raise ValueError(f"{checkpoint} holds a {ckpt['task']} network, expected {self.task}")
        self.device = resolve_device(device)
        self.arch: str = ckpt["arch"]
        self.checkpoint = ckpt
        self.net = build_network(ckpt).to(self.device).eval()
        for p in self.net.parameters():
            p.requires_grad_(False)

    def describe(self) -> str:
        """How the network was made, for the tables: architecture, initialisation, epoch kept."""
        c = self.checkpoint
        kept = f"epoch {c.get('best_epoch', c.get('epochs'))} of {c.get('epochs')}"
        how = "best on validation" if c.get("validation") else "last"
        return f"{self.arch}, init {c.get('init', 'random')}, {kept} ({how})"

    @property
    def weights(self) -> dict[str, str]:
        """Pretrained files the network started from -> their sha256."""
        return dict(self.checkpoint.get("init_weights", {}))

    def _batches(self, images: np.ndarray, batch_size: int):
        for i in range(0, len(images), batch_size):
            yield torch.from_numpy(images[i : i + batch_size]).permute(0, 3, 1, 2).to(self.device)


class FrozenClassifier(Frozen):
    """A trained scene classifier, frozen."""

    task = "classification"

    @property
    def class_names(self) -> list[str]:
        return list(self.checkpoint["class_names"])

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """`(N, 3, H, W) float in [0, 1]` -> `(N, C)` logits; differentiable w.r.t. the images."""
        return self.net(images.to(self.device))

    def loss(self, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of the frozen network's prediction (the task loss)."""
        return F.cross_entropy(self.logits(images), targets.to(self.device))

    @torch.no_grad()
    def predict(self, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """Predicted class index per image."""
        return torch.cat(
            [self.net(x).argmax(1).cpu() for x in self._batches(images, batch_size)]
        ).numpy()

    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> float:
        """Overall accuracy in [0, 1]."""
        return float((self.predict(images) == labels).mean())


class FrozenSegmenter(Frozen):
    """A trained land-cover segmenter, frozen. Targets are LoveDA label maps (0 no-data, 1..7)."""

    task = "segmentation"

    def loss(self, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Pixel cross-entropy over the 7 classes, no-data ignored."""
        logits = self.net(images.to(self.device))
        return F.cross_entropy(
            logits, to_targets(targets.to(self.device)), ignore_index=IGNORE_INDEX
        )

    @torch.no_grad()
    def predict(self, images: np.ndarray, batch_size: int = 16) -> np.ndarray:
        """LoveDA label map `(N, H, W) uint8 in 1..7` per image."""
        preds = [self.net(x).argmax(1).cpu() + 1 for x in self._batches(images, batch_size)]
        return torch.cat(preds).numpy().astype(np.uint8)

    def evaluate(self, images: np.ndarray, labels: np.ndarray) -> float:
        """Pixel accuracy over labelled (non no-data) pixels, in [0, 1]."""
        pred, valid = self.predict(images), labels > 0
        return float((pred == labels)[valid].mean())


class FrozenGeolocator(Frozen):
    """A trained cross-view network (LPN), frozen. Targets are training location ids."""

    task = "crossview"

    def __init__(self, checkpoint: Path, device: DeviceChoice = "auto"):
        super().__init__(checkpoint, device)
        held_out = self.checkpoint.get("validation_rows", [])
        self.held_out = torch.as_tensor(held_out, dtype=torch.long, device=self.device)

    def loss(self, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """LPN's loss on ground images: sum over parts of the location-id cross-entropy.
        Targets are rows of the training split; the rows held out to validate the network
        (never trained as locations) do not count."""
        targets = targets.to(self.device)
        targets = torch.where(torch.isin(targets, self.held_out), UNTRAINED_LOCATION, targets)
        return self.net.loss(images.to(self.device), "ground", targets)

    @torch.no_grad()
    def embed(self, images: np.ndarray, view: str, batch_size: int = 32) -> np.ndarray:
        """L2-normalised retrieval descriptors `(N, D)` of ground or aerial images."""
        return torch.cat(
            [self.net.embed(x, view).cpu() for x in self._batches(images, batch_size)]
        ).numpy()

    def evaluate(self, images: np.ndarray, aerial: np.ndarray) -> float:
        """Recall@1 of ground queries `images[i]` against the aerial gallery (`aerial[i]` true)."""
        sims = self.embed(images, "ground") @ self.embed(aerial, "aerial").T
        return float((sims.argmax(1) == np.arange(len(images))).mean())


FROZEN: dict[str, type[Frozen]] = {
    c.task: c for c in (FrozenClassifier, FrozenSegmenter, FrozenGeolocator)
}
"""Task -> its frozen-network wrapper."""
