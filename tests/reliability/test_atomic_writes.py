"""Atomic writes: a failed write leaves the previous file, a killed writer's temporaries go at
the next write, and a written file has the permissions any other file would have."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from geoinpaint.atomic import atomic_dir, atomic_path, write_text
from geoinpaint.io import write_image

from .helpers import no_temporaries


def test_a_failed_write_leaves_the_previous_file_and_names_it(tmp_path):
    write_text(tmp_path / "a.csv", "old")
    with pytest.raises(OSError, match="No space left") as err:
        with atomic_path(tmp_path / "a.csv") as tmp:
            tmp.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert str(tmp_path / "a.csv") in str(err.value)
    assert (tmp_path / "a.csv").read_text() == "old"
    no_temporaries(tmp_path)


def test_temporaries_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    (tmp_path / ".a.png.x1y2.tmp").write_bytes(b"left by SIGKILL")
    (tmp_path / ".out.k3j4.tmp").mkdir()
    write_image(tmp_path / "a.png", np.zeros((4, 4, 3)))
    with atomic_dir(tmp_path / "out") as tmp:
        (tmp / "x").write_text("x")
    no_temporaries(tmp_path)


def test_written_files_and_folders_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_text(tmp_path / "a.csv", "x")
        with atomic_dir(tmp_path / "out"):
            pass
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o750


def test_a_folder_is_replaced_only_when_its_new_version_is_complete(tmp_path):
    with atomic_dir(tmp_path / "set") as tmp:
        (tmp / "a").write_text("first")
    with pytest.raises(KeyboardInterrupt), atomic_dir(tmp_path / "set") as tmp:
        (tmp / "a").write_text("second, half")
        raise KeyboardInterrupt
    assert (tmp_path / "set" / "a").read_text() == "first"
    no_temporaries(tmp_path)
    assert Path(tmp_path / "set").is_dir()
