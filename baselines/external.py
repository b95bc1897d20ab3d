"""Another tool's outputs as a table row (`external`): its "training" is nothing and its
inpainting reads a folder of PNGs, one `<id>.png` per test image of the frozen test set (the ids
of its manifest; `geoinpaint export-testset` writes the inputs in the layouts common official
repositories read). Every file is validated before anything is scored: every id present, the
test image's size, RGB; the first bad file is named. Outputs are composited with the known
pixels like every row, so a tool that alters known pixels is scored on its hole filling only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from geoinpaint.methods.base import Method
from geoinpaint.methods.registry import register_method


@register_method("external", label="External outputs")
class External(Method):
    """Options: `folder` (the outputs, `<id>.png`)."""

    by_id = True

    def __init__(self, name: str, options: dict[str, Any] | None = None, device: Any = "cpu"):
        super().__init__(name, options, device)
        folder = (options or {}).get("folder")
        if not folder:
            raise ValueError("the external method needs option `folder`: a folder of <id>.png")
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"{self.folder}: folder of external outputs not found")
        self.hashes: dict[str, str] = {}

    def _read(self, rec_id: str, shape: tuple[int, int]) -> np.ndarray:
        path = self.folder / f"{rec_id}.png"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no output for test image {rec_id}")
        try:
            with Image.open(path) as img:
                img.load()
                if img.mode != "RGB":
                    raise ValueError(f"{path} is a {img.mode} image, expected 8-bit RGB")
                if img.size != (shape[1], shape[0]):
                    raise ValueError(
                        f"{path} is {img.size[0]}x{img.size[1]}, expected {shape[1]}x{shape[0]}"
                        " like its test image"
                    )
                data = np.asarray(img, dtype=np.float32) / 255.0
        except OSError as err:
            raise ValueError(f"{path}: not a readable PNG ({err})") from err
        self.hashes[rec_id] = hashlib.sha256(path.read_bytes()).hexdigest()
        return data

    def check(self, ids: list[str], shape: tuple[int, int]) -> None:
        """Every id present, of the right size and RGB (before any row is scored)."""
        for rec_id in ids:
            self._read(rec_id, shape)

    def inpaint_by_id(
        self, ids: list[str], images: torch.Tensor, masks: torch.Tensor
    ) -> torch.Tensor:
        shape = (images.shape[-2], images.shape[-1])
        out = np.stack([self._read(i, shape) for i in ids])
        return torch.from_numpy(out).permute(0, 3, 1, 2).to(images.device)

    def inpaint(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        raise ValueError("external outputs are read per test-image id: inpaint a frozen test set")

    def provenance(self) -> dict[str, str]:
        return {
            "folder": str(self.folder.resolve()),
            "files": str(len(self.hashes)),
            "sha256": "; ".join(f"{k}.png {v}" for k, v in sorted(self.hashes.items())),
        }

    def notes(self) -> list[str]:
        return [f"outputs of another tool, read from {self.folder}"]
