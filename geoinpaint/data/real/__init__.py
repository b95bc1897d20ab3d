"""Adapters for the papers' real datasets, read from a user's copy in the official layout.

Each adapter verifies what it finds (folders, counts, readable files, sizes) and returns a
manifest DataFrame; a missing or malformed copy raises `DatasetError` naming the path, what was
expected and where to get the data. Layouts and download pages: docs/datasets.md.
"""

from geoinpaint.data.real.aid import scan_aid
from geoinpaint.data.real.clearview import scan_clearview
from geoinpaint.data.real.cvusa import scan_cvusa
from geoinpaint.data.real.loveda import scan_loveda
from geoinpaint.data.real.rice import scan_rice
from geoinpaint.data.real.rsscn7 import scan_rsscn7

SCANNERS = {
    "rsscn7": scan_rsscn7,
    "aid": scan_aid,
    "loveda": scan_loveda,
    "cvusa": scan_cvusa,
    "rice": scan_rice,
    "clear-view": scan_clearview,
}

__all__ = ["SCANNERS", "scan_aid", "scan_clearview", "scan_cvusa", "scan_loveda", "scan_rice", "scan_rsscn7"]
