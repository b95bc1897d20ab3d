"""Validation scores of a task network on the part of its training split held out for it.

Each score is the task's own metric (`metrics`), computed as the test columns are, on clean
validation images without augmentation, in eval mode:
- classification: accuracy; ties (a few dozen images) are broken by the lower cross-entropy;
- cross-view: AP of the validation ground panoramas against the validation aerial gallery,
  with the network's retrieval descriptor (LPN: flip test-time augmentation);
- segmentation: mIoU of one confusion matrix over every validation pixel (0 where a class is
  neither in the ground truth nor predicted, so that an epoch that never predicts a class loses).

`Validation(model)` returns the values to log (`val_*`) and the key that orders epochs (higher
is better).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from geoinpaint.metrics.retrieval import retrieval_metrics
from geoinpaint.metrics.segmentation import ConfusionMatrix
from geoinpaint.tasks.segmentation import IGNORE_INDEX, NUM_CLASSES
from geoinpaint.tasks.task_data import TaskData

BATCH = 32


class Validation:
    """Scores a model on `data`'s validation rows (on `device`)."""

    def __init__(self, data: TaskData, device: torch.device):
        self.data, self.device = data, device
        self.rows = torch.from_numpy(data.val_rows)

    def __bool__(self) -> bool:
        return len(self.rows) > 0

    def _batches(self, x: torch.Tensor):
        for i in range(0, len(self.rows), BATCH):
            yield x[self.rows[i : i + BATCH]].to(self.device, memory_format=torch.channels_last)

    @torch.no_grad()
    def __call__(self, model: nn.Module) -> tuple[dict[str, float], tuple[float, ...]]:
        was_training = model.training
        model.eval()
        try:
            return getattr(self, f"_{self.data.task}")(model)
        finally:
            model.train(was_training)

    def _classification(self, model: nn.Module) -> tuple[dict[str, float], tuple[float, ...]]:
        logits = torch.cat([model(x).float().cpu() for x in self._batches(self.data.x)])
        y = self.data.y[self.rows]
        accuracy = float((logits.argmax(1) == y).float().mean())
        loss = float(F.cross_entropy(logits, y))
        return {"val_accuracy": accuracy, "val_loss": loss}, (accuracy, -loss)

    def _crossview(self, model: nn.Module) -> tuple[dict[str, float], tuple[float, ...]]:
        def embed(x: torch.Tensor, view: str) -> np.ndarray:
            return torch.cat([model.embed(b, view).float().cpu() for b in self._batches(x)]).numpy()

        assert self.data.aerial is not None
        ids = np.arange(len(self.rows))
        m = retrieval_metrics(
            embed(self.data.x, "ground"), ids, embed(self.data.aerial, "aerial"), ids
        )
        values = {"val_ap": m["ap"], "val_recall@1": m["recall@1"], "val_recall@5": m["recall@5"]}
        return values, (m["ap"],)

    def _segmentation(self, model: nn.Module) -> tuple[dict[str, float], tuple[float, ...]]:
        cm = ConfusionMatrix(NUM_CLASSES, ignore_index=IGNORE_INDEX)
        targets = self.data.y[self.rows]
        preds = torch.cat([model(x).argmax(1).cpu() for x in self._batches(self.data.x)])
        for t, p in zip(targets.numpy(), preds.numpy(), strict=True):
            cm.update(t, p)
        miou = float(np.nan_to_num(cm.iou(), nan=0.0).mean())
        valid = targets != IGNORE_INDEX
        pixel_accuracy = float(((preds == targets) & valid).sum() / valid.sum().clamp_min(1))
        return {"val_miou": miou, "val_pixel_accuracy": pixel_accuracy}, (miou,)
