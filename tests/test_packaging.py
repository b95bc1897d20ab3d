"""The distribution ships every package: an editable install hides a missing one."""

from pathlib import Path

import tomllib

from conftest import REPO

ROOTS = {
    "geoinpaint": "geoinpaint",
    "models": "geoinpaint.models",
    "baselines": "geoinpaint.baselines",
}


def test_pyproject_lists_every_package_folder():
    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = set()
    for folder, prefix in ROOTS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            found.add(prefix + "".join(f".{part}" for part in Path(rel).parts))
    assert found == listed, f"add to pyproject.toml: {sorted(found - listed)}"
