"""HiFill's attention (Yi et al., CVPR 2020, Sec. 3.2-3.3): the attention computing module,
attention transfer to the decoder's skip features, and contextual residual aggregation (CRA).

One attention matrix is computed at the bottleneck and reused three ways. Its grid is the
bottleneck subsampled x2 (1/16 of the working image: 32x32 at 512): every grid cell scores
every 3x3 patch of the grid by cosine similarity, the scores are "fused" (summed along the
diagonal of neighbouring cells, twice), patches that touch the hole are excluded, and a softmax
(scale 10) gives `scores[n, src, ref]`. Then:

- contextual attention: each cell is replaced by the score-weighted sum of 3x3 bottleneck
  patches (stride 2), pasted back as a transposed convolution;
- attention transfer: the same scores paste 2r x 2r patches of a skip feature map at r times
  the grid's resolution;
- CRA: the same scores paste r x r tiles of the high-resolution residual image (the detail the
  low-resolution inpainting lost), filling the hole with residuals from the known region.

Patches follow TensorFlow's "SAME" geometry (`extract_image_patches`, `conv2d_transpose`), as
in the authors' code; the pasted sums are not normalised by patch overlap, as in the code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

SOFTMAX_SCALE = 10.0
GRID_STRIDE = 16  # working image -> attention grid (1/8 bottleneck, then x2)


def same_patches(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """`(N, C, H, W)` -> `(N, C * kernel^2, H/stride * W/stride)` patches, TF "SAME" padding."""
    pad = max(kernel - stride, 0)
    before, after = pad // 2, pad - pad // 2
    return F.unfold(F.pad(x, (before, after, before, after)), kernel, stride=stride)


def paste(
    patches: torch.Tensor, scores: torch.Tensor, kernel: int, stride: int, size: tuple[int, int]
) -> torch.Tensor:
    """Score-weighted patch sums placed at every source cell (`same_patches`' inverse geometry).

    Args:
        patches: `(N, C * kernel^2, L)` from `same_patches`.
        scores: `(N, L_src, L)` weights of each reference patch for each source cell.
        size: `(H, W)` of the output, `L_src = H/stride * W/stride`.

    Returns:
        `(N, C, H, W)`.
    """
    pad = max(kernel - stride, 0)
    columns = patches @ scores.transpose(1, 2)
    h, w = size
    out = F.fold(columns, (h + pad, w + pad), kernel, stride=stride)
    return out[..., pad // 2 : pad // 2 + h, pad // 2 : pad // 2 + w]


def _fuse(scores: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Sum each score with its diagonal neighbours along x, then along y (the code's `fuse`)."""
    n, length, _ = scores.shape
    eye = torch.eye(3, dtype=scores.dtype, device=scores.device).view(1, 1, 3, 3)
    y = F.conv2d(scores.view(n, 1, length, length), eye, padding=1)
    y = y.view(n, h, w, h, w).transpose(1, 2).transpose(3, 4).reshape(n, 1, length, length)
    y = F.conv2d(y, eye, padding=1)
    return y.view(n, w, h, w, h).transpose(1, 2).transpose(3, 4).reshape(n, length, length)


def attention_scores(x: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Attention of every grid cell over every valid 3x3 grid patch.

    Args:
        x: `(N, C, h, w)` bottleneck features (1/8 of the working image, h and w even).
        masks: `(N, 1, H, W)` holes (1) of the working image, H = 16 h / 2.

    Returns:
        `(N, L, L)` scores over the `L = h/2 * w/2` grid cells, zero on invalid patches. As
        in the code, invalid patches enter the softmax with logit 0 before they are zeroed, so
        a row sums to less than 1 (to 0 when no patch is valid).
    """
    grid = x[..., ::2, ::2]
    gh, gw = grid.shape[-2:]
    cells = F.unfold(grid, 3, padding=1)  # (N, C*9, L): each cell's 3x3 neighbourhood
    keys = cells / cells.norm(dim=1, keepdim=True).clamp_min(1e-8)
    scores = _fuse(cells.transpose(1, 2) @ keys, gh, gw)
    hole = F.max_pool2d(masks, GRID_STRIDE, GRID_STRIDE)
    valid = 1 - F.max_pool2d(hole, 3, 1, 1).flatten(1).unsqueeze(1)  # (N, 1, L)
    return torch.softmax(scores * valid * SOFTMAX_SCALE, dim=2) * valid


def transfer(features: torch.Tensor, scores: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
    """Attention transfer to `(N, C, r gh, r gw)` features: 2r x 2r patches at stride r."""
    rate = features.shape[-2] // grid[0]
    patches = same_patches(features, 2 * rate, rate)
    return paste(patches, scores.to(patches.dtype), 2 * rate, rate, features.shape[-2:])


def aggregate_residual(
    residual: torch.Tensor, scores: torch.Tensor, grid: tuple[int, int]
) -> torch.Tensor:
    """CRA: `(N, 3, r gh, r gw)` residual -> the same with each cell filled from r x r tiles."""
    rate = residual.shape[-2] // grid[0]
    patches = same_patches(residual, rate, rate)
    return paste(patches, scores.to(patches.dtype), rate, rate, residual.shape[-2:])
