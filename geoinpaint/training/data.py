"""Training sets of the inpainting models: clean training images, one seed mask per image, and
the targets of the task network (paper Sec. IV-A..C).

The seed masks are a frozen training mask set (`geoinpaint masks`, written once like the test
masks but from another seed): mask `i` occludes image `i`, as the paper synthesises one occluded
version of each image. MaskMix and AugMix augment them at training time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from geoinpaint.masks.augmix import AugMixConfig, augmix
from geoinpaint.masks.maskmix import MaskMixConfig, maskmix


@dataclass
class InpaintingTrainSet:
    """Clean images, seed masks and task targets of one training split.

    Attributes:
        task: classification, segmentation or crossview.
        images: `(N, H, W, 3) float32 in [0, 1]`; ground-level panoramas for cross-view.
        masks: `(N, H, W) float32 in {0, 1}`, 1 = hole, mask `i` for image `i`.
        targets: class labels `(N,) int64`; LoveDA label maps `(N, H, W) uint8` (0 = no-data);
            location ids `(N,) int64` for cross-view (the pair's row, as `train-task` numbers them).
    """

    task: str
    images: np.ndarray
    masks: np.ndarray
    targets: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def target_batch(self, indices: torch.Tensor) -> torch.Tensor:
        """Targets of `indices` as a tensor (`int64`; label maps keep their LoveDA values)."""
        return torch.from_numpy(self.targets[indices.numpy()].astype(np.int64))


@dataclass
class Batch:
    """One training batch of an inpainting method, on the training device.

    Attributes:
        images: `(B, 3, H, W) float32 in [0, 1]`, the clean ground truth.
        masks: `(B, 1, H, W) float32 in {0, 1}`, 1 = hole (after MaskMix, if used).
        targets: the task targets of the images (see `InpaintingTrainSet.targets`).
        indices: `(B,)` sample indices into the training set.
    """

    images: torch.Tensor
    masks: torch.Tensor
    targets: torch.Tensor
    indices: torch.Tensor

    def occluded(self, fill: float | torch.Tensor = 0.0) -> torch.Tensor:
        """The images with every hole pixel set to `fill` (a value or a broadcastable tensor)."""
        return self.images * (1 - self.masks) + fill * self.masks


AUGMENTS = ("none", "maskmix", "augmix")


class InpaintingCollate:
    """Indices -> `Batch`: the training-time augmentation of every inpainting method.

    Each sample draws its augmentation from `sample_rng(seed, epoch, index, augment)` alone, so
    a batch is the same whatever the batch order or a resume point. `maskmix` augments the seed
    mask (task-driven paper, Eq. 7); `augmix` the image (Table VIII).
    """

    def __init__(
        self,
        data: InpaintingTrainSet,
        device: torch.device,
        seed: int,
        augment: str = "none",
        maskmix_cfg: MaskMixConfig | None = None,
        augmix_cfg: AugMixConfig | None = None,
    ):
        if augment not in AUGMENTS:
            raise ValueError(f"unknown augmentation {augment!r}, expected one of {AUGMENTS}")
        self.data, self.device, self.seed, self.augment = data, device, seed, augment
        self.maskmix_cfg = maskmix_cfg or MaskMixConfig()
        self.augmix_cfg = augmix_cfg or AugMixConfig()

    def __call__(self, indices: torch.Tensor, epoch: int) -> Batch:
        from geoinpaint.training.engine import sample_rng

        images, masks = [], []
        for i in indices.tolist():
            image, mask = self.data.images[i], self.data.masks[i]
            rng = sample_rng(self.seed, epoch, i, self.augment)
            if self.augment == "maskmix":
                mask = maskmix(mask, rng, self.maskmix_cfg)
            elif self.augment == "augmix":
                image, mask = augmix(image, mask, rng, self.augmix_cfg)
            images.append(image)
            masks.append(mask)
        return Batch(
            torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).to(self.device),
            torch.from_numpy(np.stack(masks))[:, None].to(self.device),
            self.data.target_batch(indices).to(self.device),
            indices,
        )

    def preview(self, n: int = 4) -> Batch:
        """The first `n` training images with their seed masks (no augmentation)."""
        idx = torch.arange(min(n, len(self.data)))
        return Batch(
            torch.from_numpy(self.data.images[idx.numpy()]).permute(0, 3, 1, 2).to(self.device),
            torch.from_numpy(self.data.masks[idx.numpy()])[:, None].to(self.device),
            self.data.target_batch(idx).to(self.device),
            idx,
        )
