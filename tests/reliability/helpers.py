"""What every reliability test asserts: the message names the culprit, and nothing written
before the failure changed."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from geoinpaint.cli import main


def snapshot(*roots: Path) -> dict[str, str]:
    """sha256 of every file under `roots` (files and folders), by path."""
    out = {}
    for root in map(Path, roots):
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def fails_naming(
    caplog: pytest.LogCaptureFixture, argv: list[str], *names: object, code: int = 1
) -> str:
    """Run `geoinpaint argv` in-process: it must exit `code` with an error naming each of
    `names` (a file, a key); returns the error text."""
    caplog.clear()
    with caplog.at_level(logging.INFO):
        got = main([str(a) for a in argv])
    errors = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert got == code, f"exit {got}, expected {code}; log:\n{caplog.text[-3000:]}"
    for name in names:
        assert str(name) in errors, f"{name} not named in: {errors}"
    return errors


def no_temporaries(folder: Path) -> None:
    """No temporary file or folder of an atomic write is left in `folder`."""
    left = [p for p in Path(folder).rglob("*") if p.suffix in (".tmp", ".old", ".partial")]
    assert not left, left
