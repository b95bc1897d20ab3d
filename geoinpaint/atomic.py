"""Atomic file writes: a temporary file in the same folder, then `os.replace`.

A job killed halfway, or a full disk, never leaves a half-written file under an output's name,
and never damages the previous version of that file: readers see the old file or the new one.
Folders (`atomic_dir`) are written the same way: beside their final name, renamed when complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STAMP = ".geoinpaint-folder"
"""Marks a folder written by `atomic_dir`: only such a folder (or an empty one) is replaced."""


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is
    removed and `path` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide results from a shared group
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(err, OSError) and err.errno is not None:
            # e.g. a full disk: name the file the user knows, not the temporary one
            raise type(err)(err.errno, f"{err.strerror}; {path} left as it was", None) from err
        raise


def _umask() -> int:
    """The process's umask (read by setting it, then restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    """Write `text` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _replaceable(path: Path) -> None:
    if not path.exists():
        return
    if not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a folder; refusing to replace it")
    if (path / STAMP).is_file() or not any(path.iterdir()):
        return
    raise FileExistsError(
        f"{path} is a folder geoinpaint did not write; refusing to replace it (its files would "
        "be lost): remove it yourself or choose another output folder"
    )


def _remove_stale(path: Path) -> None:
    """Temporaries of an earlier writer of `path` that was killed (SIGKILL, power loss) before
    it could clean up (one writer per path at a time: a workflow job, or a verb)."""
    for stale in path.parent.glob(f".{path.name}.*"):
        if stale.suffix not in (".tmp", ".old"):
            continue
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside `path`, which replaces `path` when the block succeeds;
    on error the temporary folder is removed and `path` is untouched.

    An existing `path` is replaced only if it is empty or was itself written by `atomic_dir`
    (it holds the `STAMP` file): a user's folder given by mistake is refused, never emptied.

    Raises:
        FileExistsError: `path` is a file, or a non-empty folder geoinpaint did not write.
    """
    path = Path(path)
    _replaceable(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        (tmp / STAMP).write_text("written by geoinpaint as a whole; rewritten as a whole\n")
        yield tmp
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save_figure(fig: Any, path: str | Path, **kwargs: Any) -> None:
    """`fig.savefig(path, **kwargs)` (a matplotlib figure) atomically, in the format the
    suffix names."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", **kwargs)
