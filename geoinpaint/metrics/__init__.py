"""Evaluation metrics. Exact definitions are in docs/conventions.md; they never change silently."""

from __future__ import annotations

from pathlib import Path


def set_metrics_path(per_image_csv: str | Path) -> Path:
    """Where the set metrics of a per-image metrics CSV live: `<stem>.set.json` beside it."""
    per_image_csv = Path(per_image_csv)
    return per_image_csv.with_name(per_image_csv.stem + ".set.json")
