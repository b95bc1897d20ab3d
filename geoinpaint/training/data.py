"""Training sets of the inpainting models: clean training images, one seed mask per image, and
the targets of the task network (paper Sec. IV-A..C).

The seed masks are a frozen training mask set (`geoinpaint masks`, written once like the test
masks but from another seed): mask `i` occludes image `i`, as the paper synthesises one occluded
version of each image. At training time MaskMix augments the masks (never the images) and
AugMix the images (never the masks), as the paper describes both (Sec. III-C, IV-L).
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
            (after AugMix, if used without its consistency term).
        masks: `(B, 1, H, W) float32 in {0, 1}`, 1 = hole (after MaskMix, if used).
        targets: the task targets of the images (see `InpaintingTrainSet.targets`).
        indices: `(B,)` sample indices into the training set.
        views: `(2, B, 3, H, W)` two AugMix draws of `images` for AugMix's Jensen-Shannon
            consistency term (`images` are then the clean images, as Hendrycks et al. train
            with it); None otherwise.
    """

    images: torch.Tensor
    masks: torch.Tensor
    targets: torch.Tensor
    indices: torch.Tensor
    views: torch.Tensor | None = None

    def occluded(self, fill: float | torch.Tensor = 0.0) -> torch.Tensor:
        """The images with every hole pixel set to `fill` (a value or a broadcastable tensor)."""
        return self.images * (1 - self.masks) + fill * self.masks


AUGMENTS = ("none", "maskmix", "augmix")


class InpaintingCollate:
    """Indices -> `Batch`: the training-time augmentation of every inpainting method.

    Each sample draws its augmentation from `sample_rng(seed, epoch, index, augment)` alone, so
    a batch is the same whatever the batch order or a resume point. `maskmix` augments the seed
    mask (task-driven paper, Eq. 7); `augmix` the image (Table VIII), leaving the mask as it is;
    with `jsd` it returns the clean image and two AugMix draws (`Batch.views`).
    """

    def __init__(
        self,
        data: InpaintingTrainSet,
        device: torch.device,
        seed: int,
        augment: str = "none",
        maskmix_cfg: MaskMixConfig | None = None,
        augmix_cfg: AugMixConfig | None = None,
        jsd: bool = False,
    ):
        if augment not in AUGMENTS:
            raise ValueError(f"unknown augmentation {augment!r}, expected one of {AUGMENTS}")
        if jsd and augment != "augmix":
            raise ValueError(f"AugMix's consistency term needs augment: augmix, not {augment!r}")
        self.data, self.device, self.seed, self.augment = data, device, seed, augment
        self.maskmix_cfg = maskmix_cfg or MaskMixConfig()
        self.augmix_cfg = augmix_cfg or AugMixConfig()
        self.jsd = jsd

    def __call__(self, indices: torch.Tensor, epoch: int) -> Batch:
        from geoinpaint.training.engine import sample_rng

        images, masks, views = [], [], []
        for i in indices.tolist():
            image, mask = self.data.images[i], self.data.masks[i]
            rng = sample_rng(self.seed, epoch, i, self.augment)
            if self.augment == "maskmix":
                mask = maskmix(mask, rng, self.maskmix_cfg)
            elif self.jsd:
                views.append([augmix(image, rng, self.augmix_cfg) for _ in range(2)])
            elif self.augment == "augmix":
                image = augmix(image, rng, self.augmix_cfg)
            images.append(image)
            masks.append(mask)
        return Batch(
            self._tensor(np.stack(images)),
            torch.from_numpy(np.stack(masks))[:, None].to(self.device),
            self.data.target_batch(indices).to(self.device),
            indices,
            self._tensor(np.stack(views, axis=1)) if views else None,
        )

    def _tensor(self, images: np.ndarray) -> torch.Tensor:
        """`(..., H, W, 3)` arrays -> `(..., 3, H, W)` tensors on the device."""
        return torch.from_numpy(images).movedim(-1, -3).to(self.device)

    def preview(self, n: int = 4) -> Batch:
        """The first `n` training images with their seed masks (no augmentation)."""
        idx = torch.arange(min(n, len(self.data)))
        return Batch(
            self._tensor(self.data.images[idx.numpy()]),
            torch.from_numpy(self.data.masks[idx.numpy()])[:, None].to(self.device),
            self.data.target_batch(idx).to(self.device),
            idx,
        )
