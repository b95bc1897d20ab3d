"""Every column a table can have, by id (a paper file's `columns:`), and how it is computed.

A column aggregates a per-image column of `geoinpaint evaluate`'s CSV (mean over images) or
reads a set value of its `<stem>.set.json` record (FID, KID, Recall@K, AP, mIoU).
docs/conventions.md defines each metric.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One table column: header, how it is computed, which way is better, how it prints."""

    header: str
    source: str  # per-image column averaged over images, or a key of the set record
    higher_is_better: bool
    decimals: int
    scale: float = 1.0
    full_reference: bool = True  # needs the ground truth: not applicable to the clean row
    set_value: bool = False
    ranked: bool = True  # candidate for bold (False for counts)


def _task(header: str, key: str, decimals: int) -> Column:
    return Column(header, key, True, decimals, full_reference=False, set_value=True)


COLUMNS: dict[str, Column] = {
    "psnr": Column("PSNR", "psnr", True, 2),
    "psnr_hole": Column("PSNR (hole)", "psnr_hole", True, 2),
    "ssim": Column("SSIM", "ssim", True, 4),
    "ssim_hole": Column("SSIM (hole)", "ssim_hole", True, 4),
    "mse": Column("MSE", "mse", False, 2),
    "mse_hole": Column("MSE (hole)", "mse_hole", False, 2),
    "ms_ssim": Column("MS-SSIM", "ms_ssim", True, 4),
    "ms_ssim_3s": Column("MS-SSIM (3 scales)", "ms_ssim_3s", True, 4),
    "brisque_live": Column(
        "BRISQUE (LIVE-SVR)", "brisque_live_svr", False, 2, full_reference=False
    ),
    "brisque_matlab": Column(
        "BRISQUE (MATLAB-SVR)", "brisque_matlab_svr", False, 2, full_reference=False
    ),
    "lpips": Column("LPIPS (AlexNet)", "lpips", False, 4),
    "fid": Column("FID", "fid", False, 2, set_value=True),
    "fid_n_images": Column("FID images", "fid_n_images", True, 0, set_value=True, ranked=False),
    "kid": Column("KID", "kid", False, 4, set_value=True),
    "accuracy": Column("Accuracy", "correct", True, 2, scale=100.0, full_reference=False),
    "recall@1": _task("Recall@1", "recall@1", 2),
    "recall@5": _task("Recall@5", "recall@5", 2),
    "recall@10": _task("Recall@10", "recall@10", 2),
    "recall@top1%": _task("Recall@top1%", "recall@top1%", 2),
    "ap": _task("AP", "ap", 2),
    "miou": _task("mIoU", "miou", 4),
}
EVERY_IMAGE_METRIC = (
    "psnr",
    "psnr_hole",
    "ssim",
    "ssim_hole",
    "mse",
    "mse_hole",
    "ms_ssim",
    "ms_ssim_3s",
    "brisque_live",
    "brisque_matlab",
    "lpips",
    "fid",
    "fid_n_images",
    "kid",
)
"""Every image metric of the suite, in the order of the `_extended` tables."""


def columns_of(ids: list[str], extended: bool, task_columns: tuple[str, ...]) -> list[Column]:
    """The columns of a table: its own, or every image metric then the task's (`extended`)."""
    wanted = [*EVERY_IMAGE_METRIC, *task_columns] if extended else ids
    unknown = [c for c in wanted if c not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown table column(s) {unknown}; known: {sorted(COLUMNS)}")
    return [COLUMNS[c] for c in wanted]
