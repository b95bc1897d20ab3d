"""Paths of the optional real data samples beside the checkout (tests skip when absent)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
AID_MINI = SHARED_DATA / "aid-mini"
IRREGULAR_MINI = SHARED_DATA / "irregular-masks-mini"
